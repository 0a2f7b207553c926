"""What the media rules and ports speak of: image formats, limits, stored files."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ImageFormat(StrEnum):
    PNG = "png"
    JPEG = "jpeg"
    WEBP = "webp"
    GIF = "gif"

    @property
    def media_type(self) -> str:
        return f"image/{self.value}"

    @property
    def extension(self) -> str:
        return "jpg" if self is ImageFormat.JPEG else self.value


class MediaKind(StrEnum):
    """What a file is for; the value is its top folder."""

    AVATAR = "avatars"
    QUESTION_ASSET = "questions"


@dataclass(frozen=True, slots=True)
class MediaRules:
    max_bytes: int = 5 * 1024 * 1024
    # Checked on the header before any pixel is decoded: 4096 x 4096 RGBA is
    # 64 MiB in memory, the most one upload may cost.
    max_pixels: int = 4096 * 4096
    max_side: int = 8192
    # Avatars are shrunk to fit this square when they are re-encoded.
    avatar_side: int = 512
    # The square sizes, in pixels, that profiles link to.
    avatar_sizes: tuple[int, ...] = (64, 128, 256)
    # ImageKit accepts an upload signature for less than an hour.
    upload_auth_ttl_s: int = 30 * 60


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """Bytes checked to be an image of ``format``, ready to store."""

    data: bytes
    format: ImageFormat
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """A stored file: ``file_id`` deletes it, ``url`` shows it."""

    file_id: str
    url: str


@dataclass(frozen=True, slots=True)
class UploadAuth:
    """What a client needs to upload one file straight to ImageKit."""

    token: str
    expire: int  # unix seconds
    signature: str
    public_key: str
    folder: str
    upload_url: str


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file a client uploaded straight to the store, as the store reports it.

    ``path`` is the file's full path in the store, such as
    ``/avatars/<user id>/me.png``; ``mime``, ``width`` and ``height`` are what
    the store read from the file (empty and 0 when it is not an image).
    """

    file_id: str
    url: str
    path: str
    is_image: bool
    mime: str
    size: int
    width: int
    height: int
