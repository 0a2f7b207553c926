"""Images checked and re-encoded with Pillow, in a worker thread.

Pillow reads only the header when it opens a file, so the dimensions are
checked before any pixel is decoded: a 100,000 x 100,000 PNG of a few kilobytes
(a decompression bomb) is refused without allocating its 40 GB.
"""

from __future__ import annotations

import asyncio
import io
import warnings

from PIL import Image, ImageOps

from bitcode_core.errors import ImageTooLarge, InvalidMedia
from bitcode_core.media.model import ImageFormat, MediaRules, PreparedImage
from bitcode_core.media.rules import check_dimensions

_PILLOW_FORMATS = {
    ImageFormat.PNG: "PNG",
    ImageFormat.JPEG: "JPEG",
    ImageFormat.WEBP: "WEBP",
    ImageFormat.GIF: "GIF",
}
# A GIF avatar keeps its first frame only, as a PNG.
_REENCODED = {ImageFormat.GIF: ImageFormat.PNG}
_JPEG_QUALITY = 90


class PillowImageCodec:
    async def prepare(
        self,
        data: bytes,
        image_format: ImageFormat,
        rules: MediaRules,
        *,
        reencode: bool,
    ) -> PreparedImage:
        return await asyncio.to_thread(_prepare, data, image_format, rules, reencode)


def _prepare(
    data: bytes, image_format: ImageFormat, rules: MediaRules, reencode: bool
) -> PreparedImage:
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns first; here a warning refuses too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(
                io.BytesIO(data), formats=[_PILLOW_FORMATS[image_format]]
            ) as image:
                check_dimensions(image.width, image.height, rules)
                if reencode:
                    # JPEG decodes straight to a smaller scale (never below the
                    # square), reading the whole stream at a fraction of the cost.
                    image.draft("RGB", (rules.avatar_side, rules.avatar_side))
                image.load()
                if not reencode:
                    return PreparedImage(data, image_format, image.width, image.height)
                return _reencoded(image, image_format, rules)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow's guard, which trips at open for sizes far past ours.
        raise ImageTooLarge(field="file") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidMedia(
            f"the file is not a readable {image_format.name} image", field="file"
        ) from error


def _reencoded(
    image: Image.Image, image_format: ImageFormat, rules: MediaRules
) -> PreparedImage:
    """A new file from the pixels alone: upright, shrunk, no metadata."""
    target = _REENCODED.get(image_format, image_format)
    upright = ImageOps.exif_transpose(image)
    mode = "RGB" if target is ImageFormat.JPEG else "RGBA"
    pixels = upright.convert(mode)
    pixels.thumbnail((rules.avatar_side, rules.avatar_side))
    # Only what the next line passes is written: no EXIF, GPS, XMP, ICC
    # profile or text chunks survive.
    pixels.info = {}
    out = io.BytesIO()
    options: dict[str, object] = {"exif": b""}
    if target is ImageFormat.JPEG:
        options["quality"] = _JPEG_QUALITY
    pixels.save(out, format=_PILLOW_FORMATS[target], **options)
    return PreparedImage(out.getvalue(), target, pixels.width, pixels.height)
