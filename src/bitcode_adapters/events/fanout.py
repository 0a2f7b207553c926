"""Delivery to a channel's listeners, shared by both buses: each listener is
isolated, so one that raises is logged and the others still get the event."""

from __future__ import annotations

import logging
from collections import defaultdict

from bitcode_core.rooms.ports import Envelope, Listener

logger = logging.getLogger(__name__)


class Listeners:
    def __init__(self) -> None:
        self._by_channel: defaultdict[str, list[Listener]] = defaultdict(list)

    def add(self, channel: str, listener: Listener) -> bool:
        """True when it is the channel's first listener."""
        listeners = self._by_channel[channel]
        listeners.append(listener)
        return len(listeners) == 1

    def discard(self, channel: str, listener: Listener) -> bool:
        """True when the channel has no listener left."""
        listeners = self._by_channel.get(channel)
        if listeners is None:
            return False
        if listener in listeners:
            listeners.remove(listener)
        if listeners:
            return False
        del self._by_channel[channel]
        return True

    def channels(self) -> list[str]:
        return list(self._by_channel)

    def deliver(self, envelope: Envelope) -> None:
        for listener in list(self._by_channel.get(envelope.channel, ())):
            try:
                listener(envelope)
            except Exception:
                logger.exception(
                    "event.listener_failed",
                    extra={"channel": envelope.channel, "seq": envelope.seq},
                )
