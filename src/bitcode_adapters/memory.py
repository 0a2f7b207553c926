"""In-memory adapters: real implementations for one process, used by the local
battle command, by embedded single-user runs, and as the reference in contract tests.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bitcode_core.accounts.model import (
    DeviceSession,
    LinkedIdentity,
    Role,
    SignInAttempt,
    TokenPurpose,
    User,
)
from bitcode_core.accounts.ports import RateDecision, Rotation, RotationResult
from bitcode_core.catalog.model import CatalogEntry, Page, QuestionFilter
from bitcode_core.errors import Conflict, InvalidInput, NotFound, QuestionNotFound
from bitcode_core.ports import Clock, PlayerRating
from bitcode_core.questions import Question


class InMemoryQuestionRepository:
    def __init__(self, questions: Iterable[Question] = ()) -> None:
        self._questions: dict[str, Question] = {}
        self._lock = threading.Lock()
        for question in questions:
            self.add(question)

    def get(self, question_id: str) -> Question:
        with self._lock:
            try:
                return self._questions[question_id]
            except KeyError:
                raise QuestionNotFound(f"no question {question_id!r}") from None

    def list(self) -> Sequence[Question]:
        with self._lock:
            return sorted(self._questions.values(), key=lambda q: q.id)

    def add(self, question: Question) -> None:
        with self._lock:
            self._questions[question.id] = question


class InMemoryRatingStore:
    def __init__(self) -> None:
        self._ratings: dict[str, PlayerRating] = {}
        self._lock = threading.Lock()

    def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        with self._lock:
            return {p: self._ratings[p] for p in players if p in self._ratings}

    def save_many(self, ratings: Iterable[PlayerRating]) -> None:
        with self._lock:
            for rating in ratings:
                self._ratings[rating.player] = rating


# Accounts


class InMemoryUserRepository:
    """Users with unique emails and usernames, compared case-insensitively."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        self._ids_by_email: dict[str, str] = {}
        self._ids_by_username: dict[str, str] = {}
        self._lock = threading.Lock()

    async def add(self, user: User) -> None:
        with self._lock:
            if user.id in self._users:
                raise Conflict(f"a user with id {user.id!r} exists")
            self._refuse_taken(user)
            self._store(user)

    async def get(self, user_id: str) -> User | None:
        with self._lock:
            return self._users.get(user_id)

    async def by_email(self, email: str) -> User | None:
        with self._lock:
            return self._users.get(self._ids_by_email.get(email.lower(), ""))

    async def by_username(self, username: str) -> User | None:
        with self._lock:
            return self._users.get(self._ids_by_username.get(username.lower(), ""))

    async def update(self, user: User) -> None:
        with self._lock:
            if user.id not in self._users:
                raise NotFound(f"no user with id {user.id!r}")
            self._refuse_taken(user)
            self._forget(user.id)
            self._store(user)

    async def delete(self, user_id: str) -> None:
        with self._lock:
            self._forget(user_id)

    async def count_admins(self) -> int:
        with self._lock:
            return sum(
                u.role is Role.ADMIN and not u.disabled for u in self._users.values()
            )

    def _refuse_taken(self, user: User) -> None:
        owner = self._ids_by_email.get(user.email.lower(), user.id)
        if owner != user.id:
            raise Conflict("that email address is taken")
        owner = self._ids_by_username.get(user.username.lower(), user.id)
        if owner != user.id:
            raise Conflict("that username is taken")

    def _store(self, user: User) -> None:
        self._users[user.id] = user
        self._ids_by_email[user.email.lower()] = user.id
        self._ids_by_username[user.username.lower()] = user.id

    def _forget(self, user_id: str) -> None:
        user = self._users.pop(user_id, None)
        if user is not None:
            del self._ids_by_email[user.email.lower()]
            del self._ids_by_username[user.username.lower()]


@dataclass(slots=True)
class _TokenFamily:
    """A device session and its refresh tokens: one current, the rest spent."""

    session: DeviceSession
    current: str
    spent: set[str] = field(default_factory=set)


class InMemorySessionRepository:
    def __init__(self) -> None:
        self._families: dict[str, _TokenFamily] = {}
        self._session_ids_by_token: dict[str, str] = {}
        self._lock = threading.Lock()

    async def start(self, session: DeviceSession, token_hash: str) -> None:
        with self._lock:
            if session.id in self._families:
                raise Conflict(f"a session with id {session.id!r} exists")
            self._families[session.id] = _TokenFamily(session, token_hash)
            self._session_ids_by_token[token_hash] = session.id

    async def rotate(self, token_hash: str, new_hash: str, now: float) -> Rotation:
        with self._lock:
            session_id = self._session_ids_by_token.get(token_hash, "")
            family = self._families.get(session_id)
            if family is None or not family.session.active(now):
                return Rotation(RotationResult.UNKNOWN)
            if token_hash != family.current:
                self._revoke(family)
                return Rotation(RotationResult.REUSED, family.session)
            family.spent.add(token_hash)
            family.current = new_hash
            self._session_ids_by_token[new_hash] = session_id
            family.session = replace(family.session, last_used_at=now)
            return Rotation(RotationResult.ROTATED, family.session)

    async def get(self, session_id: str) -> DeviceSession | None:
        with self._lock:
            family = self._families.get(session_id)
            return family.session if family else None

    async def active_for(self, user_id: str, now: float) -> Sequence[DeviceSession]:
        with self._lock:
            sessions = [
                f.session
                for f in self._families.values()
                if f.session.user_id == user_id and f.session.active(now)
            ]
        return sorted(sessions, key=lambda s: s.last_used_at, reverse=True)

    async def revoke(self, session_id: str) -> None:
        with self._lock:
            if family := self._families.get(session_id):
                self._revoke(family)

    async def revoke_all(self, user_id: str, keep: str | None = None) -> None:
        with self._lock:
            for family in self._families.values():
                session = family.session
                if session.user_id == user_id and session.id != keep:
                    self._revoke(family)

    def _revoke(self, family: _TokenFamily) -> None:
        # The tokens go with the session: presenting one later answers UNKNOWN.
        family.session = replace(family.session, revoked=True)
        for token_hash in (*family.spent, family.current):
            self._session_ids_by_token.pop(token_hash, None)
        family.spent.clear()


@dataclass(frozen=True, slots=True)
class _OneTimeToken:
    purpose: TokenPurpose
    user_id: str
    expires_at: float


class InMemoryOneTimeTokenRepository:
    def __init__(self) -> None:
        self._tokens: dict[str, _OneTimeToken] = {}
        self._lock = threading.Lock()

    async def put(
        self, token_hash: str, purpose: TokenPurpose, user_id: str, expires_at: float
    ) -> None:
        with self._lock:
            self._tokens[token_hash] = _OneTimeToken(purpose, user_id, expires_at)

    async def consume(
        self, token_hash: str, purpose: TokenPurpose, now: float
    ) -> str | None:
        with self._lock:
            token = self._tokens.get(token_hash)
            if token is None or token.purpose is not purpose:
                return None
            del self._tokens[token_hash]
            self._drop_expired(now)
        return token.user_id if now < token.expires_at else None

    async def discard_for(self, user_id: str, purpose: TokenPurpose) -> None:
        with self._lock:
            self._tokens = {
                h: t
                for h, t in self._tokens.items()
                if not (t.user_id == user_id and t.purpose is purpose)
            }

    def _drop_expired(self, now: float) -> None:
        self._tokens = {h: t for h, t in self._tokens.items() if now < t.expires_at}


class InMemoryIdentityRepository:
    """Linked identities. Unlike SQL's cascade, a deleted user's links stay
    behind; the use cases treat a link to a missing user as stale."""

    def __init__(self) -> None:
        self._identities: dict[tuple[str, str], LinkedIdentity] = {}
        self._lock = threading.Lock()

    async def add(self, identity: LinkedIdentity) -> None:
        key = (identity.issuer, identity.subject)
        with self._lock:
            if key in self._identities or any(
                i.user_id == identity.user_id and i.issuer == identity.issuer
                for i in self._identities.values()
            ):
                raise Conflict("that identity or that user's link is stored")
            self._identities[key] = identity

    async def get(self, issuer: str, subject: str) -> LinkedIdentity | None:
        with self._lock:
            return self._identities.get((issuer, subject))

    async def for_user(self, user_id: str) -> Sequence[LinkedIdentity]:
        with self._lock:
            mine = [i for i in self._identities.values() if i.user_id == user_id]
        return sorted(mine, key=lambda i: i.issuer)

    async def remove(self, user_id: str, issuer: str) -> bool:
        with self._lock:
            for key, identity in self._identities.items():
                if identity.user_id == user_id and identity.issuer == issuer:
                    del self._identities[key]
                    return True
        return False


class InMemorySignInAttemptRepository:
    def __init__(self) -> None:
        self._attempts: dict[str, SignInAttempt] = {}
        self._lock = threading.Lock()

    async def put(self, attempt: SignInAttempt, now: float) -> None:
        with self._lock:
            if attempt.state_hash in self._attempts:
                raise Conflict("that sign-in attempt is stored already")
            self._drop_expired(now)
            self._attempts[attempt.state_hash] = attempt

    async def consume(self, state_hash: str, now: float) -> SignInAttempt | None:
        with self._lock:
            attempt = self._attempts.pop(state_hash, None)
        return attempt if attempt and now < attempt.expires_at else None

    def _drop_expired(self, now: float) -> None:
        self._attempts = {h: a for h, a in self._attempts.items() if now < a.expires_at}


class InMemoryRateLimiter:
    """Fixed windows: a key's first hit opens a window of ``window_s`` seconds,
    and every hit in it counts, refused ones too."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._sweep_above = 1024
        self._lock = threading.Lock()

    async def hit(self, key: str, limit: int, window_s: float) -> RateDecision:
        now = self._clock.monotonic()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.ends_at <= now:
                self._sweep(now)
                window = self._windows[key] = _Window(now + window_s)
            window.hits += 1
            if window.hits <= limit:
                return RateDecision(allowed=True)
            return RateDecision(allowed=False, retry_after_s=window.ends_at - now)

    async def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def _sweep(self, now: float) -> None:
        # Closed windows are dropped now and then, so idle keys do not pile up.
        if len(self._windows) < self._sweep_above:
            return
        self._windows = {k: w for k, w in self._windows.items() if w.ends_at > now}
        self._sweep_above = max(1024, 2 * len(self._windows))


@dataclass(slots=True)
class _Window:
    ends_at: float
    hits: int = 0


# The question catalog


class InMemoryQuestionCatalog:
    """Every version of every question, kept forever; deleting only hides."""

    def __init__(self) -> None:
        self._versions: dict[str, list[CatalogEntry]] = {}
        self._deleted: set[str] = set()
        self._lock = threading.Lock()

    async def add(self, entry: CatalogEntry) -> None:
        with self._lock:
            if entry.id in self._versions:
                raise Conflict(f"a question with id {entry.id!r} exists")
            if entry.version != 1:
                raise Conflict(f"a new question starts at version 1: {entry.id!r}")
            self._versions[entry.id] = [entry]

    async def get(
        self, question_id: str, version: int | None = None
    ) -> CatalogEntry | None:
        with self._lock:
            versions = self._versions.get(question_id, [])
            if version is None:
                live = versions and question_id not in self._deleted
                return versions[-1] if live else None
            return versions[version - 1] if 1 <= version <= len(versions) else None

    async def update(self, entry: CatalogEntry) -> None:
        with self._lock:
            versions = self._versions.get(entry.id)
            if versions is None or entry.id in self._deleted:
                raise QuestionNotFound(f"no question {entry.id!r}")
            if entry.version != len(versions) + 1:
                raise Conflict(
                    f"the question is at version {len(versions)}; "
                    f"version {entry.version} cannot follow it"
                )
            versions.append(entry)

    async def delete(self, question_id: str) -> bool:
        with self._lock:
            if question_id not in self._versions or question_id in self._deleted:
                return False
            self._deleted.add(question_id)
            return True

    async def list(self, where: QuestionFilter, cursor: str | None, limit: int) -> Page:
        if limit < 1:
            raise InvalidInput("limit must be at least 1", field="limit")
        after = _id_after(cursor)
        with self._lock:
            ids = sorted(i for i in self._versions if i not in self._deleted)
            latest = [self._versions[i][-1] for i in ids if i > after]
        matching = [e for e in latest if _matches(e.question, where)]
        page = tuple(e.summary() for e in matching[:limit])
        more = len(matching) > limit
        return Page(page, _cursor_for(page[-1].id) if more else None)


def _matches(question: Question, where: QuestionFilter) -> bool:
    if where.difficulty is not None and question.difficulty is not where.difficulty:
        return False
    if where.tag is not None and where.tag.casefold() not in {
        t.casefold() for t in question.tags
    }:
        return False
    text = (where.text or "").casefold()
    return text in question.title.casefold() or text in question.statement.casefold()


def _cursor_for(question_id: str) -> str:
    return base64.urlsafe_b64encode(question_id.encode()).decode().rstrip("=")


def _id_after(cursor: str | None) -> str:
    """The last id of the previous page ('' before the first page)."""
    if cursor is None:
        return ""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        question_id = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (UnicodeError, binascii.Error, ValueError):
        question_id = ""
    if not question_id or _cursor_for(question_id) != cursor:
        raise InvalidInput("this cursor is not one the catalog gave", field="cursor")
    return question_id
