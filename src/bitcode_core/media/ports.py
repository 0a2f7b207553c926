"""Ports the media use cases need."""

from __future__ import annotations

from typing import Protocol

from bitcode_core.media.model import (
    ImageFormat,
    MediaRules,
    PreparedImage,
    StoredMedia,
    UploadAuth,
    UploadedFile,
)


class MediaStorage(Protocol):
    """Where images are kept and how their URLs are made.

    Every failure of the store itself is ``MediaStorageUnavailable``; a call
    that raised stored nothing the caller must know about.
    """

    async def store(self, folder: str, name: str, image: PreparedImage) -> StoredMedia:
        """Keep ``image`` as ``folder/name``, replacing any file of that name."""
        ...

    async def delete(self, file_id: str) -> None:
        """Remove a stored file; a file already gone is not an error."""
        ...

    async def sized_url(self, url: str, size: int) -> str:
        """A URL showing the image at ``url`` as a ``size`` pixel square, or
        ``url`` itself when the store cannot resize (or the image is not its)."""
        ...

    async def upload_auth(self, folder: str, token: str, expire: int) -> UploadAuth:
        """Signed parameters for one direct client upload into ``folder``;
        ``MediaNotConfigured`` when the store takes no direct uploads."""
        ...

    async def uploaded(self, file_id: str) -> UploadedFile | None:
        """What the store itself reports of a file, asked by its id; None when
        it has no such file, ``MediaNotConfigured`` when the store takes no
        direct uploads."""
        ...


class ImageCodec(Protocol):
    """Decodes images to check them; implementations keep the work off the
    event loop and read the dimensions before decoding any pixel."""

    async def prepare(
        self,
        data: bytes,
        image_format: ImageFormat,
        rules: MediaRules,
        *,
        reencode: bool,
    ) -> PreparedImage:
        """``data`` checked to decode as ``image_format`` within the limits
        (``InvalidMedia`` otherwise). With ``reencode``, a new file without
        any metadata (EXIF, GPS, comments), upright and shrunk to fit
        ``rules.avatar_side``; otherwise ``data`` unchanged."""
        ...
