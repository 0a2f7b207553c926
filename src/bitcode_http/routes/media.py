"""Avatars, question images, direct-upload signatures and the files the API
serves itself when media are kept on disk.

Uploads are a multipart form with the image in ``file``, or the image itself
as the body; either way its type is read from its bytes.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from bitcode_adapters.media import LocalMediaStorage
from bitcode_adapters.media.local import ROUTE
from bitcode_core.accounts.model import Principal
from bitcode_core.errors import InvalidMedia
from bitcode_core.media.usecases import Media
from bitcode_http.principal import SECURED
from bitcode_http.problems import documented
from bitcode_http.schemas import Me, QuestionAssetCreated, UploadAuthResponse

# Room for the multipart boundary and headers around the file.
_MULTIPART_OVERHEAD = 64 * 1024
_UPLOAD_PROBLEMS = (401, 413, 415, 422, 503)
# Stored names are unique, so a file never changes under its URL.
_SERVED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
_UPLOAD_DESCRIPTION = (
    "Send a multipart form with the image in `file`, or the image as the body. "
    "PNG, JPEG, WebP or GIF, told by the bytes (not the name or Content-Type)."
)


class UploadedAvatar(msgspec.Struct, kw_only=True):
    """A file uploaded straight to ImageKit, by the ``fileId`` it answered."""

    file_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


async def _uploaded(request: Request[Any, Any, Any]) -> bytes:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return await request.body()
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InvalidMedia("put the image in the form's 'file' field", field="file")
    return await file.read()


def routes(max_bytes: int) -> list[ControllerRouterHandler]:
    """The media routes, taking bodies up to ``max_bytes`` (plus a form's
    framing); the media rules check the exact size."""
    body_limit = max_bytes + _MULTIPART_OVERHEAD

    class AvatarController(Controller):
        path = "/users/me/avatar"
        tags = ("users",)

        @put(
            "/",
            security=SECURED,
            request_max_body_size=body_limit,
            responses=documented(*_UPLOAD_PROBLEMS),
            summary="Upload your avatar (replaces the old one)",
            description=_UPLOAD_DESCRIPTION + " Metadata such as EXIF and GPS is "
            "removed; the image is re-encoded to fit 512 x 512. On a failure "
            "the old avatar stays.",
        )
        async def set_avatar(
            self,
            request: Request[Any, Any, Any],
            media: NamedDependency[Media],
            principal: NamedDependency[Principal],
        ) -> Me:
            user = await media.set_avatar(principal, await _uploaded(request))
            return Me.of(user, await media.avatar_urls(user))

        @put(
            "/uploaded",
            security=SECURED,
            responses=documented(401, 403, 404, 413, 415, 422, 503),
            summary="Make a file you uploaded straight to ImageKit your avatar",
            description="Send the `fileId` ImageKit answered for an upload made "
            "with `POST /media/upload-auth`. BitCode asks ImageKit about the file: "
            "it must be right in your folder (403 `media-not-in-your-folder` "
            "otherwise) and a PNG, JPEG, WebP or GIF within the upload limits. "
            "404 `media-file-not-found` for an id ImageKit does not know, "
            "`media-not-configured` without ImageKit. On a failure the old "
            "avatar stays; a replaced avatar's file is deleted.",
        )
        async def register_uploaded(
            self,
            data: JSONBody[UploadedAvatar],
            media: NamedDependency[Media],
            principal: NamedDependency[Principal],
        ) -> Me:
            user = await media.register_uploaded_avatar(principal, data.file_id)
            return Me.of(user, await media.avatar_urls(user))

        @delete(
            "/",
            status_code=200,
            security=SECURED,
            responses=documented(401, 503),
            summary="Remove your avatar",
        )
        async def remove_avatar(
            self, media: NamedDependency[Media], principal: NamedDependency[Principal]
        ) -> Me:
            user = await media.remove_avatar(principal)
            return Me.of(user, await media.avatar_urls(user))

    class QuestionAssetController(Controller):
        path = "/questions/{question_id:str}/assets"
        tags = ("questions",)

        @post(
            "/",
            security=SECURED,
            request_max_body_size=body_limit,
            responses=documented(403, 404, *_UPLOAD_PROBLEMS),
            summary="Add an image for a question's statement (its setter, admins)",
            description=_UPLOAD_DESCRIPTION + " The answer's `url` (or `markdown`) "
            "goes in the statement.",
        )
        async def add_asset(
            self,
            request: Request[Any, Any, Any],
            media: NamedDependency[Media],
            principal: NamedDependency[Principal],
            question_id: Annotated[str, PathParameter(max_length=64)],
        ) -> Response[QuestionAssetCreated]:
            asset = await media.add_question_asset(
                principal, question_id, await _uploaded(request)
            )
            return Response(
                QuestionAssetCreated.of(asset), status_code=HTTP_201_CREATED
            )

    return [AvatarController, QuestionAssetController, MediaController]


class MediaController(Controller):
    path = ROUTE
    tags = ("media",)

    @post(
        "/upload-auth",
        status_code=200,
        security=SECURED,
        responses=documented(401, 404),
        summary="Sign one direct upload to ImageKit, into your avatar folder",
        description="A new token each call (ImageKit takes each once), an "
        "`expire` unix time under an hour ahead, its signature, the public key "
        "and the exact folder to upload into, `/avatars/<your id>`. The "
        "signature does not bind the folder: an upload counts only once "
        "registered with `PUT /users/me/avatar/uploaded`, which refuses a file "
        "outside that folder. 404 (`media-not-configured`) when ImageKit is not "
        "configured.",
    )
    async def upload_auth(
        self, media: NamedDependency[Media], principal: NamedDependency[Principal]
    ) -> Response[UploadAuthResponse]:
        auth = await media.upload_auth(principal)
        return Response(
            UploadAuthResponse.of(auth), headers={"Cache-Control": "no-store"}
        )

    @get(
        "/{file_id:path}",
        responses=documented(404),
        summary="A stored image (when media are kept on disk)",
        include_in_schema=True,
    )
    async def serve(
        self,
        local_media: NamedDependency[LocalMediaStorage | None],
        file_id: Annotated[str, PathParameter(max_length=300)],
    ) -> Response[bytes]:
        found = None
        if local_media is not None:
            found = await local_media.read(file_id.lstrip("/"))
        if found is None:
            raise NotFoundException()
        data, image_format = found
        return Response(
            data, media_type=image_format.media_type, headers=_SERVED_HEADERS
        )
