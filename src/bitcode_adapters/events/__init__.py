"""Event buses for the ``EventBus`` port: in the process, or through Redis."""

from bitcode_adapters.events.memory import InProcessEventBus
from bitcode_adapters.events.redis import EventBusUnavailable, RedisEventBus

__all__ = ["EventBusUnavailable", "InProcessEventBus", "RedisEventBus"]
