"""What the API reads and writes: msgspec structs, mapped to and from the core.

Lengths are bounded here only to keep requests small; the rules themselves
(what makes a username or a password acceptable) live in the core, which names
the field it refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from bitcode_core.accounts.identities import SignInMethods
from bitcode_core.accounts.model import DeviceSession, LinkedIdentity, User
from bitcode_core.accounts.usecases import SignedIn
from bitcode_core.catalog import model as catalog
from bitcode_core.checking import CheckFlags
from bitcode_core.errors import InvalidInput
from bitcode_core.ladder.model import LadderRating, Tiers
from bitcode_core.media.model import UploadAuth
from bitcode_core.media.usecases import QuestionAsset
from bitcode_core.questions import (
    Difficulty,
    Limits,
    OutputCheck,
    Question,
    StatementFormat,
    TestCase,
)

Email = Annotated[str, Meta(max_length=320)]
Username = Annotated[str, Meta(max_length=64)]
Password = Annotated[str, Meta(max_length=4096)]
Token = Annotated[str, Meta(max_length=512)]
Text = Annotated[str, Meta(max_length=200_000)]
TestText = Annotated[str, Meta(max_length=2_000_000)]
TestBytes = Annotated[bytes, Meta(max_length=2_000_000)]


def timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def sized(avatar_urls: Mapping[int, str]) -> dict[str, str]:
    """Avatar URLs keyed by their size in pixels, as JSON keys are strings."""
    return {str(size): url for size, url in sorted(avatar_urls.items())}


# Problems


class FieldError(msgspec.Struct, kw_only=True):
    field: str
    message: str


class ProblemDetails(msgspec.Struct, kw_only=True):
    """RFC 9457 problem details; ``code`` repeats the last part of ``type``."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldError] = []


# Accounts


class RegisterRequest(msgspec.Struct, kw_only=True):
    email: Email
    username: Username
    password: Password


class Accepted(msgspec.Struct, kw_only=True):
    detail: str


class TokenRequest(msgspec.Struct, kw_only=True):
    token: Token


class EmailRequest(msgspec.Struct, kw_only=True):
    email: Email


class LoginRequest(msgspec.Struct, kw_only=True):
    email: Email
    password: Password


class RefreshRequest(msgspec.Struct, kw_only=True):
    refresh_token: Token


class PasswordResetConfirm(msgspec.Struct, kw_only=True):
    token: Token
    new_password: Password


class ChangePasswordRequest(msgspec.Struct, kw_only=True):
    current_password: Password
    new_password: Password


class DeleteAccountRequest(msgspec.Struct, kw_only=True):
    password: Password


class Me(msgspec.Struct, kw_only=True):
    id: str
    email: str
    username: str
    role: str
    email_verified: bool
    display_name: str
    country: str | None
    bio: str
    avatar_url: str | None
    avatar_urls: dict[str, str]
    created_at: datetime

    @classmethod
    def of(cls, user: User, avatar_urls: Mapping[int, str]) -> Me:
        return cls(
            id=user.id,
            email=user.email,
            username=user.username,
            role=user.role.value,
            email_verified=user.email_verified,
            display_name=user.display_name,
            country=user.country,
            bio=user.bio,
            avatar_url=user.avatar_url,
            avatar_urls=sized(avatar_urls),
            created_at=timestamp(user.created_at),
        )


class SignedInResponse(msgspec.Struct, kw_only=True):
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name
    access_token: str
    expires_at: datetime
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    session_id: str
    user: Me

    @classmethod
    def of(
        cls, signed_in: SignedIn, now: float, avatar_urls: Mapping[int, str]
    ) -> SignedInResponse:
        return cls(
            access_token=signed_in.access_token,
            expires_at=timestamp(signed_in.access_expires_at),
            expires_in=max(0, round(signed_in.access_expires_at - now)),
            refresh_token=signed_in.refresh_token,
            refresh_expires_at=timestamp(signed_in.refresh_expires_at),
            session_id=signed_in.session_id,
            user=Me.of(signed_in.user, avatar_urls),
        )


class Device(msgspec.Struct, kw_only=True):
    id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str
    ip: str
    current: bool

    @classmethod
    def of(cls, session: DeviceSession, current_id: str) -> Device:
        return cls(
            id=session.id,
            created_at=timestamp(session.created_at),
            last_used_at=timestamp(session.last_used_at),
            expires_at=timestamp(session.expires_at),
            user_agent=session.user_agent,
            ip=session.ip,
            current=session.id == current_id,
        )


class VerifiedResponse(msgspec.Struct, kw_only=True):
    detail: str
    username: str


# Google sign-in


class GoogleTokenRequest(msgspec.Struct, kw_only=True):
    """A Google ID token the client obtained itself; ``nonce`` is checked
    against the token's when sent."""

    id_token: Annotated[str, Meta(max_length=8192)]
    nonce: Token | None = None


class SignInCodeRequest(msgspec.Struct, kw_only=True):
    code: Token


class LinkedIdentityResponse(msgspec.Struct, kw_only=True):
    issuer: str
    email: str
    linked_at: datetime

    @classmethod
    def of(cls, identity: LinkedIdentity) -> LinkedIdentityResponse:
        return cls(
            issuer=identity.issuer,
            email=identity.email,
            linked_at=timestamp(identity.linked_at),
        )


class SignInMethodsResponse(msgspec.Struct, kw_only=True):
    """How this account can sign in: its password, its linked identities."""

    password: bool
    identities: list[LinkedIdentityResponse]

    @classmethod
    def of(cls, methods: SignInMethods) -> SignInMethodsResponse:
        return cls(
            password=methods.password,
            identities=[LinkedIdentityResponse.of(i) for i in methods.identities],
        )


# Users


class ProfileUpdate(msgspec.Struct, kw_only=True):
    """Only the fields sent change; ``country: null`` clears the country."""

    display_name: Annotated[str, Meta(max_length=256)] | UnsetType = UNSET
    country: Annotated[str, Meta(max_length=16)] | UnsetType | None = UNSET
    bio: Annotated[str, Meta(max_length=2000)] | UnsetType = UNSET


class PublicProfile(msgspec.Struct, kw_only=True):
    """A player as anyone sees them. ``id`` is what the player's stats, rating
    history, battles and ranks take. ``rating``, ``tier``, ``rated_battles``
    and ``battles_won`` are the current season's overall ones, null until the
    player's first rated battle of the season. ``avatar_urls`` holds the
    avatar at each size, by pixels."""

    id: str
    username: str
    display_name: str
    avatar_url: str | None
    avatar_urls: dict[str, str]
    country: str | None
    bio: str
    rating: float | None = None
    tier: str | None = None
    rated_battles: int | None = None
    battles_won: int | None = None

    @classmethod
    def of(
        cls,
        user: User,
        avatar_urls: Mapping[int, str],
        rating: LadderRating | None,
        tiers: Tiers,
    ) -> PublicProfile:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            avatar_url=user.avatar_url,
            avatar_urls=sized(avatar_urls),
            country=user.country,
            bio=user.bio,
            rating=rating.rating if rating else None,
            tier=tiers.of(rating.rating).name if rating else None,
            rated_battles=rating.rated_battles if rating else None,
            battles_won=rating.wins if rating else None,
        )


# Media


class UploadAuthResponse(msgspec.Struct, kw_only=True):
    """ImageKit's client-side upload parameters for one upload: send them with
    the file to ``upload_url``, into ``folder``, before ``expire``."""

    token: str
    expire: int
    expires_at: datetime
    signature: str
    public_key: str
    folder: str
    upload_url: str

    @classmethod
    def of(cls, auth: UploadAuth) -> UploadAuthResponse:
        return cls(
            token=auth.token,
            expire=auth.expire,
            expires_at=timestamp(auth.expire),
            signature=auth.signature,
            public_key=auth.public_key,
            folder=auth.folder,
            upload_url=auth.upload_url,
        )


class QuestionAssetCreated(msgspec.Struct, kw_only=True):
    """A stored image; ``markdown`` shows it in a statement."""

    question_id: str
    url: str
    media_type: str
    width: int
    height: int
    markdown: str

    @classmethod
    def of(cls, asset: QuestionAsset) -> QuestionAssetCreated:
        return cls(
            question_id=asset.question_id,
            url=asset.url,
            media_type=asset.media_type,
            width=asset.width,
            height=asset.height,
            markdown=f"![]({asset.url})",
        )


# Questions


class LimitsBody(msgspec.Struct, kw_only=True):
    time_s: Annotated[float, Meta(gt=0, le=60)] = 1.0
    memory_mib: Annotated[int, Meta(ge=16, le=8192)] = 256
    output_mib: Annotated[int, Meta(ge=1, le=1024)] = 8

    @classmethod
    def of(cls, limits: Limits) -> LimitsBody:
        return cls(
            time_s=limits.time_s,
            memory_mib=limits.memory_mib,
            output_mib=limits.output_mib,
        )

    def limits(self) -> Limits:
        return Limits(self.time_s, self.memory_mib, self.output_mib)


class CheckBody(msgspec.Struct, kw_only=True):
    """How output is compared; ``custom_validator`` is read-only (set by a
    package upload) and kept when a question is edited."""

    case_sensitive: bool = False
    space_change_sensitive: bool = False
    float_absolute_tolerance: Annotated[float, Meta(ge=0)] | None = None
    float_relative_tolerance: Annotated[float, Meta(ge=0)] | None = None
    custom_validator: bool = False

    @classmethod
    def of(cls, check: OutputCheck) -> CheckBody:
        flags = check.flags
        return cls(
            case_sensitive=flags.case_sensitive,
            space_change_sensitive=flags.space_change_sensitive,
            float_absolute_tolerance=flags.float_absolute_tolerance,
            float_relative_tolerance=flags.float_relative_tolerance,
            custom_validator=check.validator is not None,
        )

    def flags(self) -> CheckFlags:
        return CheckFlags(
            case_sensitive=self.case_sensitive,
            space_change_sensitive=self.space_change_sensitive,
            float_absolute_tolerance=self.float_absolute_tolerance,
            float_relative_tolerance=self.float_relative_tolerance,
        )


class CaseBody(msgspec.Struct, kw_only=True):
    """A test's input and answer as text, or, when they are not UTF-8, as
    base64 in ``input_base64`` and ``answer_base64``: bytes round-trip exactly."""

    name: Annotated[str, Meta(min_length=1, max_length=128)]
    input: TestText | UnsetType = UNSET
    answer: TestText | UnsetType = UNSET
    input_base64: TestBytes | UnsetType = UNSET
    answer_base64: TestBytes | UnsetType = UNSET

    @classmethod
    def of(cls, test: TestCase) -> CaseBody:
        input_text, input_data = _text_or_bytes(test.input)
        answer_text, answer_data = _text_or_bytes(test.answer)
        return cls(
            name=test.name,
            input=input_text,
            answer=answer_text,
            input_base64=input_data,
            answer_base64=answer_data,
        )

    def test(self, *, sample: bool) -> TestCase:
        return TestCase(
            self.name,
            _one_of(self.name, "input", self.input, self.input_base64),
            _one_of(self.name, "answer", self.answer, self.answer_base64),
            sample=sample,
        )


def _text_or_bytes(data: bytes) -> tuple[str | UnsetType, bytes | UnsetType]:
    try:
        return data.decode(), UNSET
    except UnicodeDecodeError:
        return UNSET, data


def _one_of(
    name: str, field: str, text: str | UnsetType, data: bytes | UnsetType
) -> bytes:
    if isinstance(text, str) and data is UNSET:
        return text.encode()
    if isinstance(data, bytes) and text is UNSET:
        return data
    raise InvalidInput(
        f"test {name!r} needs exactly one of {field} and {field}_base64",
        field=field,
    )


class QuestionEdit(msgspec.Struct, kw_only=True):
    title: Annotated[str, Meta(max_length=200)]
    statement: Text
    statement_format: StatementFormat = StatementFormat.MARKDOWN
    difficulty: Difficulty = Difficulty.MEDIUM
    tags: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=32)] = []
    limits: LimitsBody = msgspec.field(default_factory=LimitsBody)
    check: CheckBody = msgspec.field(default_factory=CheckBody)
    samples: Annotated[list[CaseBody], Meta(max_length=100)] = []
    hidden: Annotated[list[CaseBody], Meta(max_length=1000)] = []
    expected_version: Annotated[int, Meta(ge=1)] | None = None

    def question(
        self, question_id: str, current: OutputCheck | None = None
    ) -> Question:
        validator = current.validator if current is not None else None
        return Question(
            id=question_id,
            title=self.title.strip(),
            statement=self.statement,
            statement_format=self.statement_format,
            difficulty=self.difficulty,
            tags=tuple(t.strip().lower() for t in self.tags if t.strip()),
            limits=self.limits.limits(),
            samples=tuple(t.test(sample=True) for t in self.samples),
            hidden=tuple(t.test(sample=False) for t in self.hidden),
            check=OutputCheck(self.check.flags(), validator),
        )


class QuestionCreate(QuestionEdit, kw_only=True):
    id: Annotated[str, Meta(max_length=64)]


class QuestionSummary(msgspec.Struct, kw_only=True):
    id: str
    title: str
    difficulty: Difficulty
    tags: list[str]
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, summary: catalog.QuestionSummary) -> QuestionSummary:
        return cls(
            id=summary.id,
            title=summary.title,
            difficulty=summary.difficulty,
            tags=list(summary.tags),
            version=summary.version,
            updated_at=timestamp(summary.updated_at),
        )


class QuestionPage(msgspec.Struct, kw_only=True):
    items: list[QuestionSummary]
    next_cursor: str | None

    @classmethod
    def of(cls, page: catalog.Page) -> QuestionPage:
        return cls(
            items=[QuestionSummary.of(s) for s in page.entries],
            next_cursor=page.next_cursor,
        )


class QuestionDetail(msgspec.Struct, kw_only=True):
    """A question; ``hidden`` is null unless the viewer is its setter or an
    admin, while ``hidden_count`` is shown to everyone."""

    id: str
    title: str
    statement: str
    statement_format: StatementFormat
    difficulty: Difficulty
    tags: list[str]
    limits: LimitsBody
    check: CheckBody
    samples: list[CaseBody]
    hidden_count: int
    hidden: list[CaseBody] | None
    version: int
    setter_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, entry: catalog.CatalogEntry, *, shows_hidden: bool) -> QuestionDetail:
        question = entry.question
        return cls(
            id=question.id,
            title=question.title,
            statement=question.statement,
            statement_format=question.statement_format,
            difficulty=question.difficulty,
            tags=list(question.tags),
            limits=LimitsBody.of(question.limits),
            check=CheckBody.of(question.check),
            samples=[CaseBody.of(t) for t in question.samples],
            hidden_count=len(question.hidden),
            hidden=[CaseBody.of(t) for t in question.hidden] if shows_hidden else None,
            version=entry.version,
            setter_id=entry.setter_id,
            created_at=timestamp(entry.created_at),
            updated_at=timestamp(entry.updated_at),
        )


# Health


class HealthCheck(msgspec.Struct, kw_only=True):
    name: str
    ok: bool


class Health(msgspec.Struct, kw_only=True):
    status: Literal["ok", "unavailable"]
    checks: list[HealthCheck] = []
