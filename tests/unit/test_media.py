"""The media use cases on the in-memory store: avatars set, replaced and
removed, question images, direct-upload signatures, and failures that change
nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from bitcode_adapters.media import InMemoryMediaStorage, PillowImageCodec
from bitcode_adapters.memory import InMemoryQuestionCatalog, InMemoryUserRepository
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts.model import Principal, Role, User
from bitcode_core.catalog.usecases import Catalog
from bitcode_core.errors import (
    MediaFileNotFound,
    MediaNotConfigured,
    MediaNotInYourFolder,
    MediaStorageUnavailable,
    MediaTooLarge,
    NotAuthenticated,
    PermissionDenied,
    UnsupportedImageType,
)
from bitcode_core.media.model import (
    MediaRules,
    PreparedImage,
    StoredMedia,
    UploadedFile,
)
from bitcode_core.media.usecases import Media
from bitcode_core.questions import Question
from bitcode_core.questions import TestCase as Case
from tests.fakes import ManualClock
from tests.images import image_bytes

pytestmark = pytest.mark.anyio

ADA = Principal("ada-id", "session-1", Role.PLAYER)
SETTER = Principal("setter-id", "session-2", Role.SETTER)
OTHER_SETTER = Principal("other-id", "session-3", Role.SETTER)
ADMIN = Principal("admin-id", "session-4", Role.ADMIN)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FlakyStorage(InMemoryMediaStorage):
    """The in-memory store, told to fail its next stores or deletes."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_store = False
        self.fail_delete = False
        # Files clients uploaded straight to the store, by id.
        self.direct: dict[str, UploadedFile] = {}

    async def store(self, folder: str, name: str, image: PreparedImage) -> StoredMedia:
        if self.fail_store:
            raise MediaStorageUnavailable()
        return await super().store(folder, name, image)

    async def delete(self, file_id: str) -> None:
        if self.fail_delete:
            raise MediaStorageUnavailable()
        await super().delete(file_id)
        self.direct.pop(file_id, None)

    async def uploaded(self, file_id: str) -> UploadedFile | None:
        return self.direct.get(file_id)

    def put_direct(self, file_id: str, path: str) -> None:
        self.direct[file_id] = UploadedFile(
            file_id, f"memory://direct{path}", path, True, "image/png", 100, 64, 64
        )


@dataclass
class World:
    media: Media
    storage: FlakyStorage
    users: InMemoryUserRepository
    catalog: Catalog

    async def user(self, principal: Principal) -> User:
        user = await self.users.get(principal.user_id)
        assert user is not None
        return user


@pytest.fixture
async def world() -> World:
    users = InMemoryUserRepository()
    for principal in (ADA, SETTER, OTHER_SETTER, ADMIN):
        name = principal.user_id.removesuffix("-id")
        await users.add(User(principal.user_id, f"{name}@example.org", name, None, 0.0))
    clock = ManualClock()
    catalog = Catalog(InMemoryQuestionCatalog(), clock)
    question = Question(
        id="two-sum", title="Two Sum", statement="Add.", hidden=(Case("1", b"", b""),)
    )
    await catalog.create(SETTER, question)
    storage = FlakyStorage()
    media = Media(
        storage=storage,
        codec=PillowImageCodec(),
        users=users,
        catalog=catalog,
        secrets=SystemSecrets(),
        clock=clock,
        rules=MediaRules(max_bytes=200_000),
    )
    return World(media, storage, users, catalog)


class TestSettingAnAvatar:
    async def test_the_profile_points_at_the_stored_file(self, world: World) -> None:
        user = await world.media.set_avatar(ADA, image_bytes("PNG"))

        assert user.avatar_file_id in world.storage.files
        assert user.avatar_file_id.startswith("avatars/ada-id/")
        assert user.avatar_url is not None
        assert user.avatar_url.endswith(user.avatar_file_id)
        assert await world.user(ADA) == user

    async def test_a_new_avatar_deletes_the_old_file_after_the_profile_changed(
        self, world: World
    ) -> None:
        first = await world.media.set_avatar(ADA, image_bytes("PNG"))

        second = await world.media.set_avatar(ADA, image_bytes("JPEG"))

        assert list(world.storage.files) == [second.avatar_file_id]
        assert first.avatar_file_id != second.avatar_file_id

    async def test_a_failing_store_leaves_the_old_avatar_in_place(
        self, world: World
    ) -> None:
        before = await world.media.set_avatar(ADA, image_bytes("PNG"))
        world.storage.fail_store = True

        with pytest.raises(MediaStorageUnavailable):
            await world.media.set_avatar(ADA, image_bytes("JPEG"))

        assert await world.user(ADA) == before
        assert list(world.storage.files) == [before.avatar_file_id]

    async def test_an_old_file_that_cannot_be_deleted_is_logged_not_raised(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        first = await world.media.set_avatar(ADA, image_bytes("PNG"))
        world.storage.fail_delete = True

        with caplog.at_level(logging.WARNING):
            second = await world.media.set_avatar(ADA, image_bytes("PNG"))

        assert (await world.user(ADA)).avatar_file_id == second.avatar_file_id
        warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.msg for r in warned] == ["media.orphaned"]
        assert warned[0].file_id == first.avatar_file_id  # type: ignore[attr-defined]

    async def test_a_refused_upload_stores_nothing(self, world: World) -> None:
        with pytest.raises(UnsupportedImageType):
            await world.media.set_avatar(ADA, b"<svg onload=alert(1)>")
        with pytest.raises(MediaTooLarge):
            await world.media.set_avatar(ADA, image_bytes("PNG").ljust(200_001))

        assert world.storage.files == {}

    async def test_an_unknown_user_is_not_authenticated(self, world: World) -> None:
        ghost = Principal("ghost", "s", Role.PLAYER)

        with pytest.raises(NotAuthenticated):
            await world.media.set_avatar(ghost, image_bytes("PNG"))


class TestRegisteringADirectUpload:
    async def test_a_file_in_the_callers_folder_replaces_the_stored_avatar(
        self, world: World
    ) -> None:
        first = await world.media.set_avatar(ADA, image_bytes("PNG"))
        world.storage.put_direct("d1", "/avatars/ada-id/me.png")

        user = await world.media.register_uploaded_avatar(ADA, "d1")

        assert (user.avatar_file_id, user.avatar_url) == (
            "d1",
            "memory://direct/avatars/ada-id/me.png",
        )
        assert await world.user(ADA) == user
        assert first.avatar_file_id not in world.storage.files

    async def test_the_current_avatar_registered_again_is_kept(
        self, world: World
    ) -> None:
        world.storage.put_direct("d1", "/avatars/ada-id/me.png")
        await world.media.register_uploaded_avatar(ADA, "d1")

        user = await world.media.register_uploaded_avatar(ADA, "d1")

        assert user.avatar_file_id == "d1"
        assert "d1" in world.storage.direct

    async def test_a_file_elsewhere_changes_nothing(self, world: World) -> None:
        before = await world.media.set_avatar(ADA, image_bytes("PNG"))
        world.storage.put_direct("d1", "/avatars/setter-id/me.png")

        with pytest.raises(MediaNotInYourFolder):
            await world.media.register_uploaded_avatar(ADA, "d1")

        assert await world.user(ADA) == before
        assert list(world.storage.files) == [before.avatar_file_id]
        assert "d1" in world.storage.direct

    async def test_an_unknown_file_is_not_found(self, world: World) -> None:
        with pytest.raises(MediaFileNotFound):
            await world.media.register_uploaded_avatar(ADA, "nothing")


class TestRemovingAnAvatar:
    async def test_the_profile_forgets_it_and_the_file_is_deleted(
        self, world: World
    ) -> None:
        await world.media.set_avatar(ADA, image_bytes("PNG"))

        user = await world.media.remove_avatar(ADA)

        assert (user.avatar_url, user.avatar_file_id) == (None, None)
        assert world.storage.files == {}

    async def test_an_avatar_linked_from_elsewhere_is_only_unlinked(
        self, world: World
    ) -> None:
        linked = (await world.user(ADA)).with_changes(
            avatar_url="https://elsewhere.example/ada.png"
        )
        await world.users.update(linked)

        user = await world.media.remove_avatar(ADA)

        assert user.avatar_url is None


class TestAvatarUrls:
    async def test_each_profile_size_has_a_url(self, world: World) -> None:
        user = await world.media.set_avatar(ADA, image_bytes("PNG"))

        urls = await world.media.avatar_urls(user)

        assert sorted(urls) == [64, 128, 256]

    async def test_no_avatar_no_urls(self, world: World) -> None:
        assert await world.media.avatar_urls(await world.user(ADA)) == {}


class TestQuestionAssets:
    @pytest.mark.parametrize(
        "principal",
        [pytest.param(SETTER, id="its-setter"), pytest.param(ADMIN, id="an-admin")],
    )
    async def test_the_setter_or_an_admin_adds_an_image(
        self, world: World, principal: Principal
    ) -> None:
        data = image_bytes("GIF", (30, 10))

        asset = await world.media.add_question_asset(principal, "two-sum", data)

        assert (asset.width, asset.height, asset.media_type) == (30, 10, "image/gif")
        stored = next(iter(world.storage.files.values()))
        assert stored.data == data  # statement images are kept as sent

    @pytest.mark.parametrize(
        "principal",
        [
            pytest.param(ADA, id="a-player"),
            pytest.param(OTHER_SETTER, id="another-setter"),
        ],
    )
    async def test_anyone_else_is_refused(
        self, world: World, principal: Principal
    ) -> None:
        with pytest.raises(PermissionDenied):
            await world.media.add_question_asset(
                principal, "two-sum", image_bytes("PNG")
            )

        assert world.storage.files == {}


class TestUploadAuth:
    async def test_a_store_without_direct_uploads_says_so(self, world: World) -> None:
        with pytest.raises(MediaNotConfigured):
            await world.media.upload_auth(ADA)
