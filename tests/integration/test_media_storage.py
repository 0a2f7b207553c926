"""The media stores, one contract for all: in memory, on disk, and on ImageKit
through the official SDK pointed at the fake ImageKit on loopback."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bitcode_adapters.media import (
    ImageKitMediaStorage,
    InMemoryMediaStorage,
    LocalMediaStorage,
    imagekit_client,
)
from bitcode_core.errors import MediaNotConfigured, MediaStorageUnavailable
from bitcode_core.media.model import ImageFormat, PreparedImage, UploadedFile
from bitcode_core.media.ports import MediaStorage
from tests.images import image_bytes
from tests.integration.fake_imagekit import (
    PRIVATE_KEY,
    PUBLIC_KEY,
    URL_ENDPOINT,
    FakeImageKit,
)

pytestmark = pytest.mark.anyio

PNG = PreparedImage(image_bytes("PNG"), ImageFormat.PNG, 40, 20)
JPEG = PreparedImage(image_bytes("JPEG"), ImageFormat.JPEG, 40, 20)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _imagekit(
    fake: FakeImageKit, private_key: str = PRIVATE_KEY, timeout_s: float = 5.0
) -> ImageKitMediaStorage:
    client = imagekit_client(
        private_key, base_url=fake.url, timeout_s=timeout_s, max_retries=0
    )
    return ImageKitMediaStorage(
        client, public_key=PUBLIC_KEY, url_endpoint=URL_ENDPOINT, base_url=fake.url
    )


@pytest.fixture
async def imagekit_storage(
    imagekit: FakeImageKit,
) -> AsyncIterator[ImageKitMediaStorage]:
    storage = await _imagekit(imagekit)
    yield storage
    await storage.close()


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("local", id="local"),
        pytest.param("imagekit", id="imagekit"),
    ]
)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStorage:
    if request.param == "memory":
        return InMemoryMediaStorage()
    if request.param == "local":
        return LocalMediaStorage(tmp_path / "media", "http://bitcode.test")
    store: ImageKitMediaStorage = request.getfixturevalue("imagekit_storage")
    return store


class TestTheStoreContract:
    async def test_a_stored_file_gets_an_id_and_a_url(
        self, storage: MediaStorage
    ) -> None:
        stored = await storage.store("/avatars/u1", "abc.png", PNG)

        assert stored.file_id
        assert stored.url.endswith("/avatars/u1/abc.png")

    async def test_two_files_get_two_ids(self, storage: MediaStorage) -> None:
        first = await storage.store("/avatars/u1", "a.png", PNG)
        second = await storage.store("/avatars/u1", "b.jpg", JPEG)

        assert first.file_id != second.file_id

    async def test_deleting_twice_is_not_an_error(self, storage: MediaStorage) -> None:
        stored = await storage.store("/avatars/u1", "abc.png", PNG)

        await storage.delete(stored.file_id)
        await storage.delete(stored.file_id)

    async def test_a_url_from_elsewhere_is_shown_as_it_is(
        self, storage: MediaStorage
    ) -> None:
        elsewhere = "https://lh3.googleusercontent.example/a/photo.jpg"

        assert await storage.sized_url(elsewhere, 64) == elsewhere


class TestLocalStore:
    async def test_a_file_reads_back_with_its_format(self, tmp_path: Path) -> None:
        storage = LocalMediaStorage(tmp_path, "http://bitcode.test/")
        stored = await storage.store("/avatars/u1", "abc.png", PNG)

        found = await storage.read(stored.file_id)

        assert stored.url == "http://bitcode.test/media/avatars/u1/abc.png"
        assert found == (PNG.data, ImageFormat.PNG)

    @pytest.mark.parametrize(
        "file_id",
        [
            pytest.param("../secret_key", id="parent"),
            pytest.param("avatars/../../secret_key", id="dot-dot-inside"),
            pytest.param("/etc/passwd", id="absolute"),
            pytest.param("avatars/u1/abc.html", id="other-extension"),
            pytest.param("avatars/u1/", id="folder"),
            pytest.param("avatars/u1/a%2f..png", id="encoded"),
            pytest.param("secret_key", id="outside-the-kinds"),
        ],
    )
    async def test_nothing_outside_the_media_files_is_read(
        self, tmp_path: Path, file_id: str
    ) -> None:
        (tmp_path / "secret_key").write_text("hunter2")
        storage = LocalMediaStorage(tmp_path / "media", "http://bitcode.test")

        assert await storage.read(file_id) is None

    async def test_a_file_whose_bytes_deny_its_extension_is_not_served(
        self, tmp_path: Path
    ) -> None:
        storage = LocalMediaStorage(tmp_path, "http://bitcode.test")
        planted = tmp_path / "avatars" / "u1" / "x.png"
        planted.parent.mkdir(parents=True)
        planted.write_bytes(b"<script>alert(1)</script>")

        assert await storage.read("avatars/u1/x.png") is None

    async def test_a_disk_that_refuses_writes_is_unavailable(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / "media").write_text("a file where the folder should be")
        storage = LocalMediaStorage(tmp_path / "media", "http://bitcode.test")

        with pytest.raises(MediaStorageUnavailable):
            await storage.store("/avatars/u1", "abc.png", PNG)

    async def test_it_takes_no_direct_uploads(self, tmp_path: Path) -> None:
        storage = LocalMediaStorage(tmp_path, "http://bitcode.test")

        with pytest.raises(MediaNotConfigured):
            await storage.upload_auth("/avatars/u1", "token", int(time.time()) + 60)
        with pytest.raises(MediaNotConfigured):
            await storage.uploaded("some-file-id")


class TestImageKitStore:
    async def test_an_upload_lands_in_its_folder_with_its_bytes(
        self, imagekit: FakeImageKit, imagekit_storage: ImageKitMediaStorage
    ) -> None:
        stored = await imagekit_storage.store("/avatars/u1", "abc.png", PNG)

        file = imagekit.files[stored.file_id]
        assert (file.path, file.data, file.client_side) == (
            "/avatars/u1/abc.png",
            PNG.data,
            False,
        )
        assert stored.url == f"{URL_ENDPOINT}/avatars/u1/abc.png"

    async def test_a_delete_removes_it_by_id(
        self, imagekit: FakeImageKit, imagekit_storage: ImageKitMediaStorage
    ) -> None:
        stored = await imagekit_storage.store("/avatars/u1", "abc.png", PNG)

        await imagekit_storage.delete(stored.file_id)

        assert imagekit.files == {}

    async def test_sized_urls_carry_an_imagekit_transformation(
        self, imagekit_storage: ImageKitMediaStorage
    ) -> None:
        url = f"{URL_ENDPOINT}/avatars/u1/abc.png"

        sized = await imagekit_storage.sized_url(url, 128)

        assert sized == f"{URL_ENDPOINT}/tr:w-128,h-128/avatars/u1/abc.png"

    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param("401", id="unauthorized"),
            pytest.param("500", id="server-error"),
            pytest.param("timeout", id="timeout"),
        ],
    )
    async def test_a_failing_imagekit_is_unavailable(
        self, imagekit: FakeImageKit, failure: str
    ) -> None:
        imagekit.fail_with = failure  # type: ignore[assignment]
        storage = await _imagekit(imagekit, timeout_s=0.5)

        try:
            with pytest.raises(MediaStorageUnavailable):
                await storage.store("/avatars/u1", "abc.png", PNG)
            with pytest.raises(MediaStorageUnavailable):
                await storage.delete("some-file-id")
            with pytest.raises(MediaStorageUnavailable):
                await storage.uploaded("some-file-id")
        finally:
            await storage.close()

    async def test_a_wrong_private_key_is_refused_by_imagekit(
        self, imagekit: FakeImageKit
    ) -> None:
        storage = await _imagekit(imagekit, private_key="private_wrong=")

        try:
            with pytest.raises(MediaStorageUnavailable) as raised:
                await storage.store("/avatars/u1", "abc.png", PNG)
        finally:
            await storage.close()

        assert imagekit.files == {}
        assert "private_wrong" not in str(raised.value)


class TestImageKitDirectUploads:
    async def test_the_signature_is_hmac_sha1_of_token_and_expire(
        self, imagekit_storage: ImageKitMediaStorage, imagekit: FakeImageKit
    ) -> None:
        expire = int(time.time()) + 600

        auth = await imagekit_storage.upload_auth("/avatars/u1", "tok-1", expire)

        expected = hmac.new(
            PRIVATE_KEY.encode(), f"tok-1{expire}".encode(), hashlib.sha1
        ).hexdigest()
        assert (auth.token, auth.expire, auth.signature) == ("tok-1", expire, expected)
        assert (auth.public_key, auth.folder) == (PUBLIC_KEY, "/avatars/u1")
        assert auth.upload_url == f"{imagekit.url}/api/v1/files/upload"

    async def test_a_client_uploads_once_with_it_and_never_again(
        self, imagekit_storage: ImageKitMediaStorage, imagekit: FakeImageKit
    ) -> None:
        auth = await imagekit_storage.upload_auth(
            "/avatars/u1", "tok-2", int(time.time()) + 600
        )
        form = {
            "fileName": "me.png",
            "folder": auth.folder,
            "token": auth.token,
            "expire": str(auth.expire),
            "signature": auth.signature,
            "publicKey": auth.public_key,
        }

        async with httpx.AsyncClient() as http:
            first = await http.post(
                auth.upload_url, data=form, files={"file": ("me.png", PNG.data)}
            )
            again = await http.post(
                auth.upload_url, data=form, files={"file": ("me.png", PNG.data)}
            )

        assert first.status_code == 200, first.text
        assert again.status_code == 400
        uploaded = imagekit.files[first.json()["fileId"]]
        assert (uploaded.path, uploaded.client_side) == ("/avatars/u1/me.png", True)

    async def test_imagekit_reports_what_a_client_uploaded_read_from_its_bytes(
        self, imagekit_storage: ImageKitMediaStorage
    ) -> None:
        file_id = await _client_upload(
            imagekit_storage, "/avatars/u1", "me.png", image_bytes("JPEG", (30, 12))
        )

        found = await imagekit_storage.uploaded(file_id)

        assert found == UploadedFile(
            file_id=file_id,
            url=f"{URL_ENDPOINT}/avatars/u1/me.png",
            path="/avatars/u1/me.png",
            is_image=True,
            mime="image/jpeg",
            size=len(image_bytes("JPEG", (30, 12))),
            width=30,
            height=12,
        )

    async def test_a_file_that_is_no_image_is_reported_as_such(
        self, imagekit_storage: ImageKitMediaStorage
    ) -> None:
        file_id = await _client_upload(
            imagekit_storage, "/avatars/u1", "me.png", b"<script>alert(1)</script>"
        )

        found = await imagekit_storage.uploaded(file_id)

        assert found is not None
        assert (found.is_image, found.width, found.height) == (False, 0, 0)

    async def test_an_unknown_id_is_no_file(
        self, imagekit_storage: ImageKitMediaStorage
    ) -> None:
        assert await imagekit_storage.uploaded("no-such-file") is None

    async def test_file_details_need_the_private_key(
        self, imagekit: FakeImageKit
    ) -> None:
        good = await _imagekit(imagekit)
        wrong = await _imagekit(imagekit, private_key="private_wrong=")
        try:
            stored = await good.store("/avatars/u1", "abc.png", PNG)
            with pytest.raises(MediaStorageUnavailable) as raised:
                await wrong.uploaded(stored.file_id)
        finally:
            await good.close()
            await wrong.close()

        assert "401" in str(raised.value)


async def _client_upload(
    storage: ImageKitMediaStorage, folder: str, name: str, data: bytes
) -> str:
    """Upload as a client would, with a fresh signature; the new file's id."""
    auth = await storage.upload_auth(folder, uuid.uuid4().hex, int(time.time()) + 600)
    form = {
        "fileName": name,
        "folder": auth.folder,
        "token": auth.token,
        "expire": str(auth.expire),
        "signature": auth.signature,
        "publicKey": auth.public_key,
    }
    async with httpx.AsyncClient() as http:
        response = await http.post(
            auth.upload_url, data=form, files={"file": (name, data)}
        )
    assert response.status_code == 200, response.text
    file_id: str = response.json()["fileId"]
    return file_id
