"""``bitcode serve``: run the API server with uvicorn."""

from __future__ import annotations

import os

import click
import uvicorn

from bitcode_http.settings import DEFAULT_PUBLIC_URL, SettingsError, load_settings

_ANY_ADDRESS = {"0.0.0.0", "::", ""}  # noqa: S104 - names, not a bind


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes.",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the HTTP API (settings from the environment and .env)."""
    try:
        settings = load_settings()  # fail here, with the variable's name
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    unset = "PUBLIC_URL" not in os.environ and settings.public_url == DEFAULT_PUBLIC_URL
    if unset and port != 0:
        # Unset, the public address is where this serves: the links in mail,
        # media URLs, the socket's URL and the Origin it accepts follow --port.
        shown = "127.0.0.1" if host in _ANY_ADDRESS else host
        os.environ["PUBLIC_URL"] = f"http://{_bracketed(shown)}:{port}"
    if workers > 1 and settings.redis_url is None:
        # Rooms and their events live in the process without Redis: players
        # on two workers would never meet.
        raise click.ClickException(
            "--workers above 1 needs REDIS_URL: the lobby and its events are "
            "shared through Redis"
        )
    click.echo(
        f"BitCode API on http://{host}:{port} ({settings.env}); "
        f"docs at http://{host}:{port}/schema",
        err=True,
    )
    uvicorn.run(
        "bitcode_http.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
        ws_max_size=settings.realtime.max_message_bytes,
        ws_ping_interval=settings.realtime.ping_interval_s,
        ws_ping_timeout=settings.realtime.ping_interval_s,
    )


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
