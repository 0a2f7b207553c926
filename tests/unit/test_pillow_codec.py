"""Images decoded and re-encoded by Pillow: bombs, broken files and metadata."""

from __future__ import annotations

import pytest

from bitcode_adapters.media import PillowImageCodec
from bitcode_core.errors import ImageTooLarge, InvalidMedia
from bitcode_core.media.model import ImageFormat, MediaRules
from tests.images import (
    GPS_IFD,
    SECRET,
    image_bytes,
    jpeg_with_gps,
    opened,
    png_bomb,
    png_with_text,
)

pytestmark = pytest.mark.anyio

RULES = MediaRules()
CODEC = PillowImageCodec()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class TestChecking:
    @pytest.mark.parametrize(
        ("fmt", "image_format"),
        [
            pytest.param("PNG", ImageFormat.PNG, id="png"),
            pytest.param("JPEG", ImageFormat.JPEG, id="jpeg"),
            pytest.param("WEBP", ImageFormat.WEBP, id="webp"),
            pytest.param("GIF", ImageFormat.GIF, id="gif"),
        ],
    )
    async def test_a_readable_image_is_kept_byte_for_byte(
        self, fmt: str, image_format: ImageFormat
    ) -> None:
        data = image_bytes(fmt, (30, 10))

        image = await CODEC.prepare(data, image_format, RULES, reencode=False)

        assert (image.data, image.format) == (data, image_format)
        assert (image.width, image.height) == (30, 10)

    @pytest.mark.parametrize(
        ("width", "height"),
        [
            pytest.param(100_000, 100_000, id="past-pillows-own-guard"),
            pytest.param(8000, 8000, id="past-bitcodes-pixel-cap"),
            pytest.param(9000, 1, id="past-the-side-cap"),
        ],
    )
    async def test_a_decompression_bomb_is_refused_from_its_header(
        self, width: int, height: int
    ) -> None:
        bomb = png_bomb(width, height)

        with pytest.raises(ImageTooLarge):
            await CODEC.prepare(bomb, ImageFormat.PNG, RULES, reencode=True)

        assert len(bomb) < 100_000

    @pytest.mark.parametrize(
        ("data", "image_format"),
        [
            pytest.param(
                b"\x89PNG\r\n\x1a\n" + b"junk" * 20, ImageFormat.PNG, id="png"
            ),
            pytest.param(b"\xff\xd8\xff" + b"\x00" * 50, ImageFormat.JPEG, id="jpeg"),
            pytest.param(b"GIF89a" + b"\xff" * 30, ImageFormat.GIF, id="gif"),
            pytest.param(
                b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8,
                ImageFormat.WEBP,
                id="webp",
            ),
            pytest.param(image_bytes("PNG")[:60], ImageFormat.PNG, id="truncated"),
        ],
    )
    async def test_a_malformed_file_is_refused(
        self, data: bytes, image_format: ImageFormat
    ) -> None:
        with pytest.raises(InvalidMedia) as raised:
            await CODEC.prepare(data, image_format, RULES, reencode=False)

        assert raised.value.field == "file"

    async def test_bytes_of_another_format_than_sniffed_are_refused(self) -> None:
        with pytest.raises(InvalidMedia):
            await CODEC.prepare(
                image_bytes("JPEG"), ImageFormat.PNG, RULES, reencode=False
            )


class TestReencoding:
    async def test_exif_and_gps_are_stripped(self) -> None:
        data = jpeg_with_gps()

        image = await CODEC.prepare(data, ImageFormat.JPEG, RULES, reencode=True)

        result = opened(image.data)
        assert image.format is ImageFormat.JPEG
        assert dict(result.getexif()) == {}
        assert result.getexif().get_ifd(GPS_IFD) == {}
        assert SECRET.encode() not in image.data
        assert b"Exif" not in image.data

    async def test_png_text_chunks_are_stripped(self) -> None:
        image = await CODEC.prepare(
            png_with_text(), ImageFormat.PNG, RULES, reencode=True
        )

        assert SECRET.encode() not in image.data
        assert opened(image.data).info.get("Comment") is None

    async def test_the_exif_orientation_is_applied_before_it_is_dropped(
        self,
    ) -> None:
        rotated = jpeg_with_gps(size=(40, 20), orientation=6)  # 90 degrees

        image = await CODEC.prepare(rotated, ImageFormat.JPEG, RULES, reencode=True)

        assert (image.width, image.height) == (20, 40)

    async def test_a_large_avatar_is_shrunk_to_fit_its_square(self) -> None:
        data = image_bytes("PNG", (2000, 1000))

        image = await CODEC.prepare(data, ImageFormat.PNG, RULES, reencode=True)

        assert (image.width, image.height) == (512, 256)
        assert opened(image.data).size == (512, 256)

    async def test_a_gif_avatar_becomes_a_png_of_its_first_frame(self) -> None:
        image = await CODEC.prepare(
            image_bytes("GIF"), ImageFormat.GIF, RULES, reencode=True
        )

        assert image.format is ImageFormat.PNG
        assert opened(image.data).format == "PNG"
