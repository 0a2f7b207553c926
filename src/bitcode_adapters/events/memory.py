"""Events in the process: for one server instance, with nothing to run.

Publishing numbers the event, keeps it in the channel's history and hands it
to every listener before returning, all on the one event loop, so listeners
see each channel's events in ``seq`` order.
"""

from __future__ import annotations

from collections import OrderedDict, deque

from bitcode_adapters.events.fanout import Listeners
from bitcode_core.ports import Clock
from bitcode_core.rooms.ports import Envelope, EventData, History, Listener


class InProcessEventBus:
    def __init__(self, clock: Clock, keep: int = 1000, channels: int = 10_000) -> None:
        self._clock = clock
        self._keep = keep
        self._channels = channels  # histories kept, least recently used dropped
        self._seq: dict[str, int] = {}
        self._history: OrderedDict[str, deque[Envelope]] = OrderedDict()
        self._listeners = Listeners()

    async def publish(self, channel: str, type: str, data: EventData) -> Envelope:
        seq = self._seq.get(channel, 0) + 1
        self._seq[channel] = seq
        envelope = Envelope(channel, seq, type, self._clock.now(), data)
        kept = self._history.setdefault(channel, deque(maxlen=self._keep))
        kept.append(envelope)
        self._history.move_to_end(channel)
        if len(self._history) > self._channels:
            # The channel's numbering goes on; only its old events are gone.
            self._history.popitem(last=False)
        self._listeners.deliver(envelope)
        return envelope

    async def history(self, channel: str, after_seq: int) -> History:
        last = self._seq.get(channel, 0)
        kept = list(self._history.get(channel, ()))
        events = [e for e in kept if e.seq > after_seq]
        oldest = kept[0].seq if kept else last + 1
        complete = after_seq >= last or oldest <= after_seq + 1
        return History(events, complete, last)

    async def subscribe(self, channel: str, listener: Listener) -> None:
        self._listeners.add(channel, listener)

    async def unsubscribe(self, channel: str, listener: Listener) -> None:
        self._listeners.discard(channel, listener)

    async def close(self) -> None:
        return None
