"""The HTTP and WebSocket API (Litestar)."""
