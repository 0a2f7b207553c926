"""A fake ImageKit speaking the parts of its HTTP API BitCode uses, served by a
real uvicorn on loopback for the test session.

- ``POST /api/v1/files/upload``: multipart, authenticated either with the
  private key (HTTP Basic, as the SDK sends it) or, for client-side uploads,
  with ``token``, ``expire``, ``signature`` and ``publicKey`` (the signature is
  HMAC-SHA1 of token + expire under the private key; a token works once and
  ``expire`` must be less than an hour ahead).
- ``DELETE /v1/files/{fileId}``: Basic auth; 404 for an unknown id.
- ``GET /v1/files/{fileId}/details``: Basic auth; 404 for an unknown id. The
  fake reads the type and the pixel size from the stored bytes (with Pillow),
  not from the name or the ``Content-Type`` sent.

``fail_with`` makes every call answer ``401`` or ``500``, or (``"timeout"``)
hang for longer than any client waits.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import mimetypes
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from litestar import Litestar, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from PIL import Image, UnidentifiedImageError

PRIVATE_KEY = "private_fake_key_for_tests="
PUBLIC_KEY = "public_fake_key_for_tests="
URL_ENDPOINT = "https://ik.imagekit.test/bitcode"
HANG_S = 5.0
START_TIMEOUT_S = 30

Failure = Literal["401", "500", "timeout"]


@dataclass
class FakeFile:
    file_id: str
    folder: str
    name: str
    data: bytes
    client_side: bool

    @property
    def path(self) -> str:
        return f"{self.folder.rstrip('/')}/{self.name}"

    def details(self) -> dict[str, Any]:
        """What ImageKit reports of the file: its type, size and pixels."""
        try:
            with Image.open(io.BytesIO(self.data)) as image:
                mime = image.get_format_mimetype() or ""
                width, height = image.size
                file_type = "image"
        except UnidentifiedImageError:
            mime = mimetypes.guess_type(self.name)[0] or "application/octet-stream"
            width = height = 0
            file_type = "non-image"
        return {
            "type": "file",
            "fileId": self.file_id,
            "name": self.name,
            "filePath": self.path,
            "url": URL_ENDPOINT + self.path,
            "fileType": file_type,
            "mime": mime,
            "size": len(self.data),
            "height": height,
            "width": width,
            "isPrivateFile": False,
        }


@dataclass
class FakeImageKit:
    url: str = ""
    files: dict[str, FakeFile] = field(default_factory=dict)
    fail_with: Failure | None = None
    calls: int = 0
    _spent_tokens: set[str] = field(default_factory=set)

    def reset(self) -> None:
        self.files.clear()
        self._spent_tokens.clear()
        self.fail_with = None
        self.calls = 0

    def by_path(self, path: str) -> FakeFile | None:
        return next((f for f in self.files.values() if f.path == path), None)

    # The HTTP side

    async def upload(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if (failed := await self._failure()) is not None:
            return failed
        form = await request.form()
        client_side = not _basic_auth_ok(request)
        if client_side and (refused := self._client_auth_refusal(form)) is not None:
            return refused
        file = form.get("file")
        name = str(form.get("fileName", ""))
        if not isinstance(file, UploadFile) or not name:
            return _message(400, "Missing file parameter for upload")
        stored = FakeFile(
            uuid.uuid4().hex,
            "/" + str(form.get("folder", "/")).strip("/"),
            name,
            await file.read(),
            client_side,
        )
        for old in [f for f in self.files.values() if f.path == stored.path]:
            del self.files[old.file_id]
        self.files[stored.file_id] = stored
        return Response(stored.details())

    async def details(
        self, request: Request[Any, Any, Any], file_id: str
    ) -> Response[Any]:
        if (failed := await self._failure()) is not None:
            return failed
        if not _basic_auth_ok(request):
            return _message(401, "Your account cannot be authenticated.")
        found = self.files.get(file_id)
        if found is None:
            return _message(404, "The requested file does not exist.")
        return Response(found.details())

    async def delete(
        self, request: Request[Any, Any, Any], file_id: str
    ) -> Response[Any]:
        if (failed := await self._failure()) is not None:
            return failed
        if not _basic_auth_ok(request):
            return _message(401, "Your account cannot be authenticated.")
        if self.files.pop(file_id, None) is None:
            return _message(404, "The requested file does not exist.")
        return Response(None, status_code=204)

    async def _failure(self) -> Response[Any] | None:
        self.calls += 1
        if self.fail_with == "timeout":
            await asyncio.sleep(HANG_S)
            return _message(504, "too late")
        if self.fail_with == "401":
            return _message(401, "Your account cannot be authenticated.")
        if self.fail_with == "500":
            return _message(500, "We have encountered an internal error.")
        return None

    def _client_auth_refusal(self, form: Any) -> Response[Any] | None:
        token = str(form.get("token", ""))
        signature = str(form.get("signature", ""))
        try:
            expire = int(str(form.get("expire", "")))
        except ValueError:
            return _message(401, "Your request contains invalid expire parameter.")
        if form.get("publicKey") != PUBLIC_KEY or not token:
            return _message(401, "Your account cannot be authenticated.")
        expected = hmac.new(
            PRIVATE_KEY.encode(), f"{token}{expire}".encode(), hashlib.sha1
        ).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return _message(401, "Your request contains invalid signature.")
        if not time.time() < expire < time.time() + 3600:
            return _message(400, "The expire parameter must be less than 1 hour.")
        if token in self._spent_tokens:
            return _message(400, "The token has been used before.")
        self._spent_tokens.add(token)
        return None

    def app(self) -> Litestar:
        @post("/api/v1/files/upload", status_code=200)
        async def upload(request: Request[Any, Any, Any]) -> Response[Any]:
            return await self.upload(request)

        @delete("/v1/files/{file_id:str}", status_code=200)
        async def remove(
            request: Request[Any, Any, Any], file_id: FromPath[str]
        ) -> Response[Any]:
            return await self.delete(request, file_id)

        @get("/v1/files/{file_id:str}/details")
        async def details(
            request: Request[Any, Any, Any], file_id: FromPath[str]
        ) -> Response[Any]:
            return await self.details(request, file_id)

        return Litestar(route_handlers=[upload, remove, details], logging_config=None)


def _basic_auth_ok(request: Request[Any, Any, Any]) -> bool:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, _ = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return False
    return hmac.compare_digest(user, PRIVATE_KEY)


def _message(status: int, message: str) -> Response[Any]:
    return Response({"message": message}, status_code=status)


def serve() -> Iterator[FakeImageKit]:
    """Run the fake on a free loopback port until the generator is closed."""
    fake = FakeImageKit()
    config = uvicorn.Config(
        fake.app(),
        host="127.0.0.1",
        port=0,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the fake ImageKit stopped while starting"
        assert time.monotonic() < deadline, "the fake ImageKit did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
