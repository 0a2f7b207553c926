"""Media on ImageKit, through the official SDK's async client.

Uploads go to ImageKit's upload API with the private key (HTTP Basic auth);
deletions and file details (what ImageKit itself read of a file a client
uploaded directly) to its files API. ``base_url`` points both APIs at another
host (the tests' fake ImageKit); left unset, the SDK uses ImageKit's own hosts. URLs are
built by the SDK on the URL endpoint, with a ``tr:w-N,h-N`` transformation
in the path for each size.
"""

from __future__ import annotations

import imagekitio

from bitcode_core.errors import MediaStorageUnavailable
from bitcode_core.media.model import (
    PreparedImage,
    StoredMedia,
    UploadAuth,
    UploadedFile,
)

UPLOAD_URL = "https://upload.imagekit.io/api/v1/files/upload"
_UPLOAD_PATH = "/api/v1/files/upload"


def imagekit_client(
    private_key: str,
    *,
    base_url: str | None = None,
    timeout_s: float = 15.0,
    max_retries: int = 1,
) -> imagekitio.AsyncImageKit:
    return imagekitio.AsyncImageKit(
        private_key=private_key,
        base_url=base_url,
        timeout=timeout_s,
        max_retries=max_retries,
    )


class ImageKitMediaStorage:
    def __init__(
        self,
        client: imagekitio.AsyncImageKit,
        *,
        public_key: str,
        url_endpoint: str,
        base_url: str | None = None,
    ) -> None:
        self._client = client
        self._public_key = public_key
        self._endpoint = url_endpoint.rstrip("/")
        self._upload_url = (
            UPLOAD_URL if base_url is None else base_url.rstrip("/") + _UPLOAD_PATH
        )

    def __repr__(self) -> str:
        return f"ImageKitMediaStorage(url_endpoint={self._endpoint!r})"

    async def store(self, folder: str, name: str, image: PreparedImage) -> StoredMedia:
        try:
            uploaded = await self._client.files.upload(
                file=(name, image.data, image.format.media_type),
                file_name=name,
                folder=folder,
                use_unique_file_name=False,
            )
        except imagekitio.APIError as error:
            raise MediaStorageUnavailable(_failure("upload", error)) from error
        if not uploaded.file_id or not uploaded.url:
            raise MediaStorageUnavailable("ImageKit's upload answered without a file")
        return StoredMedia(uploaded.file_id, uploaded.url)

    async def delete(self, file_id: str) -> None:
        try:
            await self._client.files.delete(file_id)
        except imagekitio.NotFoundError:
            return
        except imagekitio.APIError as error:
            raise MediaStorageUnavailable(_failure("delete", error)) from error

    async def sized_url(self, url: str, size: int) -> str:
        path = self._path_of(url)
        if path is None:
            return url
        return await self._client.helper.build_url(
            src=path,
            url_endpoint=self._endpoint,
            transformation=[{"width": size, "height": size}],
            transformation_position="path",
        )

    async def upload_auth(self, folder: str, token: str, expire: int) -> UploadAuth:
        signed = await self._client.helper.get_authentication_parameters(
            token=token, expire=expire
        )
        return UploadAuth(
            token=signed["token"],
            expire=int(signed["expire"]),
            signature=signed["signature"],
            public_key=self._public_key,
            folder=folder,
            upload_url=self._upload_url,
        )

    async def uploaded(self, file_id: str) -> UploadedFile | None:
        try:
            found = await self._client.files.get(file_id)
        except imagekitio.NotFoundError:
            return None
        except imagekitio.APIError as error:
            raise MediaStorageUnavailable(_failure("file details", error)) from error
        if not found.file_id or not found.url or not found.file_path:
            raise MediaStorageUnavailable("ImageKit's file details named no file")
        return UploadedFile(
            file_id=found.file_id,
            url=found.url,
            path=found.file_path,
            is_image=found.file_type == "image",
            mime=found.mime or "",
            size=int(found.size or 0),
            width=int(found.width or 0),
            height=int(found.height or 0),
        )

    async def close(self) -> None:
        await self._client.close()

    def _path_of(self, url: str) -> str | None:
        """The file's path on the URL endpoint, if ``url`` is on it."""
        prefix = self._endpoint + "/"
        if not url.startswith(prefix) or "?" in url or "/tr:" in url:
            return None
        return url.removeprefix(self._endpoint)


def _failure(call: str, error: imagekitio.APIError) -> str:
    """What went wrong, for the log (the client sees only the error's kind)."""
    if isinstance(error, imagekitio.APIStatusError):
        return f"ImageKit's {call} answered {error.status_code}"
    return f"ImageKit's {call} failed: {type(error).__name__}"
