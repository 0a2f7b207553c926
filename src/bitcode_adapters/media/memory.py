"""Media kept in a dictionary: for tests and single-process runs."""

from __future__ import annotations

from bitcode_core.errors import MediaNotConfigured
from bitcode_core.media.model import (
    PreparedImage,
    StoredMedia,
    UploadAuth,
    UploadedFile,
)

BASE_URL = "memory://media"


class InMemoryMediaStorage:
    def __init__(self) -> None:
        self.files: dict[str, PreparedImage] = {}

    async def store(self, folder: str, name: str, image: PreparedImage) -> StoredMedia:
        file_id = f"{folder.strip('/')}/{name}"
        self.files[file_id] = image
        return StoredMedia(file_id, f"{BASE_URL}/{file_id}")

    async def delete(self, file_id: str) -> None:
        self.files.pop(file_id, None)

    async def sized_url(self, url: str, size: int) -> str:
        return url

    async def upload_auth(self, folder: str, token: str, expire: int) -> UploadAuth:
        raise MediaNotConfigured()

    async def uploaded(self, file_id: str) -> UploadedFile | None:
        raise MediaNotConfigured()
