"""The WebSocket: one socket per client, carrying every channel it follows
and every lobby action it takes. ``docs/realtime.md`` is its reference."""
