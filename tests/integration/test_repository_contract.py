"""The storage ports' contracts, run on every backend: memory, SQLite, PostgreSQL.

The in-memory adapters are the reference: a SQL adapter that answers differently
from them fails here.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace

import pytest

from bitcode_core.accounts.model import (
    DeviceSession,
    LinkedIdentity,
    Role,
    SignInAttempt,
    TokenPurpose,
    User,
)
from bitcode_core.accounts.ports import RotationResult
from bitcode_core.catalog.model import CatalogEntry, QuestionFilter
from bitcode_core.checking import CheckFlags
from bitcode_core.errors import Conflict, InvalidInput, NotFound, QuestionNotFound
from bitcode_core.ports import PlayerRating
from bitcode_core.questions import (
    Difficulty,
    Limits,
    OutputCheck,
    Question,
    StatementFormat,
    ValidatorProgram,
)
from bitcode_core.questions import (
    TestCase as Case,
)
from tests.integration.conftest import Storage

pytestmark = pytest.mark.anyio

NOW = 1_700_000_000.0
DAY = 24 * 3600.0
FAKE_HASH = "$argon2id$not-a-real-hash"


def a_user(name: str = "ada", **changes: object) -> User:
    user = User(
        id=f"user-{name}",
        email=f"{name}@example.com",
        username=name,
        password_hash=FAKE_HASH,
        created_at=NOW,
        display_name=name.title(),
    )
    return user.with_changes(**changes)


def a_session(
    name: str = "laptop", user_id: str = "user-ada", **changes: object
) -> DeviceSession:
    session = DeviceSession(
        id=f"session-{name}",
        user_id=user_id,
        created_at=NOW,
        last_used_at=NOW,
        expires_at=NOW + 30 * DAY,
        user_agent="Firefox",
        ip="127.0.0.1",
    )
    return replace(session, **changes)


def a_question(question_id: str = "two-sum", **changes: object) -> Question:
    question = Question(
        id=question_id,
        title=f"Title of {question_id}",
        statement="Add the two numbers.",
        samples=(Case("sample/1", b"1 2\n", b"3\n", sample=True),),
        hidden=(Case("secret/1", b"\xff\x00 raw", b"\x80\n"),),
    )
    return replace(question, **changes)


def an_entry(question: Question, version: int = 1, **changes: object) -> CatalogEntry:
    entry = CatalogEntry(
        question=question,
        version=version,
        setter_id="user-ada",
        created_at=NOW,
        updated_at=NOW + version,
    )
    return replace(entry, **changes)


# Users


class TestStoringUsers:
    async def test_a_stored_user_reads_back_by_id_email_and_username(
        self, storage: Storage
    ) -> None:
        user = a_user(
            country="FR", bio="hi", avatar_url="https://x/a.png", avatar_file_id="f1"
        )

        await storage.users.add(user)

        assert await storage.users.get(user.id) == user
        assert await storage.users.by_email(user.email) == user
        assert await storage.users.by_username(user.username) == user

    async def test_lookups_ignore_case(self, storage: Storage) -> None:
        await storage.users.add(a_user())

        by_email = await storage.users.by_email("ADA@Example.COM")
        by_username = await storage.users.by_username("AdA")

        assert by_email == by_username == a_user()

    async def test_an_unknown_user_reads_as_none(self, storage: Storage) -> None:
        assert await storage.users.get("nobody") is None
        assert await storage.users.by_email("nobody@example.com") is None
        assert await storage.users.by_username("nobody") is None

    @pytest.mark.parametrize(
        "taken",
        [
            pytest.param({"email": "ada@example.com"}, id="same-email"),
            pytest.param({"email": "ADA@example.com"}, id="email-in-other-case"),
            pytest.param({"username": "ada"}, id="same-username"),
            pytest.param({"username": "ADA"}, id="username-in-other-case"),
            pytest.param({"id": "user-ada"}, id="same-id"),
        ],
    )
    async def test_a_taken_name_conflicts(
        self, storage: Storage, taken: dict[str, str]
    ) -> None:
        await storage.users.add(a_user())

        with pytest.raises(Conflict):
            await storage.users.add(a_user("grace", **taken))

        assert await storage.users.get("user-grace") is None


class TestUpdatingUsers:
    async def test_an_update_replaces_every_field(self, storage: Storage) -> None:
        await storage.users.add(a_user())
        changed = a_user(
            username="lovelace",
            password_hash=None,
            role=Role.SETTER,
            email_verified=True,
            disabled=True,
            display_name="Ada L.",
            country="GB",
            bio="Notes on the engine",
            avatar_url="https://img/ada.png",
            avatar_file_id="ik-file-1",
        )

        await storage.users.update(changed)

        assert await storage.users.get(changed.id) == changed
        assert await storage.users.by_username("lovelace") == changed
        assert await storage.users.by_username("ada") is None

    async def test_renaming_to_a_taken_username_conflicts(
        self, storage: Storage
    ) -> None:
        await storage.users.add(a_user())
        await storage.users.add(a_user("grace"))

        with pytest.raises(Conflict):
            await storage.users.update(a_user("grace", username="ada"))

        assert await storage.users.by_username("grace") == a_user("grace")

    async def test_updating_an_unknown_user_is_not_found(
        self, storage: Storage
    ) -> None:
        with pytest.raises(NotFound):
            await storage.users.update(a_user())


class TestDeletingUsers:
    async def test_a_deleted_user_frees_its_email_and_username(
        self, storage: Storage
    ) -> None:
        await storage.users.add(a_user())

        await storage.users.delete("user-ada")
        await storage.users.add(a_user(id="user-ada-2"))

        assert await storage.users.get("user-ada") is None
        assert await storage.users.by_username("ada") == a_user(id="user-ada-2")

    async def test_deleting_an_unknown_user_does_nothing(
        self, storage: Storage
    ) -> None:
        await storage.users.delete("nobody")

        assert await storage.users.get("nobody") is None


class TestCountingAdmins:
    async def test_only_admins_count(self, storage: Storage) -> None:
        await storage.users.add(a_user("ada", role=Role.ADMIN))
        await storage.users.add(a_user("grace", role=Role.ADMIN))
        await storage.users.add(a_user("alan", role=Role.SETTER))
        await storage.users.add(a_user("edsger"))

        await storage.users.update(a_user("grace", role=Role.PLAYER))

        assert await storage.users.count_admins() == 1

    async def test_disabled_admins_do_not_count(self, storage: Storage) -> None:
        await storage.users.add(a_user("ada", role=Role.ADMIN))
        await storage.users.add(a_user("grace", role=Role.ADMIN, disabled=True))
        await storage.users.add(a_user("alan", role=Role.ADMIN))

        await storage.users.update(a_user("alan", role=Role.ADMIN, disabled=True))

        assert await storage.users.count_admins() == 1


# Device sessions and refresh tokens


@pytest.fixture
async def ada(storage: Storage) -> User:
    user = a_user()
    await storage.users.add(user)
    await storage.users.add(a_user("grace"))
    return user


class TestStartingSessions:
    async def test_a_started_session_reads_back(
        self, storage: Storage, ada: User
    ) -> None:
        session = a_session()

        await storage.sessions.start(session, "hash-1")

        assert await storage.sessions.get(session.id) == session
        assert await storage.sessions.get("session-none") is None

    async def test_active_sessions_are_listed_most_recently_used_first(
        self, storage: Storage, ada: User
    ) -> None:
        sessions = [
            a_session("old", last_used_at=NOW - 50),
            a_session("new", last_used_at=NOW - 10),
            a_session("revoked"),
            a_session("expired", expires_at=NOW),
            a_session("graces", user_id="user-grace"),
        ]
        for number, session in enumerate(sessions):
            await storage.sessions.start(session, f"hash-{number}")
        await storage.sessions.revoke("session-revoked")

        active = await storage.sessions.active_for("user-ada", NOW)

        assert [s.id for s in active] == ["session-new", "session-old"]


class TestRotatingRefreshTokens:
    async def test_rotation_spends_the_token_and_issues_the_next(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session(), "hash-1")

        first = await storage.sessions.rotate("hash-1", "hash-2", NOW + 60)
        second = await storage.sessions.rotate("hash-2", "hash-3", NOW + 120)

        assert first.result is RotationResult.ROTATED
        assert first.session == a_session(last_used_at=NOW + 60)
        assert second.result is RotationResult.ROTATED
        assert second.session == a_session(last_used_at=NOW + 120)

    async def test_an_unknown_token_is_unknown(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session(), "hash-1")

        rotation = await storage.sessions.rotate("hash-x", "hash-2", NOW)

        assert rotation.result is RotationResult.UNKNOWN
        assert rotation.session is None

    async def test_a_token_of_an_expired_session_is_unknown(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session(expires_at=NOW + 10), "hash-1")

        rotation = await storage.sessions.rotate("hash-1", "hash-2", NOW + 10)

        assert rotation.result is RotationResult.UNKNOWN

    async def test_a_token_of_a_revoked_session_is_unknown(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session(), "hash-1")
        await storage.sessions.revoke("session-laptop")

        rotation = await storage.sessions.rotate("hash-1", "hash-2", NOW)

        assert rotation.result is RotationResult.UNKNOWN

    async def test_reusing_a_spent_token_revokes_the_whole_family(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session(), "hash-1")
        await storage.sessions.rotate("hash-1", "hash-2", NOW + 1)

        replay = await storage.sessions.rotate("hash-1", "hash-evil", NOW + 2)
        successor = await storage.sessions.rotate("hash-2", "hash-3", NOW + 3)

        assert replay.result is RotationResult.REUSED
        assert replay.session is not None
        assert replay.session.id == "session-laptop"
        assert replay.session.revoked
        assert successor.result is RotationResult.UNKNOWN
        stored = await storage.sessions.get("session-laptop")
        assert stored is not None
        assert stored.revoked

    async def test_of_concurrent_rotations_of_one_token_exactly_one_wins(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session(), "hash-1")

        rotations = await asyncio.gather(
            *(
                storage.sessions.rotate("hash-1", f"hash-2-{n}", NOW + 1)
                for n in range(10)
            )
        )

        results = [r.result for r in rotations]
        assert results.count(RotationResult.ROTATED) == 1
        assert RotationResult.REUSED in results

    async def test_rotating_one_session_leaves_the_others_alone(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session("laptop"), "hash-l1")
        await storage.sessions.start(a_session("phone"), "hash-p1")
        await storage.sessions.rotate("hash-l1", "hash-l2", NOW + 1)

        await storage.sessions.rotate("hash-l1", "hash-l3", NOW + 2)
        phone = await storage.sessions.rotate("hash-p1", "hash-p2", NOW + 3)

        assert phone.result is RotationResult.ROTATED


class TestRevokingSessions:
    async def test_revoking_everywhere_can_keep_the_current_session(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session("laptop"), "hash-1")
        await storage.sessions.start(a_session("phone"), "hash-2")
        await storage.sessions.start(a_session("graces", user_id="user-grace"), "h3")

        await storage.sessions.revoke_all("user-ada", keep="session-phone")

        ada_active = await storage.sessions.active_for("user-ada", NOW)
        grace_active = await storage.sessions.active_for("user-grace", NOW)
        assert [s.id for s in ada_active] == ["session-phone"]
        assert [s.id for s in grace_active] == ["session-graces"]

    async def test_revoking_everywhere_revokes_every_session(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.sessions.start(a_session("laptop"), "hash-1")
        await storage.sessions.start(a_session("phone"), "hash-2")

        await storage.sessions.revoke_all("user-ada")

        assert await storage.sessions.active_for("user-ada", NOW) == []
        rotation = await storage.sessions.rotate("hash-2", "hash-3", NOW)
        assert rotation.result is RotationResult.UNKNOWN


# One-time tokens


class TestOneTimeTokens:
    async def test_a_token_is_consumed_once(self, storage: Storage, ada: User) -> None:
        tokens = storage.one_time_tokens
        await tokens.put("t-1", TokenPurpose.VERIFY_EMAIL, ada.id, NOW + 60)

        first = await tokens.consume("t-1", TokenPurpose.VERIFY_EMAIL, NOW)
        second = await tokens.consume("t-1", TokenPurpose.VERIFY_EMAIL, NOW)

        assert (first, second) == (ada.id, None)

    async def test_a_token_serves_only_its_purpose(
        self, storage: Storage, ada: User
    ) -> None:
        tokens = storage.one_time_tokens
        await tokens.put("t-1", TokenPurpose.VERIFY_EMAIL, ada.id, NOW + 60)

        wrong = await tokens.consume("t-1", TokenPurpose.RESET_PASSWORD, NOW)
        right = await tokens.consume("t-1", TokenPurpose.VERIFY_EMAIL, NOW)

        assert (wrong, right) == (None, ada.id)

    @pytest.mark.parametrize(
        "now",
        [
            pytest.param(NOW + 60, id="at-expiry"),
            pytest.param(NOW + 61, id="after-expiry"),
        ],
    )
    async def test_an_expired_token_is_refused(
        self, storage: Storage, ada: User, now: float
    ) -> None:
        tokens = storage.one_time_tokens
        await tokens.put("t-1", TokenPurpose.VERIFY_EMAIL, ada.id, NOW + 60)

        assert await tokens.consume("t-1", TokenPurpose.VERIFY_EMAIL, now) is None

    async def test_an_unknown_token_is_refused(
        self, storage: Storage, ada: User
    ) -> None:
        consumed = await storage.one_time_tokens.consume(
            "t-x", TokenPurpose.VERIFY_EMAIL, NOW
        )

        assert consumed is None

    async def test_discarding_drops_one_purpose_of_one_user(
        self, storage: Storage, ada: User
    ) -> None:
        tokens = storage.one_time_tokens
        reset, verify = TokenPurpose.RESET_PASSWORD, TokenPurpose.VERIFY_EMAIL
        await tokens.put("t-1", reset, ada.id, NOW + 60)
        await tokens.put("t-2", reset, ada.id, NOW + 60)
        await tokens.put("t-3", verify, ada.id, NOW + 60)
        await tokens.put("t-4", reset, "user-grace", NOW + 60)

        await tokens.discard_for(ada.id, reset)

        assert await tokens.consume("t-1", reset, NOW) is None
        assert await tokens.consume("t-2", reset, NOW) is None
        assert await tokens.consume("t-3", verify, NOW) == ada.id
        assert await tokens.consume("t-4", reset, NOW) == "user-grace"

    async def test_of_concurrent_consumers_exactly_one_wins(
        self, storage: Storage, ada: User
    ) -> None:
        tokens = storage.one_time_tokens
        await tokens.put("t-1", TokenPurpose.RESET_PASSWORD, ada.id, NOW + 60)

        consumed = await asyncio.gather(
            *(
                tokens.consume("t-1", TokenPurpose.RESET_PASSWORD, NOW)
                for _ in range(10)
            )
        )

        assert sorted(consumed, key=str) == [None] * 9 + [ada.id]


# Linked identities and browser sign-in attempts

GOOGLE = "https://accounts.google.com"


def an_identity(
    subject: str = "g-1", user_id: str = "user-ada", **changes: object
) -> LinkedIdentity:
    identity = LinkedIdentity(
        issuer=GOOGLE,
        subject=subject,
        user_id=user_id,
        email="ada@gmail.com",
        linked_at=NOW,
    )
    return replace(identity, **changes)


def an_attempt(state_hash: str = "state-1", **changes: object) -> SignInAttempt:
    attempt = SignInAttempt(
        state_hash=state_hash,
        browser_hash="browser-1",
        nonce="nonce-1",
        code_verifier="verifier-" + "v" * 40,
        return_to="https://app.example/signed-in",
        expires_at=NOW + 600,
    )
    return replace(attempt, **changes)


class TestLinkingIdentities:
    async def test_a_linked_identity_reads_back_by_issuer_and_subject(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.identities.add(an_identity())

        assert await storage.identities.get(GOOGLE, "g-1") == an_identity()
        assert await storage.identities.for_user(ada.id) == [an_identity()]
        assert await storage.identities.get(GOOGLE, "g-2") is None
        assert await storage.identities.get("https://other.example", "g-1") is None

    @pytest.mark.parametrize(
        "taken",
        [
            pytest.param({"user_id": "user-grace"}, id="identity-linked-elsewhere"),
            pytest.param({"subject": "g-2"}, id="user-has-one-from-that-issuer"),
        ],
    )
    async def test_a_second_link_conflicts(
        self, storage: Storage, ada: User, taken: dict[str, str]
    ) -> None:
        await storage.identities.add(an_identity())

        with pytest.raises(Conflict):
            await storage.identities.add(an_identity(**taken))

        assert await storage.identities.get(GOOGLE, "g-1") == an_identity()
        assert await storage.identities.for_user("user-grace") == []

    async def test_a_user_may_link_one_identity_per_issuer(
        self, storage: Storage, ada: User
    ) -> None:
        other = an_identity("o-1", issuer="https://id.example")

        await storage.identities.add(an_identity())
        await storage.identities.add(other)

        assert await storage.identities.for_user(ada.id) == [an_identity(), other]

    async def test_removing_unlinks_one_issuer_of_one_user(
        self, storage: Storage, ada: User
    ) -> None:
        await storage.identities.add(an_identity())
        await storage.identities.add(an_identity("g-2", user_id="user-grace"))

        removed = await storage.identities.remove(ada.id, GOOGLE)
        again = await storage.identities.remove(ada.id, GOOGLE)

        assert (removed, again) == (True, False)
        assert await storage.identities.get(GOOGLE, "g-1") is None
        assert await storage.identities.for_user("user-grace") != []


class TestSignInAttempts:
    async def test_an_attempt_is_consumed_once(self, storage: Storage) -> None:
        await storage.sign_in_attempts.put(an_attempt(), NOW)

        first = await storage.sign_in_attempts.consume("state-1", NOW)
        second = await storage.sign_in_attempts.consume("state-1", NOW)

        assert (first, second) == (an_attempt(), None)

    @pytest.mark.parametrize(
        "now",
        [
            pytest.param(NOW + 600, id="at-expiry"),
            pytest.param(NOW + 601, id="after-expiry"),
        ],
    )
    async def test_an_expired_attempt_is_refused(
        self, storage: Storage, now: float
    ) -> None:
        await storage.sign_in_attempts.put(an_attempt(), NOW)

        assert await storage.sign_in_attempts.consume("state-1", now) is None

    async def test_an_unknown_state_is_refused_and_others_stay(
        self, storage: Storage
    ) -> None:
        await storage.sign_in_attempts.put(an_attempt(), NOW)

        unknown = await storage.sign_in_attempts.consume("state-x", NOW)

        assert unknown is None
        assert await storage.sign_in_attempts.consume("state-1", NOW) is not None

    async def test_a_stored_state_cannot_be_stored_again(
        self, storage: Storage
    ) -> None:
        await storage.sign_in_attempts.put(an_attempt(), NOW)

        with pytest.raises(Conflict):
            await storage.sign_in_attempts.put(an_attempt(nonce="another"), NOW)

        assert await storage.sign_in_attempts.consume("state-1", NOW) == an_attempt()

    async def test_storing_an_attempt_drops_the_expired_ones(
        self, storage: Storage
    ) -> None:
        await storage.sign_in_attempts.put(an_attempt(), NOW)
        later = an_attempt("state-2", expires_at=NOW + 1200)

        await storage.sign_in_attempts.put(later, NOW + 600)

        assert await storage.sign_in_attempts.consume("state-1", NOW) is None
        assert await storage.sign_in_attempts.consume("state-2", NOW) is not None

    async def test_of_concurrent_callbacks_exactly_one_wins(
        self, storage: Storage
    ) -> None:
        await storage.sign_in_attempts.put(an_attempt(), NOW)

        consumed = await asyncio.gather(
            *(storage.sign_in_attempts.consume("state-1", NOW) for _ in range(10))
        )

        assert [c for c in consumed if c is not None] == [an_attempt()]


# The question catalog


class TestAddingQuestions:
    async def test_every_part_of_a_question_reads_back(self, storage: Storage) -> None:
        question = a_question(
            statement_format=StatementFormat.LATEX,
            difficulty=Difficulty.HARD,
            tags=("graphs", "Greedy"),
            limits=Limits(time_s=2.5, memory_mib=512, output_mib=16),
            samples=(
                Case("sample/1", b"", b"0\n", sample=True),
                Case("sample/2", b"2\n", b"4\n", sample=True),
            ),
            check=OutputCheck(
                CheckFlags(True, True, 1e-6, None),
                ValidatorProgram("cpp", "validate.cpp", b"int main(){}\x00\xff"),
            ),
        )
        entry = an_entry(question, setter_id=None)

        await storage.catalog.add(entry)

        assert await storage.catalog.get("two-sum") == entry
        assert await storage.catalog.get("two-sum", 1) == entry

    async def test_an_unknown_question_reads_as_none(self, storage: Storage) -> None:
        assert await storage.catalog.get("missing") is None
        assert await storage.catalog.get("missing", 1) is None

    async def test_a_taken_id_conflicts(self, storage: Storage) -> None:
        await storage.catalog.add(an_entry(a_question()))

        with pytest.raises(Conflict):
            await storage.catalog.add(an_entry(a_question(title="Another")))

        stored = await storage.catalog.get("two-sum")
        assert stored is not None
        assert stored.question.title == "Title of two-sum"

    async def test_the_id_of_a_deleted_question_stays_taken(
        self, storage: Storage
    ) -> None:
        await storage.catalog.add(an_entry(a_question()))
        await storage.catalog.delete("two-sum")

        with pytest.raises(Conflict):
            await storage.catalog.add(an_entry(a_question()))

    async def test_a_new_question_starts_at_version_one(self, storage: Storage) -> None:
        with pytest.raises(Conflict):
            await storage.catalog.add(an_entry(a_question(), version=2))

        assert await storage.catalog.get("two-sum") is None


class TestEditingQuestions:
    async def test_an_edit_is_a_new_version_and_the_old_one_stays(
        self, storage: Storage
    ) -> None:
        original = an_entry(a_question())
        edited = an_entry(a_question(title="Sum of two", tags=("math",)), version=2)
        await storage.catalog.add(original)

        await storage.catalog.update(edited)

        assert await storage.catalog.get("two-sum") == edited
        assert await storage.catalog.get("two-sum", 2) == edited
        assert await storage.catalog.get("two-sum", 1) == original
        assert await storage.catalog.get("two-sum", 3) is None

    @pytest.mark.parametrize(
        "version",
        [
            pytest.param(2, id="same-version-again"),
            pytest.param(1, id="older-version"),
            pytest.param(4, id="skipping-a-version"),
        ],
    )
    async def test_a_stale_edit_conflicts(self, storage: Storage, version: int) -> None:
        await storage.catalog.add(an_entry(a_question()))
        await storage.catalog.update(an_entry(a_question(title="Second"), version=2))

        with pytest.raises(Conflict):
            await storage.catalog.update(
                an_entry(a_question(title="Stale"), version=version)
            )

        latest = await storage.catalog.get("two-sum")
        assert latest is not None
        assert (latest.version, latest.question.title) == (2, "Second")

    async def test_of_concurrent_edits_of_one_version_exactly_one_wins(
        self, storage: Storage
    ) -> None:
        await storage.catalog.add(an_entry(a_question()))
        edits = [an_entry(a_question(title=f"Edit {n}"), version=2) for n in range(5)]

        outcomes = await asyncio.gather(
            *(storage.catalog.update(edit) for edit in edits), return_exceptions=True
        )

        assert sum(outcome is None for outcome in outcomes) == 1
        assert all(isinstance(o, Conflict) for o in outcomes if o is not None)
        winner = edits[outcomes.index(None)]
        assert await storage.catalog.get("two-sum") == winner

    @pytest.mark.parametrize(
        "deleted", [pytest.param(True, id="deleted"), pytest.param(False, id="unknown")]
    )
    async def test_editing_a_missing_question_is_not_found(
        self, storage: Storage, deleted: bool
    ) -> None:
        if deleted:
            await storage.catalog.add(an_entry(a_question()))
            await storage.catalog.delete("two-sum")

        with pytest.raises(QuestionNotFound):
            await storage.catalog.update(an_entry(a_question(), version=2))


class TestDeletingQuestions:
    async def test_a_deleted_question_leaves_the_catalog_but_keeps_its_versions(
        self, storage: Storage
    ) -> None:
        first = an_entry(a_question())
        second = an_entry(a_question(title="Second"), version=2)
        await storage.catalog.add(first)
        await storage.catalog.update(second)

        deleted = await storage.catalog.delete("two-sum")

        assert deleted
        assert await storage.catalog.get("two-sum") is None
        assert await storage.catalog.get("two-sum", 1) == first
        assert await storage.catalog.get("two-sum", 2) == second
        page = await storage.catalog.list(QuestionFilter(), None, 10)
        assert page.entries == ()

    async def test_deleting_twice_or_deleting_nothing_answers_false(
        self, storage: Storage
    ) -> None:
        await storage.catalog.add(an_entry(a_question()))
        await storage.catalog.delete("two-sum")

        assert not await storage.catalog.delete("two-sum")
        assert not await storage.catalog.delete("missing")


# Ids whose order differs between code points and natural-language collations.
IDS = ("ab", "a-c", "a", "b1", "b-1", "0", "9-x", "z", "m-m-m", "mm")


async def _add_all(storage: Storage, questions: list[Question]) -> None:
    for question in questions:
        await storage.catalog.add(an_entry(question))


async def _ids(storage: Storage, where: QuestionFilter) -> list[str]:
    page = await storage.catalog.list(where, None, 100)
    return [entry.id for entry in page.entries]


class TestFilteringQuestions:
    @pytest.fixture
    async def bank(self, storage: Storage) -> None:
        await _add_all(
            storage,
            [
                a_question("dp-1", difficulty=Difficulty.HARD, tags=("dp",)),
                a_question("graph-1", tags=("Graphs", "bfs"), title="Island count"),
                a_question("graph-2", difficulty=Difficulty.EASY, tags=("graphs",)),
                a_question("percent", title="100% sure", statement="Print 100_000"),
                a_question("strings-1", statement="Reverse each WORD of the line"),
            ],
        )

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            pytest.param(
                QuestionFilter(),
                ["dp-1", "graph-1", "graph-2", "percent", "strings-1"],
                id="nothing",
            ),
            pytest.param(
                QuestionFilter(difficulty=Difficulty.HARD), ["dp-1"], id="difficulty"
            ),
            pytest.param(
                QuestionFilter(tag="graphs"), ["graph-1", "graph-2"], id="tag-any-case"
            ),
            pytest.param(QuestionFilter(tag="graph"), [], id="tag-whole-only"),
            pytest.param(
                QuestionFilter(text="ISLAND"), ["graph-1"], id="text-in-title"
            ),
            pytest.param(
                QuestionFilter(text="each word"), ["strings-1"], id="text-in-statement"
            ),
            pytest.param(QuestionFilter(text="0%"), ["percent"], id="percent-literal"),
            pytest.param(QuestionFilter(text="0_0"), ["percent"], id="under-literal"),
            pytest.param(QuestionFilter(text="1_0"), [], id="underscore-not-wild"),
            pytest.param(
                QuestionFilter(difficulty=Difficulty.EASY, tag="GRAPHS"),
                ["graph-2"],
                id="combined",
            ),
        ],
    )
    async def test_filters_select_questions(
        self,
        storage: Storage,
        bank: None,
        where: QuestionFilter,
        expected: list[str],
    ) -> None:
        assert await _ids(storage, where) == expected

    async def test_filters_look_at_the_latest_version_only(
        self, storage: Storage
    ) -> None:
        await _add_all(storage, [a_question("q", tags=("old",), title="Old title")])
        await storage.catalog.update(
            an_entry(a_question("q", tags=("new",), title="New title"), version=2)
        )

        assert await _ids(storage, QuestionFilter(tag="old")) == []
        assert await _ids(storage, QuestionFilter(text="old title")) == []
        assert await _ids(storage, QuestionFilter(tag="new")) == ["q"]


class TestPagingQuestions:
    @pytest.mark.parametrize("limit", [1, 3, 5, 10, 11])
    async def test_paging_visits_every_question_once_in_id_order(
        self, storage: Storage, limit: int
    ) -> None:
        await _add_all(storage, [a_question(i) for i in IDS])
        seen: list[str] = []
        cursor: str | None = None
        pages = 0

        while True:
            page = await storage.catalog.list(QuestionFilter(), cursor, limit)
            seen += [entry.id for entry in page.entries]
            pages += 1
            if page.next_cursor is None:
                break
            cursor = page.next_cursor

        assert seen == sorted(IDS)
        assert pages == max(1, -(-len(IDS) // limit))

    async def test_a_page_summarises_the_latest_versions(
        self, storage: Storage
    ) -> None:
        await _add_all(storage, [a_question("q")])
        latest = an_entry(a_question("q", title="Second"), version=2)
        await storage.catalog.update(latest)

        page = await storage.catalog.list(QuestionFilter(), None, 10)

        assert page.entries == (latest.summary(),)
        assert page.next_cursor is None

    async def test_a_listed_summary_matches_the_stored_question(
        self, storage: Storage
    ) -> None:
        question = a_question(
            "q",
            difficulty=Difficulty.HARD,
            tags=("graphs", "bfs", "Shortest paths"),
            limits=Limits(time_s=2.5, memory_mib=512, output_mib=4),
            samples=(
                Case("sample/1", b"1\n", b"1\n", sample=True),
                Case("sample/2", b"2\n", b"4\n", sample=True),
            ),
            hidden=tuple(Case(f"secret/{n}", b"\x00" * n, b"0\n") for n in range(3)),
        )
        await storage.catalog.add(an_entry(question, setter_id=None))
        await storage.catalog.update(an_entry(question, version=2))

        (summary,) = (await storage.catalog.list(QuestionFilter(), None, 10)).entries

        stored = await storage.catalog.get("q")
        assert stored is not None
        assert summary == stored.summary()
        assert (summary.version, summary.setter_id) == (2, "user-ada")
        assert summary.tags == ("graphs", "bfs", "Shortest paths")
        assert (summary.sample_count, summary.hidden_count) == (2, 3)
        assert summary.limits == Limits(time_s=2.5, memory_mib=512, output_mib=4)

    async def test_an_empty_catalog_has_one_empty_page(self, storage: Storage) -> None:
        page = await storage.catalog.list(QuestionFilter(), None, 10)

        assert (page.entries, page.next_cursor) == ((), None)

    @pytest.mark.parametrize(
        "cursor",
        [
            pytest.param("%%%", id="not-base64"),
            pytest.param("", id="empty"),
            pytest.param("a", id="truncated"),
            pytest.param(base64.urlsafe_b64encode(b"\xff\xfe").decode(), id="binary"),
            pytest.param("not a cursor", id="spaces"),
        ],
    )
    async def test_a_bad_cursor_is_invalid_input(
        self, storage: Storage, cursor: str
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            await storage.catalog.list(QuestionFilter(), cursor, 10)

        assert raised.value.field == "cursor"

    async def test_a_limit_below_one_is_invalid_input(self, storage: Storage) -> None:
        with pytest.raises(InvalidInput):
            await storage.catalog.list(QuestionFilter(), None, 0)


# Ratings


class TestRatings:
    async def test_saved_ratings_read_back_and_unknown_players_are_absent(
        self, storage: Storage
    ) -> None:
        ada, grace = PlayerRating("ada", 1516.5, 3), PlayerRating("grace", 1480.25, 1)

        await storage.ratings.save_many([ada, grace])

        found = await storage.ratings.get_many(["ada", "grace", "nobody"])
        assert dict(found) == {"ada": ada, "grace": grace}

    async def test_saving_again_replaces_a_rating(self, storage: Storage) -> None:
        await storage.ratings.save_many([PlayerRating("ada", 1500.0, 0)])

        await storage.ratings.save_many([PlayerRating("ada", 1532.0, 1)])

        found = await storage.ratings.get_many(["ada"])
        assert found == {"ada": PlayerRating("ada", 1532.0, 1)}

    async def test_nothing_asked_nothing_saved(self, storage: Storage) -> None:
        await storage.ratings.save_many([])

        assert await storage.ratings.get_many([]) == {}
