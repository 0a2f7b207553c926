"""The server's settings, read once from the environment and a ``.env`` file.

The environment wins over ``.env``. Every optional service left unset falls back to
its embedded default (a SQLite file, in-process rate limiting and caching, a mail
folder). A malformed value stops start-up with a ``SettingsError`` naming the
variable; values that may hold a secret are never repeated in the message.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
import platformdirs
from dotenv import dotenv_values

from bitcode_core.errors import InvalidInput
from bitcode_core.ladder.model import Tiers

Environment = Literal["development", "production"]
LogFormat = Literal["json", "console"]

SECRET_KEY_MIN = 32
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_MAIL_FROM = "BitCode <no-reply@bitcode.localhost>"
DEFAULT_GOOGLE_DISCOVERY_URL = (
    "https://accounts.google.com/.well-known/openid-configuration"
)
_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
_SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
_REPO_QUESTIONS = Path(__file__).resolve().parents[2] / "questions"
_DATABASE_SCHEMES = {
    "sqlite",
    "sqlite+aiosqlite",
    "sqlite+pysqlite",
    "postgres",
    "postgresql",
    "postgresql+psycopg",
    "postgresql+psycopg2",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A variable is malformed; the message names it (and never its secret)."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class SmtpSettings(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    tls: bool  # implicit TLS (smtps://)
    starttls: bool
    username: str | None = None
    password: str | None = None


class RealtimeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The WebSocket's limits and the lobby's timings."""

    presence_grace_s: float = 30.0
    max_message_bytes: int = 16 * 1024
    messages_per_s: int = 10
    sockets_per_user: int = 5
    backlog: int = 256
    ping_interval_s: int = 20
    event_history: int = 1000
    ticket_ttl_s: int = 30
    recheck_s: int = 60


class BattleSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Live battles: their timings and the judging queue's bounds."""

    countdown_s: float = 5.0
    judge_slots: int = 2
    max_queued: int = 3
    runs_per_minute: int = 10
    sweep_s: float = 1.0
    lease_s: int = 60


DEFAULT_TIERS = (
    "Bronze:0,Silver:1400,Gold:1600,Platinum:1800,Diamond:2000,"
    "Master:2200,Grandmaster:2400"
)


class LadderSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Seasons and ratings."""

    reset_share: float = 0.5
    season_length_days: float = 90.0
    tiers: str = DEFAULT_TIERS
    provisional_battles: int = 30


class Judge0Settings(msgspec.Struct, frozen=True, kw_only=True):
    api_url: str
    auth_token: str | None = None
    auth_user: str | None = None
    rapidapi_key: str | None = None
    rapidapi_host: str | None = None
    callbacks: bool = False
    callback_url: str = DEFAULT_PUBLIC_URL  # where Judge0 can reach BitCode
    timeout_s: int = 10
    give_up_s: int = 300
    unhealthy_after: int = 3

    def __repr__(self) -> str:
        return f"Judge0Settings(callbacks={self.callbacks})"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Environment = "development"
    secret_key: str
    data_dir: Path
    database_url: str
    redis_url: str | None = None
    redis_prefix: str = "bitcode:"
    judge0_api_url: str | None = None
    judge0: Judge0Settings | None = None  # set with JUDGE0_API_URL
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_discovery_url: str = DEFAULT_GOOGLE_DISCOVERY_URL
    google_redirect_uri: str | None = None  # set when the browser flow is
    frontend_urls: tuple[str, ...] = ()  # where the browser flow may return
    imagekit_public_key: str | None = None
    imagekit_private_key: str | None = None
    imagekit_url_endpoint: str | None = None
    imagekit_base_url: str | None = None
    imagekit_timeout_s: float = 15.0
    media_folder: Path
    media_max_bytes: int = 5 * 1024 * 1024
    public_url: str = DEFAULT_PUBLIC_URL
    mail_folder: Path
    smtp: SmtpSettings | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    allowed_origins: tuple[str, ...] = ()
    access_token_ttl_s: int = 15 * 60
    load_demo_bank: bool = True
    questions_dir: Path = _REPO_QUESTIONS
    languages_file: Path | None = None
    auto_migrate: bool = True
    process_cache: bool = True
    log_format: LogFormat = "json"
    realtime: RealtimeSettings = RealtimeSettings()
    battles: BattleSettings = BattleSettings()
    ladder: LadderSettings = LadderSettings()

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def socket_origins(self) -> frozenset[str]:
        """Browser origins allowed on the WebSocket: CORS's, and the API's own."""
        parts = urlsplit(self.public_url)
        return frozenset({*self.allowed_origins, f"{parts.scheme}://{parts.netloc}"})

    @property
    def imagekit(self) -> bool:
        """Whether media go to ImageKit (all three keys are set) or to disk."""
        return self.imagekit_private_key is not None

    @property
    def google_browser_flow(self) -> bool:
        return self.google_client_secret is not None

    def __repr__(self) -> str:
        # Settings end up in tracebacks; only what is safe to show is shown.
        return (
            f"Settings(env={self.env!r}, data_dir={str(self.data_dir)!r}, "
            f"database={self.database_url.split(':', 1)[0]!r}, "
            f"redis={self.redis_url is not None}, smtp={self.smtp is not None})"
        )


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Settings from ``environ`` (default: ``os.environ``) over ``env_file``."""
    values = _merged(os.environ if environ is None else environ, env_file)
    return _Reader(values).settings()


def load_judge0_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Judge0Settings | None:
    """Only the Judge0 variables, for commands that need nothing else."""
    values = _merged(os.environ if environ is None else environ, env_file)
    reader = _Reader(values)
    public_url = reader.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL
    return reader.judge0(public_url.rstrip("/"))


def _merged(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update(
            {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        )
    merged.update(environ)
    return merged


class _Reader:
    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def get(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or not value.strip():
            return None
        return value.strip()

    def settings(self) -> Settings:
        env = self._choice("BITCODE_ENV", ("development", "production"), "development")
        data_dir = self._data_dir()
        database_url = self._database_url(data_dir)
        imagekit = self._imagekit()
        public_url = (
            self._url("PUBLIC_URL", {"http", "https"}) or DEFAULT_PUBLIC_URL
        ).rstrip("/")
        google_client_id, google_client_secret = self._google_client()
        browser_flow = google_client_secret is not None
        return Settings(
            env=env,  # type: ignore[arg-type]
            secret_key=self._secret_key(env, data_dir),
            data_dir=data_dir,
            database_url=database_url,
            redis_url=self._url("REDIS_URL", {"redis", "rediss", "unix"}),
            redis_prefix=self._token("REDIS_PREFIX") or "bitcode:",
            judge0_api_url=self._url("JUDGE0_API_URL", {"http", "https"}),
            judge0=self.judge0(public_url),
            google_client_id=google_client_id,
            google_client_secret=google_client_secret,
            google_discovery_url=self._discovery_url(),
            google_redirect_uri=(
                (
                    self._url("GOOGLE_REDIRECT_URI", {"http", "https"})
                    or f"{public_url}/auth/google/callback"
                )
                if browser_flow
                else None
            ),
            frontend_urls=self._frontend_urls(required=browser_flow),
            imagekit_public_key=imagekit[0],
            imagekit_private_key=imagekit[1],
            imagekit_url_endpoint=imagekit[2],
            imagekit_base_url=self._url("IMAGEKIT_BASE_URL", {"http", "https"}),
            imagekit_timeout_s=self._number("IMAGEKIT_TIMEOUT_SECONDS", 15.0, 0.1, 300),
            media_folder=self._path("MEDIA_FOLDER") or data_dir / "media",
            media_max_bytes=self._int(
                "MEDIA_MAX_BYTES", 5 * 1024 * 1024, 1024, 50 * 1024 * 1024
            ),
            public_url=public_url,
            mail_folder=self._path("MAIL_FOLDER") or data_dir / "mail",
            smtp=self._smtp(),
            mail_from=self._mail_from(),
            allowed_origins=self._origins(),
            access_token_ttl_s=self._int("ACCESS_TOKEN_TTL_SECONDS", 900, 60, 86_400),
            load_demo_bank=self._bool("LOAD_DEMO_BANK", default=True),
            questions_dir=self._path("BITCODE_QUESTIONS_DIR") or _questions_dir(),
            languages_file=self._path("BITCODE_LANGUAGES_FILE"),
            auto_migrate=self._bool(
                "AUTO_MIGRATE", default=database_url.startswith("sqlite")
            ),
            process_cache=self._bool("PROCESS_CACHE", default=True),
            log_format=self._choice(  # type: ignore[arg-type]
                "LOG_FORMAT", ("json", "console"), _default_log_format()
            ),
            realtime=self._realtime(),
            battles=self._battles(),
            ladder=self._ladder(),
        )

    def _realtime(self) -> RealtimeSettings:
        return RealtimeSettings(
            presence_grace_s=self._int("PRESENCE_GRACE_SECONDS", 30, 0, 3600),
            max_message_bytes=self._int("WS_MAX_MESSAGE_BYTES", 16_384, 1024, 1 << 20),
            messages_per_s=self._int("WS_MESSAGES_PER_SECOND", 10, 1, 1000),
            sockets_per_user=self._int("WS_SOCKETS_PER_USER", 5, 1, 100),
            backlog=self._int("WS_BACKLOG", 256, 16, 100_000),
            ping_interval_s=self._int("WS_PING_INTERVAL_SECONDS", 20, 1, 300),
            event_history=self._int("EVENT_HISTORY", 1000, 10, 100_000),
            ticket_ttl_s=self._int("WS_TICKET_TTL_SECONDS", 30, 1, 300),
            recheck_s=self._int("WS_RECHECK_SECONDS", 60, 1, 3600),
        )

    def _battles(self) -> BattleSettings:
        return BattleSettings(
            countdown_s=self._number("BATTLE_COUNTDOWN_SECONDS", 5.0, 0.0, 60.0),
            judge_slots=self._int("BATTLE_JUDGE_SLOTS", 2, 1, 256),
            max_queued=self._int("BATTLE_MAX_QUEUED", 3, 1, 100),
            runs_per_minute=self._int("BATTLE_RUNS_PER_MINUTE", 10, 1, 600),
            sweep_s=self._number("BATTLE_SWEEP_SECONDS", 1.0, 0.05, 60.0),
            lease_s=self._int("BATTLE_LEASE_SECONDS", 60, 5, 3600),
        )

    def _ladder(self) -> LadderSettings:
        tiers = self.get("RATING_TIERS") or DEFAULT_TIERS
        try:
            Tiers.parse(tiers)
        except InvalidInput as error:
            raise SettingsError("RATING_TIERS", error.message) from None
        return LadderSettings(
            reset_share=self._number("SEASON_RESET_SHARE", 0.5, 0.0, 1.0),
            season_length_days=self._number("SEASON_LENGTH_DAYS", 90.0, 1.0, 3660.0),
            tiers=tiers,
            provisional_battles=self._int("RATING_PROVISIONAL_BATTLES", 30, 0, 1000),
        )

    def judge0(self, public_url: str) -> Judge0Settings | None:
        # Every variable is checked, set or not, so a mistake shows at once.
        settings = Judge0Settings(
            api_url=self._url("JUDGE0_API_URL", {"http", "https"}) or "",
            auth_token=self._token("JUDGE0_AUTH_TOKEN"),
            auth_user=self._token("JUDGE0_AUTH_USER"),
            rapidapi_key=self._token("JUDGE0_RAPIDAPI_KEY"),
            rapidapi_host=self._token("JUDGE0_RAPIDAPI_HOST"),
            callbacks=self._bool("JUDGE0_CALLBACKS", default=False),
            callback_url=(
                self._url("JUDGE0_CALLBACK_URL", {"http", "https"}) or public_url
            ).rstrip("/"),
            timeout_s=self._int("JUDGE0_TIMEOUT_SECONDS", 10, 1, 300),
            give_up_s=self._int("JUDGE0_GIVE_UP_SECONDS", 300, 5, 86_400),
            unhealthy_after=self._int("JUDGE0_UNHEALTHY_AFTER", 3, 1, 1000),
        )
        return settings if settings.api_url else None

    def _choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = (self.get(name) or default).lower()
        if value not in choices:
            raise SettingsError(name, f"must be one of {', '.join(choices)}")
        return value

    def _bool(self, name: str, *, default: bool) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise SettingsError(name, "must be true or false (1/0, yes/no, on/off)")

    def _int(self, name: str, default: int, low: int, high: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(name, "must be a whole number") from None
        if not low <= number <= high:
            raise SettingsError(name, f"must be from {low} to {high}")
        return number

    def _number(self, name: str, default: float, low: float, high: float) -> float:
        value = self.get(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise SettingsError(name, "must be a number") from None
        if not low <= number <= high:
            raise SettingsError(name, f"must be from {low:g} to {high:g}")
        return number

    def _imagekit(self) -> tuple[str | None, str | None, str | None]:
        """The public key, private key and URL endpoint: all three or none."""
        values = (
            self._token("IMAGEKIT_PUBLIC_KEY"),
            self._token("IMAGEKIT_PRIVATE_KEY"),
            self._url("IMAGEKIT_URL_ENDPOINT", {"https"}),
        )
        names = ("IMAGEKIT_PUBLIC_KEY", "IMAGEKIT_PRIVATE_KEY", "IMAGEKIT_URL_ENDPOINT")
        missing = [name for name, value in zip(names, values, strict=True) if not value]
        if 0 < len(missing) < len(names):
            raise SettingsError(
                missing[0], "set it too: ImageKit needs all three IMAGEKIT_* keys"
            )
        return values

    def _token(self, name: str) -> str | None:
        value = self.get(name)
        if value is not None and any(c.isspace() for c in value):
            raise SettingsError(name, "must not contain spaces")
        return value

    def _path(self, name: str) -> Path | None:
        value = self.get(name)
        return Path(value).expanduser() if value is not None else None

    def _url(self, name: str, schemes: set[str]) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        _check_url(name, value, schemes)
        return value

    def _data_dir(self) -> Path:
        return self._path("BITCODE_DATA_DIR") or Path(
            platformdirs.user_data_dir("bitcode")
        )

    def _database_url(self, data_dir: Path) -> str:
        value = self.get("DATABASE_URL")
        if value is None:
            return f"sqlite+aiosqlite:///{data_dir / 'bitcode.sqlite3'}"
        _check_url("DATABASE_URL", value, _DATABASE_SCHEMES, needs_host=False)
        return value

    def _secret_key(self, env: str, data_dir: Path) -> str:
        name = "SECRET_KEY" if self.get("SECRET_KEY") else "DJANGO_SECRET_KEY"
        value = self.get(name)
        if value is None:
            if env != "development":
                raise SettingsError(
                    "SECRET_KEY", "required outside development (BITCODE_ENV)"
                )
            return _development_secret_key(data_dir)
        if len(value) < SECRET_KEY_MIN:
            raise SettingsError(name, f"must be at least {SECRET_KEY_MIN} characters")
        return value

    def _smtp(self) -> SmtpSettings | None:
        value = self.get("SMTP_URL")
        if value is None:
            return None
        return _smtp_settings(value)

    def _mail_from(self) -> str:
        value = self.get("MAIL_FROM")
        if value is None:
            return DEFAULT_MAIL_FROM
        _, address = parseaddr(value)
        if "@" not in address or any(c in value for c in "\r\n"):
            raise SettingsError("MAIL_FROM", "must be an address such as a@b.org")
        return value

    def _google_client(self) -> tuple[str | None, str | None]:
        client_id = self._token("GOOGLE_CLIENT_ID")
        client_secret = self._token("GOOGLE_CLIENT_SECRET")
        if client_secret is not None and client_id is None:
            raise SettingsError(
                "GOOGLE_CLIENT_ID", "required when GOOGLE_CLIENT_SECRET is set"
            )
        return client_id, client_secret

    def _discovery_url(self) -> str:
        name = "GOOGLE_DISCOVERY_URL"
        value = self._url(name, {"http", "https"}) or DEFAULT_GOOGLE_DISCOVERY_URL
        parts = urlsplit(value)
        # The keys that vouch for every Google sign-in come from here.
        if parts.scheme != "https" and parts.hostname not in _LOOPBACK_HOSTS:
            raise SettingsError(name, "must be https:// (http only on loopback)")
        return value

    def _frontend_urls(self, *, required: bool) -> tuple[str, ...]:
        value = self.get("FRONTEND_URL")
        if value is None:
            if required:
                raise SettingsError(
                    "FRONTEND_URL",
                    "required when GOOGLE_CLIENT_SECRET is set (the browser "
                    "sign-in returns there)",
                )
            return ()
        urls = tuple(u.strip() for u in value.split(",") if u.strip())
        for url in urls:
            _check_url("FRONTEND_URL", url, {"http", "https"}, echo=True)
            if "#" in url:
                raise SettingsError("FRONTEND_URL", f"has a fragment ({url!r})")
        return urls

    def _origins(self) -> tuple[str, ...]:
        value = self.get("ALLOWED_ORIGINS")
        if value is None:
            return ()
        origins = tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        for origin in origins:
            if origin != "*":
                _check_url("ALLOWED_ORIGINS", origin, {"http", "https"}, echo=True)
        return origins


def _check_url(
    name: str,
    value: str,
    schemes: set[str],
    *,
    needs_host: bool = True,
    echo: bool = False,
) -> None:
    # URLs may carry passwords: only echo the ones that cannot.
    shown = f" ({value!r})" if echo else ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError:
        raise SettingsError(name, f"is not a valid URL{shown}") from None
    if parts.scheme not in schemes:
        raise SettingsError(
            name, f"must start with {' or '.join(sorted(schemes))}://{shown}"
        )
    if needs_host and parts.scheme != "unix" and not parts.hostname:
        raise SettingsError(name, f"has no host{shown}")


def _smtp_settings(value: str) -> SmtpSettings:
    _check_url("SMTP_URL", value, {"smtp", "smtps"})
    parts = urlsplit(value)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "0").lower()
    if starttls not in _TRUE | _FALSE:
        raise SettingsError("SMTP_URL", "starttls must be 1 or 0")
    tls = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname or "",  # _check_url made sure there is one
        port=parts.port or (465 if tls else 587 if starttls in _TRUE else 25),
        tls=tls,
        starttls=starttls in _TRUE,
        username=_unquoted(parts.username),
        password=_unquoted(parts.password),
    )


def _unquoted(value: str | None) -> str | None:
    return unquote(value) if value else None


def _default_log_format() -> str:
    # JSON for machines; plain lines for someone watching a terminal.
    return "console" if sys.stderr.isatty() else "json"


def _questions_dir() -> Path:
    return _REPO_QUESTIONS if _REPO_QUESTIONS.is_dir() else Path.cwd() / "questions"


def _development_secret_key(data_dir: Path) -> str:
    """The development key, generated once and kept (0600) in the data folder so
    sessions survive restarts."""
    path = data_dir / _SECRET_KEY_FILE
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= SECRET_KEY_MIN:
            return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    _write_private(path, key)
    return key


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)
