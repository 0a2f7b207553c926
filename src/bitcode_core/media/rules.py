"""The rules every upload passes before it leaves the server.

The type is read from the bytes, never from the file name or the
``Content-Type`` the client sent: a file named ``cat.png`` holding HTML is not an
image, and would be served as one.
"""

from __future__ import annotations

import re

from bitcode_core.errors import (
    ImageTooLarge,
    InvalidInput,
    InvalidMedia,
    MediaNotInYourFolder,
    MediaTooLarge,
    UnsupportedImageType,
)
from bitcode_core.media.model import ImageFormat, MediaKind, MediaRules, UploadedFile

# ImageKit folder names allow letters, digits, "_" and "-" between slashes.
_FOLDER_PART = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A store's file id goes into the store's URLs, so it is held to a safe shape.
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BY_MEDIA_TYPE = {image_format.media_type: image_format for image_format in ImageFormat}
# ImageKit caps the expiry of an upload signature at one hour ahead.
UPLOAD_AUTH_MAX_TTL_S = 3600


def sniff(data: bytes) -> ImageFormat | None:
    """The format the leading bytes declare, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return ImageFormat.GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageFormat.WEBP
    return None


def check_upload(data: bytes, rules: MediaRules, *, field: str = "file") -> ImageFormat:
    """The upload's format, or the reason it is refused before decoding."""
    if not data:
        raise InvalidMedia("the file is empty", field=field)
    if len(data) > rules.max_bytes:
        raise MediaTooLarge(
            f"the file has {len(data)} bytes; the limit is {rules.max_bytes}",
            field=field,
        )
    found = sniff(data)
    if found is None:
        raise UnsupportedImageType(field=field)
    return found


def check_dimensions(
    width: int, height: int, rules: MediaRules, *, field: str = "file"
) -> None:
    if width < 1 or height < 1:
        raise InvalidMedia("the image has no pixels", field=field)
    if max(width, height) > rules.max_side or width * height > rules.max_pixels:
        raise ImageTooLarge(
            f"the image is {width} x {height} pixels; the limit is "
            f"{rules.max_pixels} pixels and {rules.max_side} on a side",
            field=field,
        )


def folder(kind: MediaKind, owner: str) -> str:
    """The folder a kind of file is kept in for its owner: ``/avatars/<user id>``."""
    if not _FOLDER_PART.fullmatch(owner):
        raise InvalidInput(f"{owner!r} cannot name a media folder", field="owner")
    return f"/{kind.value}/{owner}"


def file_name(unique: str, image_format: ImageFormat) -> str:
    if not _FOLDER_PART.fullmatch(unique):
        raise InvalidInput("a media file name needs letters and digits only")
    return f"{unique}.{image_format.extension}"


def upload_expiry(now: float, ttl_s: int) -> int:
    """The absolute unix time an upload signature made at ``now`` ends."""
    if not 1 <= ttl_s < UPLOAD_AUTH_MAX_TTL_S:
        raise InvalidInput(
            f"an upload signature lasts 1 to {UPLOAD_AUTH_MAX_TTL_S - 1} seconds"
        )
    return int(now) + ttl_s


def check_file_id(file_id: str, *, field: str = "file_id") -> str:
    if not _FILE_ID.fullmatch(file_id):
        raise InvalidInput(
            "a file id is 1 to 64 letters, digits, '_' or '-'", field=field
        )
    return file_id


def check_uploaded(
    file: UploadedFile, in_folder: str, rules: MediaRules, *, field: str = "file_id"
) -> ImageFormat:
    """The format of a directly uploaded file, once it is known to sit right
    in ``in_folder`` (not below it) and to pass the caps an upload passes.

    The folder comes first: of a file elsewhere nothing else is told.
    """
    parent, _, name = file.path.rpartition("/")
    if parent != in_folder or name in {"", ".", ".."}:
        raise MediaNotInYourFolder(
            f"the file is not in {in_folder}; upload it there and register it again"
        )
    image_format = _BY_MEDIA_TYPE.get(file.mime.lower()) if file.is_image else None
    if image_format is None:
        raise UnsupportedImageType(field=field)
    if file.size > rules.max_bytes:
        raise MediaTooLarge(
            f"the file has {file.size} bytes; the limit is {rules.max_bytes}",
            field=field,
        )
    check_dimensions(file.width, file.height, rules, field=field)
    return image_format
