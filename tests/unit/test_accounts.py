"""The account use cases, end to end, on the in-memory adapters."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bitcode_adapters.argon2_hasher import Argon2PasswordHasher
from bitcode_adapters.common_passwords import load_common_passwords
from bitcode_adapters.jwt_access_tokens import JwtAccessTokens
from bitcode_adapters.memory import (
    InMemoryOneTimeTokenRepository,
    InMemoryRateLimiter,
    InMemorySessionRepository,
    InMemoryUserRepository,
)
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts import rules
from bitcode_core.accounts.model import Principal, Role
from bitcode_core.accounts.usecases import (
    Accounts,
    AccountSettings,
    Client,
    ProfileChanges,
    SignedIn,
)
from bitcode_core.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    WeakPassword,
)
from tests.fakes import ManualClock, OutboxMailer

pytestmark = pytest.mark.anyio

ADA = "ada@example.org"
ROOT = "root@example.org"
OPS = "ops@example.org"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account
NEW_PASSWORD = "a different long passphrase"  # noqa: S105 - a test account
LAPTOP = Client(ip="192.0.2.1", user_agent="laptop")
PHONE = Client(ip="192.0.2.2", user_agent="phone")
SECRET = "s" * 32
SETTINGS = AccountSettings(public_url="https://bitcode.test")


@dataclass
class World:
    accounts: Accounts
    clock: ManualClock
    outbox: OutboxMailer

    async def register(self, email: str = ADA, username: str = "ada") -> None:
        await self.accounts.register(email, username, PASSWORD)
        await self.accounts.verify_email(self.outbox.token_in_last(email))

    async def sign_in(
        self, email: str = ADA, password: str = PASSWORD, client: Client = LAPTOP
    ) -> SignedIn:
        return await self.accounts.login(email, password, client)

    async def principal(self, signed_in: SignedIn) -> Principal:
        return await self.accounts.authenticate(signed_in.access_token)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def world() -> Iterator[World]:
    clock = ManualClock()
    outbox = OutboxMailer()
    hasher = Argon2PasswordHasher(memory_kib=8, time_cost=1, parallelism=1)
    accounts = Accounts(
        users=InMemoryUserRepository(),
        sessions=InMemorySessionRepository(),
        one_time_tokens=InMemoryOneTimeTokenRepository(),
        hasher=hasher,
        access_tokens=JwtAccessTokens(SECRET, ttl_s=SETTINGS.access_ttl_s),
        secrets=SystemSecrets(),
        mailer=outbox,
        limiter=InMemoryRateLimiter(clock),
        clock=clock,
        common_passwords=load_common_passwords(),
        settings=SETTINGS,
    )
    yield World(accounts, clock, outbox)
    hasher.close()


async def signed_out(world: World, signed_in: SignedIn) -> bool:
    try:
        await world.principal(signed_in)
    except InvalidToken:
        return True
    return False


class TestRegister:
    async def test_mails_a_confirmation_link_to_the_new_address(self, world):
        await world.accounts.register(" Ada@Example.org ", "Ada", PASSWORD)

        (mail,) = world.outbox.to(ADA)
        token = world.outbox.token_in_last(ADA)
        assert f"https://bitcode.test/auth/verify-email?token={token}" in mail.text
        user = await world.accounts.users.by_email(ADA)
        assert user is not None
        assert (user.username, user.email_verified) == ("ada", False)

    async def test_a_taken_address_answers_normally_and_warns_its_owner(self, world):
        await world.register()

        await world.accounts.register(ADA, "impostor", NEW_PASSWORD)

        assert world.outbox.to(ADA)[-1].subject == (
            "Someone tried to register with your email"
        )
        assert await world.accounts.users.by_username("impostor") is None

    async def test_a_taken_username_is_refused(self, world):
        await world.register()

        with pytest.raises(Conflict):
            await world.accounts.register("bob@example.org", "ADA", PASSWORD)

    @pytest.mark.parametrize(
        "password",
        [
            pytest.param("short1!", id="shorter-than-8"),
            pytest.param("password", id="common"),
            pytest.param("IloveYou", id="common-in-another-case"),
            pytest.param("adalovelace", id="the-username"),
            pytest.param("x" * 1025, id="longer-than-1024"),
        ],
    )
    async def test_weak_passwords_are_refused(self, world, password):
        with pytest.raises(WeakPassword) as refused:
            await world.accounts.register(ADA, "adalovelace", password)

        assert refused.value.field == "password"
        assert world.outbox.sent == []

    @pytest.mark.parametrize(
        ("email", "username", "field"),
        [
            pytest.param("ada", "ada", "email", id="email-without-domain"),
            pytest.param("ada@example", "ada", "email", id="email-without-tld"),
            pytest.param(ADA, "a", "username", id="username-too-short"),
            pytest.param(ADA, "ada lovelace", "username", id="username-with-space"),
            pytest.param(ADA, "_ada", "username", id="username-starting-badly"),
        ],
    )
    async def test_malformed_fields_are_named(self, world, email, username, field):
        with pytest.raises(InvalidInput) as refused:
            await world.accounts.register(email, username, PASSWORD)

        assert refused.value.field == field


class TestVerifyEmail:
    async def test_the_mailed_token_confirms_the_address_once(self, world):
        await world.accounts.register(ADA, "ada", PASSWORD)
        token = world.outbox.token_in_last(ADA)

        user = await world.accounts.verify_email(token)

        assert user.email_verified
        with pytest.raises(InvalidToken):
            await world.accounts.verify_email(token)

    async def test_an_expired_token_is_refused(self, world):
        await world.accounts.register(ADA, "ada", PASSWORD)
        world.clock.advance(SETTINGS.verify_ttl_s + 1)

        with pytest.raises(InvalidToken):
            await world.accounts.verify_email(world.outbox.token_in_last(ADA))

    async def test_an_unverified_address_cannot_sign_in(self, world):
        await world.accounts.register(ADA, "ada", PASSWORD)

        with pytest.raises(NotAuthenticated) as refused:
            await world.sign_in()

        assert not isinstance(refused.value, InvalidCredentials)

    async def test_a_resent_link_works(self, world):
        await world.accounts.register(ADA, "ada", PASSWORD)

        await world.accounts.resend_verification(ADA)

        user = await world.accounts.verify_email(world.outbox.token_in_last(ADA))
        assert user.email_verified


class TestLogin:
    async def test_a_verified_player_gets_both_tokens(self, world):
        await world.register()

        signed_in = await world.sign_in(" ADA@example.org")

        principal = await world.principal(signed_in)
        assert principal == Principal(
            signed_in.user.id, signed_in.session_id, Role.PLAYER
        )
        assert signed_in.refresh_expires_at == (
            world.clock.now() + SETTINGS.refresh_ttl_s
        )

    async def test_an_unknown_email_answers_like_a_wrong_password(self, world):
        await world.register()

        with pytest.raises(InvalidCredentials) as wrong_password:
            await world.sign_in(password=NEW_PASSWORD)
        with pytest.raises(InvalidCredentials) as unknown_email:
            await world.sign_in(email="nobody@example.org")

        assert str(wrong_password.value) == str(unknown_email.value)

    async def test_an_account_is_throttled_after_five_failures(self, world):
        await world.register()
        for _ in range(SETTINGS.login_failures_per_account):
            with pytest.raises(InvalidCredentials):
                await world.sign_in(password=NEW_PASSWORD)

        with pytest.raises(RateLimited) as throttled:
            await world.sign_in()

        assert 0 < throttled.value.retry_after_s <= SETTINGS.login_window_s

    async def test_the_throttle_lifts_when_the_window_passes(self, world):
        await world.register()
        for _ in range(SETTINGS.login_failures_per_account + 1):
            with pytest.raises((InvalidCredentials, RateLimited)):
                await world.sign_in(password=NEW_PASSWORD)

        world.clock.advance(SETTINGS.login_window_s)

        assert await world.sign_in()

    async def test_a_success_clears_the_account_failures(self, world):
        await world.register()
        for _ in range(SETTINGS.login_failures_per_account - 1):
            with pytest.raises(InvalidCredentials):
                await world.sign_in(password=NEW_PASSWORD)
        await world.sign_in()

        for _ in range(SETTINGS.login_failures_per_account - 1):
            with pytest.raises(InvalidCredentials):
                await world.sign_in(password=NEW_PASSWORD)

        assert await world.sign_in()

    async def test_an_address_is_throttled_across_accounts(self, world):
        for attempt in range(SETTINGS.login_attempts_per_address):
            with pytest.raises(InvalidCredentials):
                await world.sign_in(email=f"guess{attempt}@example.org")

        with pytest.raises(RateLimited) as throttled:
            await world.sign_in(email="one.more@example.org")

        assert throttled.value.retry_after_s > 0

    async def test_another_address_is_not_throttled(self, world):
        await world.register()
        for attempt in range(SETTINGS.login_attempts_per_address + 1):
            with pytest.raises((InvalidCredentials, RateLimited)):
                await world.sign_in(email=f"guess{attempt}@example.org")

        signed_in = await world.sign_in(client=PHONE)

        assert signed_in.user.email == ADA


class TestRefresh:
    async def test_a_refresh_rotates_the_token(self, world):
        await world.register()
        first = await world.sign_in()
        world.clock.advance(60)

        second = await world.accounts.refresh(first.refresh_token)

        assert second.refresh_token != first.refresh_token
        assert second.session_id == first.session_id
        assert await world.principal(second)
        (device,) = await world.accounts.devices(await world.principal(second))
        assert device.last_used_at == world.clock.now()

    async def test_reusing_a_spent_token_revokes_the_whole_family(self, world):
        await world.register()
        first = await world.sign_in()
        second = await world.accounts.refresh(first.refresh_token)

        with pytest.raises(InvalidToken):
            await world.accounts.refresh(first.refresh_token)

        with pytest.raises(InvalidToken):
            await world.accounts.refresh(second.refresh_token)
        assert await signed_out(world, second)

    async def test_reuse_leaves_other_devices_signed_in(self, world):
        await world.register()
        laptop = await world.sign_in()
        phone = await world.sign_in(client=PHONE)
        await world.accounts.refresh(laptop.refresh_token)

        with pytest.raises(InvalidToken):
            await world.accounts.refresh(laptop.refresh_token)

        assert await world.accounts.refresh(phone.refresh_token)

    async def test_of_two_racing_refreshes_one_wins_and_the_family_is_revoked(
        self, world
    ):
        await world.register()
        signed_in = await world.sign_in()
        race = [world.accounts.refresh(signed_in.refresh_token) for _ in range(2)]

        results = await asyncio.gather(*race, return_exceptions=True)

        winners = [r for r in results if isinstance(r, SignedIn)]
        assert len(winners) == 1
        assert [type(r) for r in results if r not in winners] == [InvalidToken]
        assert await signed_out(world, winners[0])

    async def test_an_expired_session_cannot_refresh(self, world):
        await world.register()
        signed_in = await world.sign_in()
        world.clock.advance(SETTINGS.refresh_ttl_s)

        with pytest.raises(InvalidToken):
            await world.accounts.refresh(signed_in.refresh_token)

    async def test_an_unknown_token_is_refused(self, world):
        with pytest.raises(InvalidToken):
            await world.accounts.refresh("not-a-token")


class TestAuthenticate:
    async def test_an_expired_access_token_is_refused(self, world):
        await world.register()
        signed_in = await world.sign_in()

        world.clock.advance(SETTINGS.access_ttl_s)

        assert await signed_out(world, signed_in)

    async def test_a_tampered_access_token_is_refused(self, world):
        await world.register()
        signed_in = await world.sign_in()
        header, claims, signature = signed_in.access_token.split(".")
        forged = f"{header}.{claims}.{signature[::-1]}"

        with pytest.raises(InvalidToken):
            await world.accounts.authenticate(forged)


class TestSessions:
    async def test_logout_signs_out_only_this_device(self, world):
        await world.register()
        laptop = await world.sign_in()
        phone = await world.sign_in(client=PHONE)

        await world.accounts.logout(await world.principal(laptop))

        assert await signed_out(world, laptop)
        assert not await signed_out(world, phone)
        with pytest.raises(InvalidToken):
            await world.accounts.refresh(laptop.refresh_token)

    async def test_logout_everywhere_signs_out_every_device(self, world):
        await world.register()
        laptop = await world.sign_in()
        phone = await world.sign_in(client=PHONE)

        await world.accounts.logout_everywhere(await world.principal(phone))

        assert await signed_out(world, laptop)
        assert await signed_out(world, phone)

    async def test_devices_lists_the_active_sessions(self, world):
        await world.register()
        laptop = await world.sign_in()
        world.clock.advance(1)
        phone = await world.sign_in(client=PHONE)

        devices = await world.accounts.devices(await world.principal(laptop))

        assert [d.id for d in devices] == [phone.session_id, laptop.session_id]
        assert [d.user_agent for d in devices] == ["phone", "laptop"]

    async def test_revoking_a_device_signs_it_out(self, world):
        await world.register()
        laptop = await world.sign_in()
        phone = await world.sign_in(client=PHONE)
        me = await world.principal(laptop)

        await world.accounts.revoke_device(me, phone.session_id)

        assert await signed_out(world, phone)
        assert [d.id for d in await world.accounts.devices(me)] == [laptop.session_id]

    async def test_another_players_device_cannot_be_revoked(self, world):
        await world.register()
        await world.register("bob@example.org", "bob")
        ada = await world.sign_in()
        bob = await world.sign_in("bob@example.org")

        with pytest.raises(NotFound):
            await world.accounts.revoke_device(
                await world.principal(ada), bob.session_id
            )

        assert not await signed_out(world, bob)


class TestPasswordReset:
    async def test_the_mailed_token_sets_a_new_password_and_signs_out_all(self, world):
        await world.register()
        laptop = await world.sign_in()
        await world.accounts.request_password_reset(ADA)

        await world.accounts.confirm_password_reset(
            world.outbox.token_in_last(ADA), NEW_PASSWORD
        )

        assert await signed_out(world, laptop)
        with pytest.raises(InvalidCredentials):
            await world.sign_in()
        assert await world.sign_in(password=NEW_PASSWORD)

    async def test_a_reset_token_works_once(self, world):
        await world.register()
        await world.accounts.request_password_reset(ADA)
        token = world.outbox.token_in_last(ADA)
        await world.accounts.confirm_password_reset(token, NEW_PASSWORD)

        with pytest.raises(InvalidToken):
            await world.accounts.confirm_password_reset(token, "yet another phrase")

    async def test_an_expired_reset_token_is_refused(self, world):
        await world.register()
        await world.accounts.request_password_reset(ADA)
        world.clock.advance(SETTINGS.reset_ttl_s)

        with pytest.raises(InvalidToken):
            await world.accounts.confirm_password_reset(
                world.outbox.token_in_last(ADA), NEW_PASSWORD
            )

    async def test_a_weak_new_password_keeps_the_link_usable(self, world):
        await world.register()
        await world.accounts.request_password_reset(ADA)
        token = world.outbox.token_in_last(ADA)

        with pytest.raises(WeakPassword) as refused:
            await world.accounts.confirm_password_reset(token, "short")

        assert refused.value.field == "new_password"
        await world.accounts.confirm_password_reset(token, NEW_PASSWORD)

    async def test_an_unknown_email_gets_no_mail(self, world):
        await world.register()
        mails_before = len(world.outbox.sent)

        await world.accounts.request_password_reset("nobody@example.org")
        await world.accounts.request_password_reset("not an email")

        assert len(world.outbox.sent) == mails_before


class TestChangePassword:
    async def test_signs_out_the_other_devices_but_not_this_one(self, world):
        await world.register()
        laptop = await world.sign_in()
        phone = await world.sign_in(client=PHONE)

        await world.accounts.change_password(
            await world.principal(laptop), PASSWORD, NEW_PASSWORD
        )

        assert not await signed_out(world, laptop)
        assert await signed_out(world, phone)
        assert await world.sign_in(password=NEW_PASSWORD)

    async def test_a_wrong_current_password_changes_nothing(self, world):
        await world.register()
        laptop = await world.sign_in()

        with pytest.raises(InvalidCredentials):
            await world.accounts.change_password(
                await world.principal(laptop), NEW_PASSWORD, "another long phrase"
            )

        assert await world.sign_in()

    async def test_a_weak_new_password_is_refused(self, world):
        await world.register()
        laptop = await world.sign_in()

        with pytest.raises(WeakPassword):
            await world.accounts.change_password(
                await world.principal(laptop), PASSWORD, "ada@example.org"
            )


class TestDisable:
    async def test_a_disabled_account_loses_every_session_at_once(self, world):
        await world.register()
        laptop = await world.sign_in()
        phone = await world.sign_in(client=PHONE)

        await world.accounts.set_disabled("ada", True)

        assert await signed_out(world, laptop)
        assert await signed_out(world, phone)
        with pytest.raises(InvalidToken):
            await world.accounts.refresh(phone.refresh_token)

    async def test_a_disabled_account_cannot_sign_in(self, world):
        await world.register()
        await world.accounts.set_disabled("ada", True)

        with pytest.raises(PermissionDenied):
            await world.sign_in()

    async def test_enabling_again_allows_signing_in(self, world):
        await world.register()
        await world.accounts.set_disabled("ada", True)

        await world.accounts.set_disabled("ada", False)

        assert await world.sign_in()

    async def test_the_last_active_admin_cannot_be_disabled(self, world):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)

        with pytest.raises(Conflict, match="cannot disable the last admin"):
            await world.accounts.set_disabled("root", True)

        assert await world.sign_in(ROOT)

    async def test_a_disabled_admin_leaves_the_other_one_the_last(self, world):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)
        await world.accounts.create_admin(OPS, "ops", PASSWORD)
        await world.accounts.set_disabled("ops", True)

        with pytest.raises(Conflict, match="last admin"):
            await world.accounts.set_disabled("root", True)

    async def test_an_admin_can_be_disabled_while_another_is_active(self, world):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)
        await world.accounts.create_admin(OPS, "ops", PASSWORD)

        user = await world.accounts.set_disabled("root", True)

        assert user.disabled
        with pytest.raises(PermissionDenied):
            await world.sign_in(ROOT)


class TestDeleteAccount:
    async def test_deleting_signs_out_and_frees_the_address(self, world):
        await world.register()
        laptop = await world.sign_in()

        await world.accounts.delete_account(await world.principal(laptop), PASSWORD)

        assert await signed_out(world, laptop)
        with pytest.raises(InvalidCredentials):
            await world.sign_in()
        await world.register()

    async def test_a_wrong_password_deletes_nothing(self, world):
        await world.register()
        laptop = await world.sign_in()

        with pytest.raises(InvalidCredentials):
            await world.accounts.delete_account(
                await world.principal(laptop), NEW_PASSWORD
            )

        assert not await signed_out(world, laptop)

    async def test_the_last_active_admin_cannot_delete_their_account(self, world):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)
        await world.accounts.create_admin(OPS, "ops", PASSWORD)
        await world.accounts.set_disabled("ops", True)
        laptop = await world.sign_in(ROOT)

        with pytest.raises(Conflict, match="cannot delete the last admin"):
            await world.accounts.delete_account(await world.principal(laptop), PASSWORD)

        assert not await signed_out(world, laptop)

    async def test_an_admin_can_delete_their_account_while_another_is_active(
        self, world
    ):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)
        await world.accounts.create_admin(OPS, "ops", PASSWORD)
        laptop = await world.sign_in(ROOT)

        await world.accounts.delete_account(await world.principal(laptop), PASSWORD)

        assert await world.accounts.users.by_username("root") is None


class TestProfile:
    async def test_the_profile_changes_are_stored_and_public(self, world):
        await world.register()
        me = await world.principal(await world.sign_in())

        await world.accounts.update_profile(
            me, ProfileChanges(display_name="  Ada L. ", country="gb", bio="Notes.")
        )

        public = await world.accounts.public_profile("ADA")
        assert (public.display_name, public.country, public.bio) == (
            "Ada L.",
            "GB",
            "Notes.",
        )

    async def test_the_country_can_be_cleared(self, world):
        await world.register()
        me = await world.principal(await world.sign_in())
        await world.accounts.update_profile(me, ProfileChanges(country="FR"))

        user = await world.accounts.update_profile(
            me, ProfileChanges(clear_country=True)
        )

        assert user.country is None

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            pytest.param(
                ProfileChanges(display_name="x" * 65), "display_name", id="long-name"
            ),
            pytest.param(
                ProfileChanges(display_name="a\x07b"), "display_name", id="control-char"
            ),
            pytest.param(
                ProfileChanges(country="France"), "country", id="country-name"
            ),
            pytest.param(ProfileChanges(country="F1"), "country", id="country-digit"),
            pytest.param(ProfileChanges(bio="x" * 501), "bio", id="long-bio"),
        ],
    )
    async def test_invalid_changes_name_the_field(self, world, changes, field):
        await world.register()
        me = await world.principal(await world.sign_in())

        with pytest.raises(InvalidInput) as refused:
            await world.accounts.update_profile(me, changes)

        assert refused.value.field == field
        assert (await world.accounts.me(me)).display_name == "ada"

    async def test_a_disabled_player_has_no_public_profile(self, world):
        await world.register()
        await world.accounts.set_disabled("ada", True)

        with pytest.raises(NotFound):
            await world.accounts.public_profile("ada")


class TestRoles:
    async def test_the_last_admin_cannot_be_demoted(self, world):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)

        with pytest.raises(Conflict):
            await world.accounts.set_role("root", Role.PLAYER)

    async def test_an_admin_can_be_demoted_while_another_remains(self, world):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)
        await world.accounts.create_admin(OPS, "ops", PASSWORD)

        user = await world.accounts.set_role("root", Role.SETTER)

        assert user.role is Role.SETTER

    async def test_a_disabled_admin_can_be_demoted_beside_the_last_active_one(
        self, world
    ):
        await world.accounts.create_admin(ROOT, "root", PASSWORD)
        await world.accounts.create_admin(OPS, "ops", PASSWORD)
        await world.accounts.set_disabled("ops", True)

        user = await world.accounts.set_role("ops", Role.PLAYER)

        assert user.role is Role.PLAYER
        with pytest.raises(Conflict):
            await world.accounts.set_role("root", Role.PLAYER)

    async def test_a_new_role_shows_in_the_next_authentication(self, world):
        await world.register()
        signed_in = await world.sign_in()

        await world.accounts.set_role("ada", Role.SETTER)

        assert (await world.principal(signed_in)).role is Role.SETTER

    async def test_an_unknown_user_has_no_role_to_set(self, world):
        with pytest.raises(NotFound):
            await world.accounts.set_role("nobody", Role.ADMIN)


class TestEmailRules:
    @pytest.mark.parametrize(
        "email",
        [
            pytest.param("a\x00@b.org", id="nul"),
            pytest.param("<a@b.org>", id="angle-brackets"),
            pytest.param('"quoted"@example.org', id="quoted"),
            pytest.param("a@[127.0.0.1]", id="ip-literal"),
            pytest.param("a@b", id="no-tld"),
            pytest.param("a..b@example.org", id="double-dot"),
            pytest.param("x" * 65 + "@example.org", id="long-local-part"),
        ],
    )
    def test_refuses_addresses_a_mail_header_could_be_tricked_with(self, email):
        with pytest.raises(InvalidInput):
            rules.normalise_email(email)

    def test_accepts_and_lowercases_a_plain_address(self):
        assert rules.normalise_email(" Ada.L+x@Example.ORG ") == "ada.l+x@example.org"
