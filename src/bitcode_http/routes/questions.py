"""The question catalog: browse, read, and (setters, admins) edit or upload."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import (
    FromQuery,
    HeaderParameter,
    JSONBody,
    MultipartBody,
    PathParameter,
    QueryParameter,
)
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from bitcode_adapters.problem_zip import ZipLimits, load_zipped_package
from bitcode_core.accounts.model import Principal, Role
from bitcode_core.catalog.model import CatalogEntry, QuestionFilter
from bitcode_core.catalog.usecases import Catalog
from bitcode_core.errors import Conflict, InvalidInput, PermissionDenied
from bitcode_core.languages import LanguageTable
from bitcode_core.questions import Difficulty
from bitcode_http.principal import SECURED
from bitcode_http.problems import documented
from bitcode_http.schemas import (
    QuestionCreate,
    QuestionDetail,
    QuestionEdit,
    QuestionPage,
)

UPLOAD_LIMITS = ZipLimits()
# Paths under /questions that a question id would shadow, so it could never be
# read or edited there.
ROUTE_NAMES = frozenset({"upload"})
_MULTIPART_OVERHEAD = 64 * 1024


@dataclass
class PackageUpload:
    """A problem package zipped: one folder with ``problem.yaml``, or its files."""

    file: UploadFile


class QuestionsController(Controller):
    path = "/questions"
    tags = ("questions",)

    @get(
        "/",
        responses=documented(422),
        summary="Browse questions (filters, cursor pagination)",
    )
    async def browse(
        self,
        *,
        catalog: NamedDependency[Catalog],
        difficulty: FromQuery[Difficulty | None] = None,
        tag: Annotated[str | None, QueryParameter(max_length=64)] = None,
        q: Annotated[
            str | None, QueryParameter(max_length=200, description="text to look for")
        ] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> QuestionPage:
        page = await catalog.browse(
            QuestionFilter(difficulty=difficulty, tag=tag, text=q), cursor, limit
        )
        return QuestionPage.of(page)

    @get(
        "/{question_id:str}",
        responses=documented(401, 404),
        summary="A question; hidden tests only for its setter and admins",
    )
    async def detail(
        self,
        catalog: NamedDependency[Catalog],
        viewer: NamedDependency[Principal | None],
        question_id: Annotated[str, PathParameter(max_length=64)],
    ) -> Response[QuestionDetail]:
        view = await catalog.detail(question_id, viewer)
        return _with_etag(
            QuestionDetail.of(view.entry, shows_hidden=view.shows_hidden_tests),
            view.entry,
        )

    @post(
        "/",
        security=SECURED,
        responses=documented(401, 403, 409, 422),
        summary="Create a question (setters and admins)",
    )
    async def create(
        self,
        data: JSONBody[QuestionCreate],
        catalog: NamedDependency[Catalog],
        principal: NamedDependency[Principal],
    ) -> Response[QuestionDetail]:
        _refuse_route_name(data.id)
        entry = await catalog.create(principal, data.question(data.id))
        return _with_etag(
            QuestionDetail.of(entry, shows_hidden=True), entry, HTTP_201_CREATED
        )

    @put(
        "/{question_id:str}",
        security=SECURED,
        responses=documented(401, 403, 404, 409, 422),
        summary="Edit a question: stores a new version",
        description="Send the version you edited as `expected_version` or as "
        '`If-Match: "<version>"` to get 409 instead of overwriting a newer edit.',
    )
    async def update(
        self,
        data: JSONBody[QuestionEdit],
        catalog: NamedDependency[Catalog],
        principal: NamedDependency[Principal],
        question_id: Annotated[str, PathParameter(max_length=64)],
        if_match: Annotated[
            str | None, HeaderParameter(name="If-Match", max_length=64)
        ] = None,
    ) -> Response[QuestionDetail]:
        expected = _expected_version(data.expected_version, if_match)
        current = await catalog.detail(question_id, principal)
        question = data.question(question_id, current.entry.question.check)
        entry = await catalog.update(principal, question, expected)
        return _with_etag(QuestionDetail.of(entry, shows_hidden=True), entry)

    @delete(
        "/{question_id:str}",
        security=SECURED,
        responses=documented(401, 403, 404),
        summary="Delete a question (judged submissions keep their version)",
    )
    async def remove(
        self,
        catalog: NamedDependency[Catalog],
        principal: NamedDependency[Principal],
        question_id: Annotated[str, PathParameter(max_length=64)],
    ) -> None:
        await catalog.delete(principal, question_id)

    @post(
        "/upload",
        security=SECURED,
        responses=documented(401, 403, 409, 413, 422),
        request_max_body_size=UPLOAD_LIMITS.compressed_bytes + _MULTIPART_OVERHEAD,
        summary="Upload a problem package as a zip (setters and admins)",
        description="The question id is the archive's top folder, or its file "
        "name. With `replace=true` an existing question gets a new version.",
    )
    async def upload(
        self,
        data: MultipartBody[PackageUpload],
        catalog: NamedDependency[Catalog],
        principal: NamedDependency[Principal],
        languages: NamedDependency[LanguageTable],
        replace: FromQuery[bool] = False,
    ) -> Response[QuestionDetail]:
        if not principal.role.at_least(Role.SETTER):
            # Checked again by the use case; here it spares unpacking the zip.
            raise PermissionDenied("only setters and admins upload questions")
        content = await data.file.read()
        package = await asyncio.to_thread(
            load_zipped_package,
            content,
            data.file.filename or "package.zip",
            languages,
            UPLOAD_LIMITS,
        )
        question = package.question
        _refuse_route_name(question.id)
        try:
            entry = await catalog.create(principal, question)
        except Conflict:
            if not replace:
                raise
            entry = await catalog.update(principal, question)
        return _with_etag(
            QuestionDetail.of(entry, shows_hidden=True), entry, HTTP_201_CREATED
        )


def _refuse_route_name(question_id: str) -> None:
    if question_id in ROUTE_NAMES:
        raise InvalidInput(
            f"{question_id!r} is the name of a route; choose another id", field="id"
        )


def _with_etag(
    body: QuestionDetail, entry: CatalogEntry, status: int = 200
) -> Response[QuestionDetail]:
    return Response(body, status_code=status, headers={"ETag": f'"{entry.version}"'})


def _expected_version(from_body: int | None, if_match: str | None) -> int | None:
    from_header = _parse_if_match(if_match) if if_match is not None else None
    if from_body is not None and from_header is not None and from_body != from_header:
        raise InvalidInput(
            "expected_version and If-Match disagree", field="expected_version"
        )
    return from_body if from_body is not None else from_header


def _parse_if_match(value: str) -> int:
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit() or int(tag) < 1:
        raise InvalidInput(
            'If-Match holds the version edited, such as "3"', field="If-Match"
        )
    return int(tag)


ROUTES: list[ControllerRouterHandler] = [QuestionsController]
