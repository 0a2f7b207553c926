"""The upload rules: the type read from the bytes, the caps, folders, expiry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_core.errors import (
    ImageTooLarge,
    InvalidInput,
    InvalidMedia,
    MediaNotInYourFolder,
    MediaTooLarge,
    UnsupportedImageType,
)
from bitcode_core.media import rules
from bitcode_core.media.model import ImageFormat, MediaKind, MediaRules, UploadedFile
from tests.images import image_bytes

SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ImageFormat.PNG,
    b"\xff\xd8\xff": ImageFormat.JPEG,
    b"GIF87a": ImageFormat.GIF,
    b"GIF89a": ImageFormat.GIF,
}
RULES = MediaRules(max_bytes=1000, max_pixels=100, max_side=20)
FOLDER = "/avatars/u1"


def uploaded(path: str = f"{FOLDER}/me.png", **changes: object) -> UploadedFile:
    fields: dict[str, object] = {
        "file_id": "f1",
        "url": f"https://ik.example{path}",
        "path": path,
        "is_image": True,
        "mime": "image/png",
        "size": 500,
        "width": 10,
        "height": 10,
        **changes,
    }
    return UploadedFile(**fields)  # type: ignore[arg-type]


class TestSniffing:
    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [
            pytest.param("PNG", ImageFormat.PNG, id="png"),
            pytest.param("JPEG", ImageFormat.JPEG, id="jpeg"),
            pytest.param("WEBP", ImageFormat.WEBP, id="webp"),
            pytest.param("GIF", ImageFormat.GIF, id="gif"),
        ],
    )
    def test_real_files_are_told_by_their_bytes(
        self, fmt: str, expected: ImageFormat
    ) -> None:
        assert rules.sniff(image_bytes(fmt)) is expected

    @given(st.sampled_from(sorted(SIGNATURES)), st.binary(max_size=64))
    def test_a_signature_decides_whatever_follows(
        self, signature: bytes, rest: bytes
    ) -> None:
        assert rules.sniff(signature + rest) is SIGNATURES[signature]

    @given(st.binary(min_size=4, max_size=4), st.binary(max_size=64))
    def test_webp_is_a_riff_container_of_kind_webp(
        self, length: bytes, rest: bytes
    ) -> None:
        assert rules.sniff(b"RIFF" + length + b"WEBP" + rest) is ImageFormat.WEBP
        assert rules.sniff(b"RIFF" + length + b"WAVE" + rest) is None

    @given(st.binary(max_size=64))
    def test_bytes_without_a_known_signature_are_no_image(self, data: bytes) -> None:
        starts = (*SIGNATURES, b"RIFF")
        if not data.startswith(starts):
            assert rules.sniff(data) is None

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
            pytest.param(b"<html><script>alert(1)</script>", id="html"),
            pytest.param(b"\x89PNG", id="truncated-signature"),
            pytest.param(b"BM\x00\x00", id="bmp"),
            pytest.param(b"", id="empty"),
        ],
    )
    def test_lookalikes_are_no_image(self, data: bytes) -> None:
        assert rules.sniff(data) is None


class TestCheckingAnUpload:
    def test_an_image_within_the_cap_passes_with_its_format(self) -> None:
        assert rules.check_upload(b"GIF89a" + b"\x00" * 10, RULES) is ImageFormat.GIF

    @given(st.integers(min_value=1, max_value=200))
    def test_one_byte_over_the_cap_is_too_large(self, extra: int) -> None:
        data = b"\x89PNG\r\n\x1a\n".ljust(RULES.max_bytes + extra, b"\x00")

        with pytest.raises(MediaTooLarge) as raised:
            rules.check_upload(data, RULES)

        assert raised.value.field == "file"

    def test_an_empty_file_is_refused(self) -> None:
        with pytest.raises(InvalidMedia, match="empty"):
            rules.check_upload(b"", RULES)

    def test_a_file_of_another_type_is_unsupported(self) -> None:
        with pytest.raises(UnsupportedImageType):
            rules.check_upload(b"%PDF-1.7", RULES)


class TestDimensions:
    @given(st.integers(1, 20), st.integers(1, 20))
    def test_within_both_caps_passes(self, width: int, height: int) -> None:
        if width * height <= RULES.max_pixels:
            rules.check_dimensions(width, height, RULES)

    @given(st.integers(1, 10**6), st.integers(1, 10**6))
    def test_too_many_pixels_or_too_long_a_side_is_refused(
        self, width: int, height: int
    ) -> None:
        if width * height > RULES.max_pixels or max(width, height) > RULES.max_side:
            with pytest.raises(ImageTooLarge):
                rules.check_dimensions(width, height, RULES)

    def test_an_image_without_pixels_is_refused(self) -> None:
        with pytest.raises(InvalidMedia):
            rules.check_dimensions(0, 10, RULES)


class TestNames:
    def test_an_avatar_folder_is_per_user(self) -> None:
        assert rules.folder(MediaKind.AVATAR, "a1b2") == "/avatars/a1b2"
        assert rules.folder(MediaKind.QUESTION_ASSET, "two-sum") == "/questions/two-sum"

    @pytest.mark.parametrize(
        "owner",
        [
            pytest.param("..", id="dot-dot"),
            pytest.param("a/b", id="slash"),
            pytest.param("", id="empty"),
            pytest.param("x" * 65, id="too-long"),
            pytest.param("a b", id="space"),
        ],
    )
    def test_an_owner_that_could_escape_its_folder_is_refused(self, owner: str) -> None:
        with pytest.raises(InvalidInput):
            rules.folder(MediaKind.AVATAR, owner)

    def test_a_file_name_takes_the_extension_of_its_format(self) -> None:
        assert rules.file_name("abc123", ImageFormat.JPEG) == "abc123.jpg"
        assert rules.file_name("abc123", ImageFormat.WEBP) == "abc123.webp"


class TestUploadExpiry:
    @given(
        st.floats(min_value=0, max_value=4e9, allow_nan=False),
        st.integers(min_value=1, max_value=3599),
    )
    def test_expiry_is_absolute_and_inside_the_hour(
        self, now: float, ttl_s: int
    ) -> None:
        expire = rules.upload_expiry(now, ttl_s)

        assert isinstance(expire, int)
        assert now < expire + 1
        assert expire - now < 3600

    @pytest.mark.parametrize("ttl_s", [0, 3600, 86_400])
    def test_an_hour_or_more_is_refused(self, ttl_s: int) -> None:
        with pytest.raises(InvalidInput):
            rules.upload_expiry(1_700_000_000, ttl_s)


class TestCheckingADirectUpload:
    @pytest.mark.parametrize(
        ("mime", "expected"),
        [
            pytest.param("image/png", ImageFormat.PNG, id="png"),
            pytest.param("image/jpeg", ImageFormat.JPEG, id="jpeg"),
            pytest.param("image/webp", ImageFormat.WEBP, id="webp"),
            pytest.param("IMAGE/GIF", ImageFormat.GIF, id="gif-in-capitals"),
        ],
    )
    def test_an_image_right_in_the_folder_passes_with_its_format(
        self, mime: str, expected: ImageFormat
    ) -> None:
        assert rules.check_uploaded(uploaded(mime=mime), FOLDER, RULES) is expected

    @pytest.mark.parametrize(
        "path",
        [
            pytest.param("/avatars/u2/me.png", id="another-users-folder"),
            pytest.param("/me.png", id="the-root"),
            pytest.param("/questions/two-sum/me.png", id="a-questions-images"),
            pytest.param("/avatars/u1/sub/me.png", id="below-the-folder"),
            pytest.param("/avatars/u1x/me.png", id="a-lookalike-folder"),
            pytest.param("/avatars/u1/", id="the-folder-itself"),
            pytest.param("/avatars/u1/..", id="the-folder-above"),
            pytest.param("avatars/u1/me.png", id="relative"),
        ],
    )
    def test_a_file_anywhere_else_is_not_yours(self, path: str) -> None:
        with pytest.raises(MediaNotInYourFolder):
            rules.check_uploaded(uploaded(path), FOLDER, RULES)

    @given(
        st.lists(
            st.sampled_from(["avatars", "u1", "u2", "u1x", "", "..", "me.png"]),
            max_size=4,
        ).map(lambda parts: "/" + "/".join(parts))
    )
    def test_only_a_name_right_below_the_folder_passes(self, path: str) -> None:
        parent, _, name = path.rpartition("/")
        if parent == FOLDER and name not in {"", ".."}:
            assert rules.check_uploaded(uploaded(path), FOLDER, RULES)
        else:
            with pytest.raises(MediaNotInYourFolder):
                rules.check_uploaded(uploaded(path), FOLDER, RULES)

    def test_the_folder_is_checked_before_anything_else(self) -> None:
        elsewhere = uploaded("/avatars/u2/x.svg", is_image=False, size=10**9)

        with pytest.raises(MediaNotInYourFolder):
            rules.check_uploaded(elsewhere, FOLDER, RULES)

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            pytest.param({"is_image": False}, UnsupportedImageType, id="no-image"),
            pytest.param({"mime": "image/svg+xml"}, UnsupportedImageType, id="svg"),
            pytest.param({"mime": ""}, UnsupportedImageType, id="no-type"),
            pytest.param({"size": 1001}, MediaTooLarge, id="a-byte-over"),
            pytest.param({"width": 21, "height": 1}, ImageTooLarge, id="too-wide"),
            pytest.param({"width": 11, "height": 10}, ImageTooLarge, id="pixels"),
            pytest.param({"width": 0, "height": 0}, InvalidMedia, id="no-pixels"),
        ],
    )
    def test_a_file_in_the_folder_still_passes_the_upload_caps(
        self, changes: dict[str, object], error: type[InvalidMedia]
    ) -> None:
        with pytest.raises(error) as raised:
            rules.check_uploaded(uploaded(**changes), FOLDER, RULES)

        assert raised.value.field == "file_id"

    @pytest.mark.parametrize(
        "file_id",
        [
            pytest.param("../details", id="dot-dot"),
            pytest.param("a/b", id="slash"),
            pytest.param("a?b=c", id="query"),
            pytest.param("", id="empty"),
            pytest.param("x" * 65, id="too-long"),
        ],
    )
    def test_a_file_id_that_could_reach_another_url_is_refused(
        self, file_id: str
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            rules.check_file_id(file_id)

        assert raised.value.field == "file_id"
