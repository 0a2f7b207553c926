"""The upload rules: the type read from the bytes, the caps, folders, expiry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_core.errors import (
    ImageTooLarge,
    InvalidInput,
    InvalidMedia,
    MediaTooLarge,
    UnsupportedImageType,
)
from bitcode_core.media import rules
from bitcode_core.media.model import ImageFormat, MediaKind, MediaRules
from tests.images import image_bytes

SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ImageFormat.PNG,
    b"\xff\xd8\xff": ImageFormat.JPEG,
    b"GIF87a": ImageFormat.GIF,
    b"GIF89a": ImageFormat.GIF,
}
RULES = MediaRules(max_bytes=1000, max_pixels=100, max_side=20)


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
