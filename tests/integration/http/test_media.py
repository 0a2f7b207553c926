"""Avatars, question images and direct-upload signatures over HTTP, on SQLite
and PostgreSQL, with media on disk (the default) and on the fake ImageKit."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from bitcode_core.accounts.model import Role
from tests.images import SECRET, image_bytes, jpeg_with_gps, opened, png_bomb
from tests.integration.fake_imagekit import (
    PRIVATE_KEY,
    PUBLIC_KEY,
    URL_ENDPOINT,
    FakeImageKit,
)
from tests.integration.http.conftest import Api, problem, question_body

MAX_BYTES = 64 * 1024


def imagekit_variables(fake: FakeImageKit) -> dict[str, str]:
    return {
        "IMAGEKIT_PUBLIC_KEY": PUBLIC_KEY,
        "IMAGEKIT_PRIVATE_KEY": PRIVATE_KEY,
        "IMAGEKIT_URL_ENDPOINT": URL_ENDPOINT,
        "IMAGEKIT_BASE_URL": fake.url,
        "IMAGEKIT_TIMEOUT_SECONDS": "0.5",
    }


@dataclass
class Setup:
    """The API, and the fake ImageKit when the media go there."""

    api: Api
    imagekit: FakeImageKit | None

    def stored_bytes(self, url: str) -> bytes:
        if self.imagekit is None:
            response = fetched(self.api, url)
            assert response.status_code == 200
            return bytes(response.content)
        file = self.imagekit.by_path(url.removeprefix(URL_ENDPOINT))
        assert file is not None, f"{url} is not on the fake ImageKit"
        return file.data


@pytest.fixture(
    params=[pytest.param("disk", id="disk"), pytest.param("imagekit", id="imagekit")]
)
def setup(request: pytest.FixtureRequest, make_api: Callable[..., Api]) -> Setup:
    variables = {"MEDIA_MAX_BYTES": str(MAX_BYTES)}
    if request.param == "disk":
        return Setup(make_api(**variables), None)
    fake: FakeImageKit = request.getfixturevalue("imagekit")
    return Setup(make_api(**variables, **imagekit_variables(fake)), fake)


@pytest.fixture
def disk_api(make_api: Callable[..., Api]) -> Api:
    return make_api(MEDIA_MAX_BYTES=str(MAX_BYTES))


@pytest.fixture
def imagekit_api(make_api: Callable[..., Api], imagekit: FakeImageKit) -> Api:
    return make_api(MEDIA_MAX_BYTES=str(MAX_BYTES), **imagekit_variables(imagekit))


def upload(
    api: Api,
    headers: dict[str, str],
    data: bytes,
    name: str = "avatar.png",
    content_type: str = "image/png",
) -> Any:
    return api.put(
        "/users/me/avatar", files={"file": (name, data, content_type)}, headers=headers
    )


def fetched(api: Api, url: str) -> Any:
    """An image the API serves itself, by the URL it gave."""
    return api.get(urlsplit(url).path)


class TestUploadingAnAvatar:
    def test_a_new_player_uploads_an_avatar_and_sees_it_on_their_profile(
        self, setup: Setup
    ) -> None:
        media_api = setup.api
        headers = media_api.user("newcomer")

        uploaded = upload(media_api, headers, image_bytes("PNG", (300, 300)))
        me = media_api.get("/users/me", headers=headers).json()
        public = media_api.get("/users/newcomer").json()

        assert uploaded.status_code == 200, uploaded.text
        url = uploaded.json()["avatar_url"]
        assert me["avatar_url"] == public["avatar_url"] == url
        assert me["avatar_urls"] == public["avatar_urls"]
        assert sorted(me["avatar_urls"], key=int) == ["64", "128", "256"]
        assert f"/avatars/{me['id']}/" in url
        if media_api.settings.imagekit:
            assert url.startswith(URL_ENDPOINT + "/avatars/")
            assert me["avatar_urls"]["128"] == url.replace(
                URL_ENDPOINT, URL_ENDPOINT + "/tr:w-128,h-128"
            )
        else:
            assert url.startswith(media_api.settings.public_url + "/media/avatars/")
            assert set(me["avatar_urls"].values()) == {url}
        assert opened(setup.stored_bytes(url)).size == (300, 300)

    def test_the_image_can_be_the_body_itself(self, disk_api: Api) -> None:
        headers = disk_api.user("alice")

        response = disk_api.put(
            "/users/me/avatar",
            content=image_bytes("WEBP"),
            headers={**headers, "Content-Type": "application/octet-stream"},
        )

        assert response.status_code == 200, response.text
        assert response.json()["avatar_url"].endswith(".webp")

    def test_the_exif_and_gps_of_a_photo_are_gone_from_the_stored_file(
        self, setup: Setup
    ) -> None:
        headers = setup.api.user("alice")

        response = upload(setup.api, headers, jpeg_with_gps(), "me.jpg", "image/jpeg")

        stored = setup.stored_bytes(response.json()["avatar_url"])
        assert SECRET.encode() not in stored
        assert dict(opened(stored).getexif()) == {}

    def test_the_login_answer_shows_the_avatar_sizes_too(self, disk_api: Api) -> None:
        upload(disk_api, disk_api.user("alice"), image_bytes("PNG"))

        signed_in = disk_api.login("alice")

        assert sorted(signed_in["user"]["avatar_urls"], key=int) == ["64", "128", "256"]

    def test_without_a_token_it_is_refused(self, disk_api: Api) -> None:
        response = upload(disk_api, {}, image_bytes("PNG"))

        assert response.status_code == 401


class TestRefusedUploads:
    @pytest.mark.parametrize(
        ("data", "name", "status", "code"),
        [
            pytest.param(
                b"<html><script>alert(1)</script></html>",
                "avatar.png",
                415,
                "unsupported-image-type",
                id="named-png-but-html",
            ),
            pytest.param(
                b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
                "avatar.svg",
                415,
                "unsupported-image-type",
                id="svg",
            ),
            pytest.param(
                b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
                "avatar.png",
                422,
                "invalid-media",
                id="malformed",
            ),
            pytest.param(png_bomb(), "bomb.png", 422, "image-too-large", id="bomb"),
            pytest.param(
                png_bomb(5000, 5000), "bomb.png", 422, "image-too-large", id="5000px"
            ),
            pytest.param(
                b"\x89PNG\r\n\x1a\n".ljust(MAX_BYTES + 1, b"\x00"),
                "big.png",
                413,
                "media-too-large",
                id="one-byte-over",
            ),
            pytest.param(b"", "empty.png", 422, "invalid-media", id="empty"),
        ],
    )
    def test_a_bad_file_is_a_problem_and_the_old_avatar_stays(
        self, disk_api: Api, data: bytes, name: str, status: int, code: str
    ) -> None:
        headers = disk_api.user("alice")
        before = upload(disk_api, headers, image_bytes("PNG")).json()["avatar_url"]

        response = upload(disk_api, headers, data, name)

        assert response.status_code == status, response.text
        assert problem(response)["code"] == code
        me = disk_api.get("/users/me", headers=headers).json()
        assert me["avatar_url"] == before
        assert fetched(disk_api, before).status_code == 200

    def test_a_body_far_past_the_limit_is_refused_before_it_is_read(
        self, disk_api: Api
    ) -> None:
        headers = disk_api.user("alice")

        response = upload(disk_api, headers, b"\x89PNG\r\n\x1a\n" + b"0" * 200_000)

        assert response.status_code == 413
        assert problem(response)["status"] == 413

    def test_jpeg_bytes_named_png_are_stored_as_the_jpeg_they_are(
        self, disk_api: Api
    ) -> None:
        headers = disk_api.user("alice")

        response = upload(disk_api, headers, image_bytes("JPEG"), "a.png", "image/png")

        url = response.json()["avatar_url"]
        assert url.endswith(".jpg")
        assert fetched(disk_api, url).headers["content-type"] == "image/jpeg"

    def test_a_form_without_the_file_field_is_a_problem(self, disk_api: Api) -> None:
        headers = disk_api.user("alice")

        response = disk_api.put(
            "/users/me/avatar",
            files={"picture": ("a.png", image_bytes("PNG"), "image/png")},
            headers=headers,
        )

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "file"


class TestReplacingAndRemoving:
    def test_a_new_avatar_deletes_the_old_file(self, setup: Setup) -> None:
        headers = setup.api.user("alice")
        first = upload(setup.api, headers, image_bytes("PNG")).json()["avatar_url"]

        second = upload(setup.api, headers, image_bytes("GIF")).json()["avatar_url"]

        assert first != second
        if setup.imagekit is not None:
            paths = [f.path for f in setup.imagekit.files.values()]
            assert paths == [second.removeprefix(URL_ENDPOINT)]
        else:
            assert fetched(setup.api, first).status_code == 404
            assert fetched(setup.api, second).status_code == 200

    def test_removing_the_avatar_clears_the_profile_and_deletes_the_file(
        self, disk_api: Api
    ) -> None:
        headers = disk_api.user("alice")
        url = upload(disk_api, headers, image_bytes("PNG")).json()["avatar_url"]

        response = disk_api.delete("/users/me/avatar", headers=headers)

        assert response.status_code == 200
        assert (response.json()["avatar_url"], response.json()["avatar_urls"]) == (
            None,
            {},
        )
        assert disk_api.get("/users/alice").json()["avatar_url"] is None
        assert fetched(disk_api, url).status_code == 404

    def test_deleting_the_account_deletes_the_avatar(self, disk_api: Api) -> None:
        headers = disk_api.user("alice")
        url = upload(disk_api, headers, image_bytes("PNG")).json()["avatar_url"]

        disk_api.request(
            "DELETE",
            "/users/me",
            json={"password": "correct horse battery staple"},
            headers=headers,
        )

        assert fetched(disk_api, url).status_code == 404


class TestImageKitFailures:
    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param("timeout", id="timeout"),
            pytest.param("401", id="unauthorized"),
            pytest.param("500", id="server-error"),
        ],
    )
    def test_a_failed_upload_is_a_clear_problem_and_the_old_avatar_stays(
        self,
        imagekit_api: Api,
        imagekit: FakeImageKit,
        failure: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        headers = imagekit_api.user("alice")
        before = upload(imagekit_api, headers, image_bytes("PNG")).json()
        imagekit.fail_with = failure  # type: ignore[assignment]

        with caplog.at_level(logging.INFO):
            response = upload(imagekit_api, headers, image_bytes("JPEG"))

        body = problem(response)
        assert response.status_code == 503
        assert body["type"] == "https://bitcode.dev/problems/media-storage-unavailable"
        assert "nothing was changed" in body["detail"]
        assert PRIVATE_KEY not in response.text
        logged = caplog.text + "".join(
            logging.Formatter().formatException(r.exc_info)
            for r in caplog.records
            if r.exc_info
        )
        assert "ImageKit's upload" in logged
        assert PRIVATE_KEY not in logged
        imagekit.fail_with = None
        me = imagekit_api.get("/users/me", headers=headers).json()
        assert me["avatar_url"] == before["avatar_url"]
        assert [f.path for f in imagekit.files.values()] == [
            before["avatar_url"].removeprefix(URL_ENDPOINT)
        ]


class TestDirectUploadSignatures:
    def test_a_player_gets_a_fresh_signature_for_their_own_folder(
        self, imagekit_api: Api
    ) -> None:
        headers = imagekit_api.user("alice")
        user_id = imagekit_api.get("/users/me", headers=headers).json()["id"]

        first = imagekit_api.post("/media/upload-auth", headers=headers)
        second = imagekit_api.post("/media/upload-auth", headers=headers)

        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "no-store"
        auth = first.json()
        assert auth["token"] != second.json()["token"]
        assert time.time() < auth["expire"] < time.time() + 3600
        assert auth["folder"] == f"/avatars/{user_id}"
        assert auth["public_key"] == PUBLIC_KEY
        expected = hmac.new(
            PRIVATE_KEY.encode(),
            f"{auth['token']}{auth['expire']}".encode(),
            hashlib.sha1,
        ).hexdigest()
        assert auth["signature"] == expected
        assert PRIVATE_KEY not in first.text

    def test_the_signature_uploads_one_file_to_imagekit(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        auth = imagekit_api.post(
            "/media/upload-auth", headers=imagekit_api.user("alice")
        ).json()
        form = {
            "fileName": "me.png",
            "folder": auth["folder"],
            "token": auth["token"],
            "expire": str(auth["expire"]),
            "signature": auth["signature"],
            "publicKey": auth["public_key"],
        }

        with httpx.Client() as http:
            first = http.post(
                auth["upload_url"], data=form, files={"file": image_bytes("PNG")}
            )
            replayed = http.post(
                auth["upload_url"], data=form, files={"file": image_bytes("PNG")}
            )

        assert first.status_code == 200, first.text
        assert replayed.status_code == 400
        assert [f.client_side for f in imagekit.files.values()] == [True]

    def test_without_imagekit_it_says_it_is_not_configured(self, disk_api: Api) -> None:
        response = disk_api.post("/media/upload-auth", headers=disk_api.user("alice"))

        assert response.status_code == 404
        assert problem(response)["code"] == "media-not-configured"
        assert "ImageKit" in problem(response)["detail"]

    def test_without_a_token_it_is_refused(self, imagekit_api: Api) -> None:
        assert imagekit_api.post("/media/upload-auth").status_code == 401


def direct_upload(
    api: Api,
    headers: dict[str, str],
    data: bytes,
    folder: str | None = None,
    name: str = "me.png",
) -> str:
    """Upload straight to the fake ImageKit with a fresh signature, into the
    folder the API named or ``folder``; the new file's id."""
    auth = api.post("/media/upload-auth", headers=headers).json()
    form = {
        "fileName": name,
        "folder": auth["folder"] if folder is None else folder,
        "token": auth["token"],
        "expire": str(auth["expire"]),
        "signature": auth["signature"],
        "publicKey": auth["public_key"],
    }
    with httpx.Client() as http:
        response = http.post(auth["upload_url"], data=form, files={"file": data})
    assert response.status_code == 200, response.text
    file_id: str = response.json()["fileId"]
    return file_id


def register(api: Api, headers: dict[str, str], file_id: str) -> Any:
    return api.put(
        "/users/me/avatar/uploaded", json={"file_id": file_id}, headers=headers
    )


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        out, format="PNG"
    )
    return out.getvalue()


@dataclass
class Player:
    headers: dict[str, str]
    id: str
    avatar_url: str


def player_with_avatar(api: Api, username: str) -> Player:
    headers = api.user(username)
    me = upload(api, headers, image_bytes("PNG")).json()
    return Player(headers, me["id"], me["avatar_url"])


def assert_refused_and_kept(
    api: Api,
    imagekit: FakeImageKit,
    player: Player,
    response: Any,
    *,
    status: int,
    code: str,
) -> None:
    assert response.status_code == status, response.text
    body = problem(response)
    assert body["type"] == f"https://bitcode.dev/problems/{code}"
    assert body["code"] == code
    me = api.get("/users/me", headers=player.headers).json()
    assert me["avatar_url"] == player.avatar_url
    assert imagekit.by_path(player.avatar_url.removeprefix(URL_ENDPOINT))


class TestRegisteringADirectUpload:
    def test_a_file_in_your_own_folder_becomes_your_avatar_on_your_profile(
        self, imagekit_api: Api
    ) -> None:
        headers = imagekit_api.user("alice")
        user_id = imagekit_api.get("/users/me", headers=headers).json()["id"]
        file_id = direct_upload(imagekit_api, headers, image_bytes("WEBP", (90, 60)))

        response = register(imagekit_api, headers, file_id)

        assert response.status_code == 200, response.text
        url = f"{URL_ENDPOINT}/avatars/{user_id}/me.png"
        me = imagekit_api.get("/users/me", headers=headers).json()
        public = imagekit_api.get("/users/alice").json()
        assert response.json()["avatar_url"] == me["avatar_url"] == url
        assert public["avatar_url"] == url
        assert public["avatar_urls"]["128"] == url.replace(
            URL_ENDPOINT, URL_ENDPOINT + "/tr:w-128,h-128"
        )
        assert sorted(me["avatar_urls"], key=int) == ["64", "128", "256"]

    def test_the_replaced_avatar_file_is_deleted(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        first = direct_upload(imagekit_api, alice.headers, image_bytes("PNG"))
        register(imagekit_api, alice.headers, first)
        second = direct_upload(
            imagekit_api, alice.headers, image_bytes("GIF"), name="two.gif"
        )

        response = register(imagekit_api, alice.headers, second)

        assert response.status_code == 200, response.text
        assert list(imagekit.files) == [second]

    def test_registering_the_current_avatar_again_keeps_its_file(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        headers = imagekit_api.user("alice")
        file_id = direct_upload(imagekit_api, headers, image_bytes("PNG"))
        first = register(imagekit_api, headers, file_id).json()

        again = register(imagekit_api, headers, file_id)

        assert again.status_code == 200
        assert again.json()["avatar_url"] == first["avatar_url"]
        assert list(imagekit.files) == [file_id]

    def test_a_file_in_another_players_folder_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        mallory = player_with_avatar(imagekit_api, "mallory")
        planted = direct_upload(
            imagekit_api,
            mallory.headers,
            image_bytes("PNG"),
            folder=f"/avatars/{alice.id}",
        )

        response = register(imagekit_api, mallory.headers, planted)

        assert_refused_and_kept(
            imagekit_api,
            imagekit,
            mallory,
            response,
            status=403,
            code="media-not-in-your-folder",
        )
        alice_now = imagekit_api.get("/users/alice").json()
        assert alice_now["avatar_url"] == alice.avatar_url

    def test_a_file_at_the_root_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        file_id = direct_upload(
            imagekit_api, alice.headers, image_bytes("PNG"), folder="/"
        )

        response = register(imagekit_api, alice.headers, file_id)

        assert imagekit.files[file_id].path == "/me.png"
        assert_refused_and_kept(
            imagekit_api,
            imagekit,
            alice,
            response,
            status=403,
            code="media-not-in-your-folder",
        )

    def test_a_file_among_a_questions_images_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        setter = imagekit_api.user("setter", Role.SETTER)
        imagekit_api.post("/questions", json=question_body("add-two"), headers=setter)
        asset = imagekit_api.post(
            "/questions/add-two/assets", content=image_bytes("PNG"), headers=setter
        ).json()
        asset_file = imagekit.by_path(asset["url"].removeprefix(URL_ENDPOINT))
        assert asset_file is not None
        alice = player_with_avatar(imagekit_api, "alice")
        planted = direct_upload(
            imagekit_api, alice.headers, image_bytes("PNG"), folder="/questions/add-two"
        )

        by_alice = register(imagekit_api, alice.headers, planted)
        by_setter = register(imagekit_api, setter, asset_file.file_id)

        assert_refused_and_kept(
            imagekit_api,
            imagekit,
            alice,
            by_alice,
            status=403,
            code="media-not-in-your-folder",
        )
        assert by_setter.status_code == 403
        assert asset_file.file_id in imagekit.files

    @pytest.mark.parametrize(
        "below",
        [
            pytest.param("/sub", id="a-folder-inside-yours"),
            pytest.param("x", id="a-folder-whose-name-starts-like-yours"),
        ],
    )
    def test_a_folder_that_only_looks_like_yours_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit, below: str
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        file_id = direct_upload(
            imagekit_api,
            alice.headers,
            image_bytes("PNG"),
            folder=f"/avatars/{alice.id}{below}",
        )

        response = register(imagekit_api, alice.headers, file_id)

        assert_refused_and_kept(
            imagekit_api,
            imagekit,
            alice,
            response,
            status=403,
            code="media-not-in-your-folder",
        )

    def test_a_file_that_is_no_image_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        file_id = direct_upload(
            imagekit_api, alice.headers, b"<html><script>alert(1)</script></html>"
        )

        response = register(imagekit_api, alice.headers, file_id)

        assert_refused_and_kept(
            imagekit_api,
            imagekit,
            alice,
            response,
            status=415,
            code="unsupported-image-type",
        )

    def test_a_file_over_the_byte_limit_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        big = noise_png(200)
        assert len(big) > MAX_BYTES
        file_id = direct_upload(imagekit_api, alice.headers, big)

        response = register(imagekit_api, alice.headers, file_id)

        assert_refused_and_kept(
            imagekit_api, imagekit, alice, response, status=413, code="media-too-large"
        )

    def test_an_image_over_the_pixel_limit_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        file_id = direct_upload(imagekit_api, alice.headers, png_bomb(5000, 5000))

        response = register(imagekit_api, alice.headers, file_id)

        assert_refused_and_kept(
            imagekit_api, imagekit, alice, response, status=422, code="image-too-large"
        )

    def test_an_id_imagekit_does_not_know_is_refused(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")

        response = register(imagekit_api, alice.headers, "0123456789abcdef01234567")

        assert_refused_and_kept(
            imagekit_api,
            imagekit,
            alice,
            response,
            status=404,
            code="media-file-not-found",
        )

    def test_an_id_that_could_not_be_imagekits_is_refused_unasked(
        self, imagekit_api: Api, imagekit: FakeImageKit
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        calls = imagekit.calls

        response = register(imagekit_api, alice.headers, "../../v1/files")

        assert_refused_and_kept(
            imagekit_api, imagekit, alice, response, status=422, code="invalid-input"
        )
        assert problem(response)["errors"][0]["field"] == "file_id"
        assert imagekit.calls == calls

    @pytest.mark.parametrize(
        "failure",
        [
            pytest.param("timeout", id="timeout"),
            pytest.param("401", id="unauthorized"),
            pytest.param("500", id="server-error"),
        ],
    )
    def test_a_failed_details_call_is_a_clear_problem_and_the_old_avatar_stays(
        self,
        imagekit_api: Api,
        imagekit: FakeImageKit,
        failure: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        alice = player_with_avatar(imagekit_api, "alice")
        file_id = direct_upload(imagekit_api, alice.headers, image_bytes("PNG"))
        imagekit.fail_with = failure  # type: ignore[assignment]

        with caplog.at_level(logging.INFO):
            response = register(imagekit_api, alice.headers, file_id)

        imagekit.fail_with = None
        assert_refused_and_kept(
            imagekit_api,
            imagekit,
            alice,
            response,
            status=503,
            code="media-storage-unavailable",
        )
        assert "nothing was changed" in problem(response)["detail"]
        assert PRIVATE_KEY not in response.text
        logged = caplog.text + "".join(
            logging.Formatter().formatException(r.exc_info)
            for r in caplog.records
            if r.exc_info
        )
        assert "ImageKit's file details" in logged
        assert PRIVATE_KEY not in logged

    def test_without_imagekit_it_says_it_is_not_configured(self, disk_api: Api) -> None:
        response = register(disk_api, disk_api.user("alice"), "abc123")

        assert response.status_code == 404
        assert problem(response)["code"] == "media-not-configured"

    def test_without_a_token_it_is_refused(self, imagekit_api: Api) -> None:
        assert register(imagekit_api, {}, "abc123").status_code == 401


class TestQuestionAssets:
    def test_the_setter_adds_an_image_usable_in_the_statement(
        self, setup: Setup
    ) -> None:
        media_api = setup.api
        headers = media_api.user("setter", Role.SETTER)
        media_api.post("/questions", json=question_body("add-two"), headers=headers)

        response = media_api.post(
            "/questions/add-two/assets",
            files={"file": ("figure.gif", image_bytes("GIF", (30, 10)), "image/gif")},
            headers=headers,
        )

        assert response.status_code == 201, response.text
        asset = response.json()
        assert "/questions/add-two/" in asset["url"]
        assert asset["markdown"] == f"![]({asset['url']})"
        assert (asset["width"], asset["height"]) == (30, 10)
        if setup.imagekit is None:
            served = fetched(media_api, asset["url"])
            assert served.headers["content-type"] == "image/gif"
        else:
            assert asset["url"].startswith(URL_ENDPOINT + "/questions/add-two/")

    @pytest.mark.parametrize(
        ("role", "question", "status"),
        [
            pytest.param(Role.PLAYER, "add-two", 403, id="a-player"),
            pytest.param(Role.SETTER, "add-two", 403, id="another-setter"),
            pytest.param(Role.ADMIN, "no-such-question", 404, id="unknown-question"),
        ],
    )
    def test_others_and_unknown_questions_are_refused(
        self, disk_api: Api, role: Role, question: str, status: int
    ) -> None:
        owner = disk_api.user("setter", Role.SETTER)
        disk_api.post("/questions", json=question_body("add-two"), headers=owner)
        headers = disk_api.user("someone", role)

        response = disk_api.post(
            f"/questions/{question}/assets",
            content=image_bytes("PNG"),
            headers=headers,
        )

        assert response.status_code == status


class TestServingFromDisk:
    def test_an_image_is_served_with_safe_headers(self, disk_api: Api) -> None:
        headers = disk_api.user("alice")
        url = upload(disk_api, headers, image_bytes("PNG")).json()["avatar_url"]

        response = fetched(disk_api, url)

        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert opened(response.content).format == "PNG"

    @pytest.mark.parametrize(
        "path",
        [
            pytest.param("/media/../secret_key", id="parent"),
            pytest.param("/media/avatars/..%2f..%2fsecret_key", id="encoded-parent"),
            pytest.param("/media/%2e%2e/%2e%2e/secret_key", id="encoded-dots"),
            pytest.param("/media/avatars/x/..%2F..%2F..%2Fsecret_key.png", id="mixed"),
            pytest.param("/media//etc/passwd", id="absolute"),
            pytest.param("/media/secret_key", id="outside-the-kinds"),
        ],
    )
    def test_no_path_reaches_outside_the_media_folder(
        self, disk_api: Api, path: str
    ) -> None:
        secret = disk_api.settings.data_dir / "secret_key"

        response = disk_api.get(path)

        assert secret.is_file()
        assert response.status_code == 404
        assert secret.read_text() not in response.text

    def test_with_imagekit_the_api_serves_no_files(self, imagekit_api: Api) -> None:
        assert imagekit_api.get("/media/avatars/u1/abc.png").status_code == 404
