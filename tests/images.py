"""Image files for the media tests, made on the spot with Pillow."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin

# Metadata that must never survive an avatar upload.
SECRET = "Secret Street 42"  # noqa: S105 - a street, not a password
GPS_IFD = 0x8825
ORIENTATION = 0x0112
IMAGE_DESCRIPTION = 0x010E


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (40, 20), color: str = "red"
) -> bytes:
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 1) -> bytes:
    """A JPEG whose EXIF holds a GPS position, a description and an orientation."""
    exif = Image.Exif()
    exif[IMAGE_DESCRIPTION] = SECRET
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (40, 20)) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    out = io.BytesIO()
    Image.new("RGBA", size, "green").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels: one row of
    zeros compressed, the rest missing. Decoding it would need gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # greyscale
    row = zlib.compress(b"\x00" * (width + 1), 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", row)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
