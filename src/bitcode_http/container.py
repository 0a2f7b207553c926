"""The server's adapters, each picked from the settings.

Nothing is built until asked for; ``close`` releases what was built. Tests swap
a provider with ``override`` (a faster hasher, a fake clock) and hand the
container to ``create_app``. The core never sees the container: it gets the
adapters through its constructors.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Literal

from dependency_injector import containers, providers
from redis.asyncio import Redis

from bitcode_adapters.argon2_hasher import Argon2PasswordHasher
from bitcode_adapters.cache import (
    Cache,
    CachedQuestionCatalog,
    CachedUserRepository,
    InProcessCache,
    RedisCache,
)
from bitcode_adapters.clock import SystemClock
from bitcode_adapters.common_passwords import load_common_passwords
from bitcode_adapters.events import InProcessEventBus, RedisEventBus
from bitcode_adapters.judge0 import CallbackInbox, Judge0Judge
from bitcode_adapters.jwt_access_tokens import JwtAccessTokens
from bitcode_adapters.ladder import RedisRankIndex
from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.mail_folder import FolderMailer
from bitcode_adapters.media import (
    ImageKitMediaStorage,
    LocalMediaStorage,
    PillowImageCodec,
    imagekit_client,
)
from bitcode_adapters.memory import InMemoryRateLimiter
from bitcode_adapters.openid_provider import AuthlibOpenIdProvider
from bitcode_adapters.redis_rate_limiter import RedisRateLimiter
from bitcode_adapters.rooms import (
    InMemoryChatLog,
    InMemoryMatchQueue,
    InMemoryPresence,
    InMemoryRoomRepository,
    RedisChatLog,
    RedisMatchQueue,
    RedisPresence,
    RedisRoomRepository,
)
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_adapters.smtp_mail import SmtpMailer
from bitcode_adapters.sql import (
    Database,
    SqlBattleRepository,
    SqlIdentityRepository,
    SqlLadderStore,
    SqlLeaderboard,
    SqlOneTimeTokenRepository,
    SqlQuestionCatalog,
    SqlSeasonRepository,
    SqlSessionRepository,
    SqlSignInAttemptRepository,
    SqlSubmissionRepository,
    SqlUserRepository,
)
from bitcode_adapters.sql.migrate import upgrade
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts.identities import IdentitySettings, IdentitySignIn
from bitcode_core.accounts.ports import (
    IdentityRepository,
    OneTimeTokenRepository,
    RateLimiter,
    Secrets,
    SignInAttemptRepository,
    UserRepository,
)
from bitcode_core.accounts.socket_tickets import SocketTickets
from bitcode_core.accounts.usecases import Accounts, AccountSettings
from bitcode_core.arena.arena import Arena, ArenaSettings
from bitcode_core.arena.fair_queue import FairQueue, QueueLimits
from bitcode_core.arena.ports import BattleRepository, SubmissionRepository
from bitcode_core.catalog.ports import QuestionCatalog
from bitcode_core.catalog.usecases import Catalog
from bitcode_core.elo import EloRules
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.ladder.model import Tiers
from bitcode_core.ladder.ports import LadderStore, Leaderboard, SeasonRepository
from bitcode_core.ladder.rules import LadderRules
from bitcode_core.languages import LanguageTable
from bitcode_core.media.model import MediaRules
from bitcode_core.media.usecases import Media
from bitcode_core.ports import Clock, Judge
from bitcode_core.rooms.lobby import Lobby
from bitcode_core.rooms.ports import EventBus, Presence, RoomRepository
from bitcode_core.usecases.judge_submission import ValidatorCache
from bitcode_http.arena_driver import ArenaDriver
from bitcode_http.judges import LazyJudge, judge0_judge, local_validator_judge
from bitcode_http.realtime.connection import ConnectionLimits
from bitcode_http.realtime.hub import Hub, HubSettings
from bitcode_http.realtime.server import Origins, Realtime
from bitcode_http.settings import (
    BattleSettings,
    LadderSettings,
    RealtimeSettings,
    Settings,
)


class Opened:
    """What the container built that holds connections or threads, to release
    at shutdown (newest first)."""

    def __init__(self) -> None:
        self._closers: list[Callable[[], Awaitable[None] | None]] = []

    def track(self, closer: Callable[[], Awaitable[None] | None]) -> None:
        self._closers.append(closer)

    async def close(self) -> None:
        while self._closers:
            result = self._closers.pop()()
            if inspect.isawaitable(result):
                await result


def _database(url: str, opened: Opened) -> Database:
    database = Database(url)
    opened.track(database.dispose)
    return database


def _redis(settings: Settings, opened: Opened) -> Redis | None:
    if settings.redis_url is None:
        return None
    client = Redis.from_url(settings.redis_url, health_check_interval=30)
    opened.track(client.aclose)
    return client


def _hasher(opened: Opened) -> Argon2PasswordHasher:
    hasher = Argon2PasswordHasher()
    opened.track(hasher.close)
    return hasher


def _prefixed(settings: Settings, kind: str) -> str:
    return settings.redis_prefix + kind


def _cache_kind(settings: Settings) -> Literal["redis", "process", "none"]:
    if settings.redis_url is not None:
        return "redis"
    return "process" if settings.process_cache else "none"


def _limiter_kind(settings: Settings) -> Literal["redis", "memory"]:
    return "redis" if settings.redis_url is not None else "memory"


def _mailer_kind(settings: Settings) -> Literal["smtp", "folder"]:
    return "smtp" if settings.smtp is not None else "folder"


def _smtp_mailer(settings: Settings) -> SmtpMailer:
    smtp = settings.smtp
    assert smtp is not None  # noqa: S101 - chosen only when SMTP_URL is set
    return SmtpMailer(
        smtp.host,
        smtp.port,
        settings.mail_from,
        username=smtp.username,
        password=smtp.password,
        starttls=smtp.starttls,
        ssl=smtp.tls,
    )


def _shared_kind(settings: Settings) -> Literal["redis", "memory"]:
    """Where the lobby lives: in Redis when there is one, so every instance
    sees the same rooms and events; else in this process."""
    return "redis" if settings.redis_url is not None else "memory"


def _lobby_store(
    kind: providers.Provider[Literal["redis", "memory"]],
    in_redis: Callable[..., object],
    in_memory: Callable[[], object],
    redis: providers.Provider[Redis | None],
    prefix: providers.Provider[str],
) -> providers.Selector[object]:
    """One of the lobby's stores: in Redis, or in this process."""
    return providers.Selector(
        kind,
        redis=providers.Singleton(in_redis, redis, prefix),
        memory=providers.Singleton(in_memory),
    )


def _event_bus(
    settings: Settings, redis: Redis | None, clock: SystemClock, opened: Opened
) -> InProcessEventBus | RedisEventBus:
    keep = settings.realtime.event_history
    bus: InProcessEventBus | RedisEventBus
    if redis is None:
        bus = InProcessEventBus(clock, keep=keep)
    else:
        bus = RedisEventBus(redis, clock, _prefixed(settings, "events:"), keep=keep)
    opened.track(bus.close)
    return bus


def _connection_limits(realtime: RealtimeSettings) -> ConnectionLimits:
    return ConnectionLimits(
        max_message_bytes=realtime.max_message_bytes,
        messages_per_s=realtime.messages_per_s,
        burst=realtime.messages_per_s * 2,
        backlog=realtime.backlog,
        recheck_every_s=realtime.recheck_s,
    )


def _hub_settings(realtime: RealtimeSettings) -> HubSettings:
    return HubSettings(
        presence_grace_s=realtime.presence_grace_s,
        sockets_per_user=realtime.sockets_per_user,
    )


def _media_kind(settings: Settings) -> Literal["imagekit", "local"]:
    return "imagekit" if settings.imagekit else "local"


def _imagekit_storage(settings: Settings, opened: Opened) -> ImageKitMediaStorage:
    # Chosen only when all three keys are set (the settings make sure of it).
    assert settings.imagekit_private_key is not None  # noqa: S101
    assert settings.imagekit_public_key is not None  # noqa: S101
    assert settings.imagekit_url_endpoint is not None  # noqa: S101
    client = imagekit_client(
        settings.imagekit_private_key,
        base_url=settings.imagekit_base_url,
        timeout_s=settings.imagekit_timeout_s,
    )
    storage = ImageKitMediaStorage(
        client,
        public_key=settings.imagekit_public_key,
        url_endpoint=settings.imagekit_url_endpoint,
        base_url=settings.imagekit_base_url,
    )
    opened.track(storage.close)
    return storage


def _identity_provider(
    settings: Settings, clock: Clock, opened: Opened
) -> AuthlibOpenIdProvider | None:
    if settings.google_client_id is None:
        return None
    provider = AuthlibOpenIdProvider(
        discovery_url=settings.google_discovery_url,
        client_id=settings.google_client_id,
        client_secret=settings.google_client_secret,
        redirect_uri=settings.google_redirect_uri,
        clock=clock,
    )
    opened.track(provider.close)
    return provider


def _identity_sign_in(
    *,
    provider: AuthlibOpenIdProvider | None,
    accounts: Accounts,
    identities: IdentityRepository,
    attempts: SignInAttemptRepository,
    one_time_tokens: OneTimeTokenRepository,
    secrets: Secrets,
    limiter: RateLimiter,
    clock: Clock,
    settings: Settings,
) -> IdentitySignIn | None:
    """Google sign-in, or None when GOOGLE_CLIENT_ID is unset."""
    if provider is None:
        return None
    return IdentitySignIn(
        accounts=accounts,
        identities=identities,
        attempts=attempts,
        one_time_tokens=one_time_tokens,
        provider=provider,
        secrets=secrets,
        limiter=limiter,
        clock=clock,
        settings=IdentitySettings(return_urls=settings.frontend_urls),
    )


def _judge_kind(settings: Settings) -> Literal["judge0", "sandbox"]:
    return "judge0" if settings.judge0 is not None else "sandbox"


def _callback_inbox(settings: Settings) -> CallbackInbox | None:
    judge0 = settings.judge0
    return CallbackInbox() if judge0 is not None and judge0.callbacks else None


def _sandbox_judge(languages: LanguageTable, opened: Opened) -> SandboxJudge:
    judge = SandboxJudge(languages)
    opened.track(judge.close)
    return judge


def _validator_sandbox(languages: LanguageTable, opened: Opened) -> SandboxJudge | None:
    local = local_validator_judge(languages)
    if local is not None:
        opened.track(local.close)
    return local


def _judge0_judge(
    settings: Settings,
    languages: LanguageTable,
    inbox: CallbackInbox | None,
    local: SandboxJudge | None,
    opened: Opened,
) -> Judge0Judge:
    assert settings.judge0 is not None  # noqa: S101 - chosen only when it is set
    judge = judge0_judge(settings.judge0, languages, inbox=inbox, local=local)
    opened.track(judge.aclose)
    return judge


def _arena_driver(settings: Settings, clock: Clock, opened: Opened) -> ArenaDriver:
    battles = settings.battles
    return ArenaDriver(clock, sweep_s=battles.sweep_s, lease_s=battles.lease_s)


def _arena_settings(battles: BattleSettings) -> ArenaSettings:
    return ArenaSettings(
        countdown_s=battles.countdown_s,
        max_queued=battles.max_queued,
        run_burst=battles.runs_per_minute,
        run_window_s=60.0,
        lease_s=float(battles.lease_s),
    )


def _judging_queue(battles: BattleSettings) -> FairQueue:
    # Each player's stored submissions wait here, and a few runs beside them.
    per_player = battles.max_queued + 2
    return FairQueue(QueueLimits(slots=battles.judge_slots, per_player=per_player))


def _arena(
    *,
    settings: Settings,
    battles: BattleRepository,
    submissions: SubmissionRepository,
    lobby: Lobby,
    rooms: RoomRepository,
    catalog: QuestionCatalog,
    judge: Judge,
    languages: LanguageTable,
    bus: EventBus,
    presence: Presence,
    limiter: RateLimiter,
    secrets: Secrets,
    clock: Clock,
    driver: ArenaDriver,
    opened: Opened,
    ladder: Ladder,
    users: UserRepository,
) -> Arena:
    validators = ValidatorCache(judge, languages)
    opened.track(validators.close)
    arena = Arena(
        battles=battles,
        submissions=submissions,
        lobby=lobby,
        rooms=rooms,
        catalog=catalog,
        judge=judge,
        validators=validators,
        languages=languages,
        bus=bus,
        presence=presence,
        limiter=limiter,
        secrets=secrets,
        clock=clock,
        queue=_judging_queue(settings.battles),
        scheduler=driver,
        holder=secrets.new_id(),
        settings=_arena_settings(settings.battles),
        ladder=ladder,
        users=users,
    )
    driver.attach(arena)
    opened.track(driver.close)  # before the validators: judging stops first
    return arena


def _rank_index(settings: Settings, redis: Redis | None) -> RedisRankIndex | None:
    if redis is None:
        return None
    return RedisRankIndex(redis, _prefixed(settings, "ladder:"))


def _ladder(
    *,
    settings: LadderSettings,
    seasons: SeasonRepository,
    store: LadderStore,
    board: Leaderboard,
    index: RedisRankIndex | None,
    bus: EventBus,
    secrets: Secrets,
    clock: Clock,
    users: UserRepository,
) -> Ladder:
    elo = EloRules(provisional_battles=settings.provisional_battles)
    return Ladder(
        seasons=seasons,
        store=store,
        database_board=board,
        index=index,
        bus=bus,
        secrets=secrets,
        clock=clock,
        rules=LadderRules(elo, reset_share=settings.reset_share),
        tiers=Tiers.parse(settings.tiers),
        season_length_s=settings.season_length_days * 86_400.0,
        users=users,
    )


def _cached_users(users: UserRepository, cache: Cache | None) -> UserRepository:
    return users if cache is None else CachedUserRepository(users, cache)


def _cached_catalog(catalog: QuestionCatalog, cache: Cache | None) -> QuestionCatalog:
    return catalog if cache is None else CachedQuestionCatalog(catalog, cache)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    opened = providers.Singleton(Opened)
    clock = providers.Singleton(SystemClock)
    secrets = providers.Singleton(SystemSecrets)
    database = providers.Singleton(_database, settings.provided.database_url, opened)
    redis = providers.Singleton(_redis, settings, opened)
    languages = providers.Singleton(
        load_language_table, settings.provided.languages_file
    )

    judge0_callbacks = providers.Singleton(_callback_inbox, settings)
    # Custom output validators beside Judge0 run here when this machine can.
    validator_sandbox = providers.Singleton(_validator_sandbox, languages, opened)
    judge0 = providers.Selector(
        providers.Callable(_judge_kind, settings),
        judge0=providers.Singleton(
            _judge0_judge,
            settings,
            languages,
            judge0_callbacks,
            validator_sandbox,
            opened,
        ),
        sandbox=providers.Object(None),
    )
    # The Judge port: built on first use (the sandbox needs root and bubblewrap).
    judge = providers.Selector(
        providers.Callable(_judge_kind, settings),
        judge0=judge0,
        sandbox=providers.Singleton(_sandbox_judge, languages, opened),
    )

    cache = providers.Selector(
        providers.Callable(_cache_kind, settings),
        redis=providers.Singleton(
            RedisCache, redis, providers.Callable(_prefixed, settings, "cache:")
        ),
        process=providers.Singleton(InProcessCache),
        none=providers.Object(None),
    )
    rate_limiter = providers.Selector(
        providers.Callable(_limiter_kind, settings),
        redis=providers.Singleton(
            RedisRateLimiter, redis, providers.Callable(_prefixed, settings, "rate:")
        ),
        memory=providers.Singleton(InMemoryRateLimiter, clock),
    )
    mailer = providers.Selector(
        providers.Callable(_mailer_kind, settings),
        smtp=providers.Singleton(_smtp_mailer, settings),
        folder=providers.Singleton(
            FolderMailer,
            settings.provided.mail_folder,
            settings.provided.development,
            sender=settings.provided.mail_from,
        ),
    )
    hasher = providers.Singleton(_hasher, opened)
    access_tokens = providers.Singleton(
        JwtAccessTokens,
        settings.provided.secret_key,
        settings.provided.access_token_ttl_s,
    )

    users = providers.Singleton(
        _cached_users, providers.Singleton(SqlUserRepository, database), cache
    )
    sessions = providers.Singleton(SqlSessionRepository, database)
    one_time_tokens = providers.Singleton(SqlOneTimeTokenRepository, database)
    question_catalog = providers.Singleton(
        _cached_catalog,
        providers.Singleton(SqlQuestionCatalog, database, clock),
        cache,
    )

    accounts = providers.Singleton(
        Accounts,
        users=users,
        sessions=sessions,
        one_time_tokens=one_time_tokens,
        hasher=hasher,
        access_tokens=access_tokens,
        secrets=secrets,
        mailer=mailer,
        limiter=rate_limiter,
        clock=clock,
        common_passwords=providers.Callable(load_common_passwords),
        settings=providers.Singleton(
            AccountSettings,
            public_url=settings.provided.public_url,
            access_ttl_s=settings.provided.access_token_ttl_s,
        ),
    )
    catalog = providers.Singleton(Catalog, question_catalog, clock)

    # The lobby and the WebSocket
    lobby_prefix = providers.Callable(_prefixed, settings, "lobby:")
    event_bus = providers.Singleton(_event_bus, settings, redis, clock, opened)
    lobby_kind = providers.Callable(_shared_kind, settings)
    rooms = _lobby_store(
        lobby_kind, RedisRoomRepository, InMemoryRoomRepository, redis, lobby_prefix
    )
    chat_log = _lobby_store(
        lobby_kind, RedisChatLog, InMemoryChatLog, redis, lobby_prefix
    )
    match_queue = _lobby_store(
        lobby_kind, RedisMatchQueue, InMemoryMatchQueue, redis, lobby_prefix
    )
    presence = _lobby_store(
        lobby_kind, RedisPresence, InMemoryPresence, redis, lobby_prefix
    )
    # Seasons and ratings: in the database; ranks also in Redis when it is set.
    ladder_store = providers.Singleton(SqlLadderStore, database)
    ladder = providers.Singleton(
        _ladder,
        settings=settings.provided.ladder,
        seasons=providers.Singleton(SqlSeasonRepository, database),
        store=ladder_store,
        board=providers.Singleton(SqlLeaderboard, database),
        index=providers.Singleton(_rank_index, settings, redis),
        bus=event_bus,
        secrets=secrets,
        clock=clock,
        users=users,
    )
    lobby = providers.Singleton(
        Lobby,
        rooms=rooms,
        bus=event_bus,
        chat=chat_log,
        queue=match_queue,
        presence=presence,
        users=users,
        catalog=question_catalog,
        languages=languages,
        ratings=ladder,
        limiter=rate_limiter,
        secrets=secrets,
        clock=clock,
    )
    socket_tickets = providers.Singleton(
        SocketTickets,
        tokens=one_time_tokens,
        sessions=sessions,
        users=users,
        secrets=secrets,
        clock=clock,
        ttl_s=settings.provided.realtime.provided.ticket_ttl_s,
    )
    # Live battles
    battle_judge = providers.Singleton(LazyJudge, judge.provider)
    # In the database, shared by every instance: they outlive a restart.
    submission_store = providers.Singleton(SqlSubmissionRepository, database)
    battle_store = providers.Singleton(SqlBattleRepository, database)
    arena_driver = providers.Singleton(_arena_driver, settings, clock, opened)
    arena = providers.Singleton(
        _arena,
        settings=settings,
        battles=battle_store,
        submissions=submission_store,
        lobby=lobby,
        rooms=rooms,
        catalog=question_catalog,
        judge=battle_judge,
        languages=languages,
        bus=event_bus,
        presence=presence,
        limiter=rate_limiter,
        secrets=secrets,
        clock=clock,
        driver=arena_driver,
        opened=opened,
        ladder=ladder,
        users=users,
    )
    hub = providers.Singleton(
        Hub,
        event_bus,
        lobby,
        clock,
        providers.Callable(_hub_settings, settings.provided.realtime),
        arena,
    )
    realtime = providers.Singleton(
        Realtime,
        hub=hub,
        lobby=lobby,
        arena=arena,
        tickets=socket_tickets,
        languages=languages,
        clock=clock,
        limits=providers.Callable(_connection_limits, settings.provided.realtime),
        origins=providers.Singleton(Origins, settings.provided.socket_origins),
    )

    media_storage = providers.Selector(
        providers.Callable(_media_kind, settings),
        imagekit=providers.Singleton(_imagekit_storage, settings, opened),
        local=providers.Singleton(
            LocalMediaStorage,
            settings.provided.media_folder,
            settings.provided.public_url,
        ),
    )
    # The files the API serves itself: only those of the disk store.
    local_media = providers.Selector(
        providers.Callable(_media_kind, settings),
        imagekit=providers.Object(None),
        local=media_storage,
    )
    image_codec = providers.Singleton(PillowImageCodec)
    media = providers.Singleton(
        Media,
        storage=media_storage,
        codec=image_codec,
        users=users,
        catalog=catalog,
        secrets=secrets,
        clock=clock,
        rules=providers.Singleton(
            MediaRules, max_bytes=settings.provided.media_max_bytes
        ),
    )
    identity_provider = providers.Singleton(_identity_provider, settings, clock, opened)
    identities = providers.Singleton(SqlIdentityRepository, database)
    sign_in_attempts = providers.Singleton(SqlSignInAttemptRepository, database)
    identity_sign_in = providers.Singleton(
        _identity_sign_in,
        provider=identity_provider,
        accounts=accounts,
        identities=identities,
        attempts=sign_in_attempts,
        one_time_tokens=one_time_tokens,
        secrets=secrets,
        limiter=rate_limiter,
        clock=clock,
        settings=settings,
    )


async def close(container: Container) -> None:
    """Release the pools and threads the container built, and only those."""
    await container.opened().close()
    container.reset_singletons()


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Container]:
    """A container for a command run outside the server: the database migrated
    when the settings ask for it, everything released at the end."""
    container = Container(settings=settings)
    try:
        if settings.auto_migrate:
            await upgrade(settings.database_url)
        yield container
    finally:
        await close(container)
