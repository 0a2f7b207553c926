"""The container picks each adapter from the settings (nothing connects here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dependency_injector import providers

from bitcode_adapters.cache import CachedQuestionCatalog, InProcessCache, RedisCache
from bitcode_adapters.judge0 import CallbackInbox, Judge0Judge
from bitcode_adapters.mail_folder import FolderMailer
from bitcode_adapters.media import ImageKitMediaStorage, LocalMediaStorage
from bitcode_adapters.memory import InMemoryRateLimiter
from bitcode_adapters.redis_rate_limiter import RedisRateLimiter
from bitcode_adapters.smtp_mail import SmtpMailer
from bitcode_adapters.sql import SqlQuestionCatalog
from bitcode_core.accounts.identities import IdentitySignIn
from bitcode_http.container import Container, close
from bitcode_http.settings import load_settings


def container(tmp_path: Path, **variables: str) -> Container:
    settings = load_settings({"BITCODE_DATA_DIR": str(tmp_path), **variables}, None)
    return Container(settings=settings)


class TestAdapterChoice:
    def test_the_embedded_defaults_need_no_service(self, tmp_path: Path) -> None:
        built = container(tmp_path)

        assert isinstance(built.rate_limiter(), InMemoryRateLimiter)
        assert isinstance(built.mailer(), FolderMailer)
        assert isinstance(built.cache(), InProcessCache)
        assert built.database().is_sqlite
        assert isinstance(built.media_storage(), LocalMediaStorage)
        assert built.local_media() is built.media_storage()

    def test_configured_services_replace_the_defaults(self, tmp_path: Path) -> None:
        built = container(
            tmp_path,
            REDIS_URL="redis://127.0.0.1:6379/0",
            SMTP_URL="smtps://u:p@mail.example",
            DATABASE_URL="postgres://bitcode@127.0.0.1/bitcode",
        )

        assert isinstance(built.rate_limiter(), RedisRateLimiter)
        assert isinstance(built.cache(), RedisCache)
        assert isinstance(built.mailer(), SmtpMailer)
        assert built.database().is_postgres

    def test_imagekit_keys_send_media_to_imagekit(self, tmp_path: Path) -> None:
        built = container(
            tmp_path,
            IMAGEKIT_PUBLIC_KEY="public_x=",
            IMAGEKIT_PRIVATE_KEY="private_x=",
            IMAGEKIT_URL_ENDPOINT="https://ik.imagekit.io/bitcode",
        )

        assert isinstance(built.media_storage(), ImageKitMediaStorage)
        assert built.local_media() is None

    def test_without_redis_or_process_cache_questions_are_read_uncached(
        self, tmp_path: Path
    ) -> None:
        assert isinstance(container(tmp_path).question_catalog(), CachedQuestionCatalog)
        uncached = container(tmp_path, PROCESS_CACHE="0").question_catalog()

        assert isinstance(uncached, SqlQuestionCatalog)

    def test_google_sign_in_is_built_only_with_a_client_id(
        self, tmp_path: Path
    ) -> None:
        unset = container(tmp_path)
        configured = container(tmp_path, GOOGLE_CLIENT_ID="id.apps.example")

        assert unset.identity_sign_in() is None
        assert isinstance(configured.identity_sign_in(), IdentitySignIn)

    def test_judge0_is_the_judge_when_its_url_is_set(self, tmp_path: Path) -> None:
        sandboxed = container(tmp_path)
        remote = container(
            tmp_path, JUDGE0_API_URL="http://127.0.0.1:2358", JUDGE0_CALLBACKS="1"
        )
        remote.validator_sandbox.override(providers.Object(None))  # no processes

        assert sandboxed.judge0() is None
        assert sandboxed.judge0_callbacks() is None
        assert isinstance(remote.judge0(), Judge0Judge)
        assert remote.judge() is remote.judge0()
        assert isinstance(remote.judge0_callbacks(), CallbackInbox)

    @pytest.mark.anyio
    async def test_close_releases_what_was_built(self, tmp_path: Path) -> None:
        built = container(tmp_path)
        hasher = built.hasher()

        await close(built)

        assert built.hasher() is not hasher  # a fresh one after the reset
        with pytest.raises(RuntimeError):
            await hasher.hash("the pool is shut down")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
