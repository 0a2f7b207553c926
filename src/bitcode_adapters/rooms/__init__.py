"""Where the lobby keeps rooms, chat, the quick-match queue and presence:
in the process (one instance) or in Redis (any number of instances)."""

from bitcode_adapters.rooms.memory import (
    InMemoryChatLog,
    InMemoryMatchQueue,
    InMemoryPresence,
    InMemoryRoomRepository,
)
from bitcode_adapters.rooms.redis import (
    LobbyStoreUnavailable,
    RedisChatLog,
    RedisMatchQueue,
    RedisPresence,
    RedisRoomRepository,
)

__all__ = [
    "InMemoryChatLog",
    "InMemoryMatchQueue",
    "InMemoryPresence",
    "InMemoryRoomRepository",
    "LobbyStoreUnavailable",
    "RedisChatLog",
    "RedisMatchQueue",
    "RedisPresence",
    "RedisRoomRepository",
]
