"""Media as files on disk, served by the API itself (the embedded default).

A file's id is its path below the root, such as ``avatars/<user id>/<name>.png``.
Every path is checked against that shape before it touches the disk, so no id
or URL can reach outside the root.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path

from bitcode_core.errors import MediaNotConfigured, MediaStorageUnavailable
from bitcode_core.media.model import (
    ImageFormat,
    MediaKind,
    PreparedImage,
    StoredMedia,
    UploadAuth,
    UploadedFile,
)
from bitcode_core.media.rules import sniff

ROUTE = "/media"
_KINDS = "|".join(kind.value for kind in MediaKind)
_EXTENSIONS = {image_format.extension: image_format for image_format in ImageFormat}
_FILE_ID = re.compile(
    rf"(?:{_KINDS})/[A-Za-z0-9_-]{{1,64}}/[A-Za-z0-9_-]{{1,64}}"
    rf"\.(?:{'|'.join(_EXTENSIONS)})"
)


class LocalMediaStorage:
    def __init__(self, root: Path, public_url: str) -> None:
        self.root = root
        self._base = f"{public_url.rstrip('/')}{ROUTE}/"

    async def store(self, folder: str, name: str, image: PreparedImage) -> StoredMedia:
        file_id = f"{folder.strip('/')}/{name}"
        path = self._path(file_id)
        if path is None:
            raise MediaStorageUnavailable(f"{file_id!r} is not a media file name")
        try:
            await asyncio.to_thread(_write, path, image.data)
        except OSError as error:
            raise MediaStorageUnavailable(f"cannot write {file_id}") from error
        return StoredMedia(file_id, self._base + file_id)

    async def delete(self, file_id: str) -> None:
        path = self._path(file_id)
        if path is None:
            return
        try:
            await asyncio.to_thread(path.unlink, missing_ok=True)
        except OSError as error:
            raise MediaStorageUnavailable() from error

    async def sized_url(self, url: str, size: int) -> str:
        # Avatars are stored shrunk already; browsers scale them the rest.
        return url

    async def upload_auth(self, folder: str, token: str, expire: int) -> UploadAuth:
        raise MediaNotConfigured()

    async def uploaded(self, file_id: str) -> UploadedFile | None:
        raise MediaNotConfigured()

    async def read(self, file_id: str) -> tuple[bytes, ImageFormat] | None:
        """A stored file and its format, or None for anything else."""
        path = self._path(file_id)
        if path is None:
            return None
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as error:
            raise MediaStorageUnavailable() from error
        image_format = _EXTENSIONS[file_id.rsplit(".", 1)[1]]
        # Written by ``store`` after checking; a file put there some other way
        # is never served under a type its bytes deny.
        if sniff(data) is not image_format:
            return None
        return data, image_format

    def _path(self, file_id: str) -> Path | None:
        if not _FILE_ID.fullmatch(file_id):
            return None
        return self.root / file_id


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
