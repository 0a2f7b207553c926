"""Errors as RFC 9457 problem details: the one place that knows status codes.

``PROBLEMS`` maps every error the core and the adapters raise to a status and a
stable ``type``; a test fails when an error class has no entry of its own. Errors
from Litestar itself (validation, unknown route, wrong method, oversized body) get
the same shape, and anything unexpected becomes a 500 that shows no internals.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from bitcode_adapters.cache import CacheUnavailable
from bitcode_adapters.events import EventBusUnavailable
from bitcode_adapters.ladder.redis import RankIndexUnavailable, RebuildInterrupted
from bitcode_adapters.openid_provider import IdentityProviderUnavailable
from bitcode_adapters.problem_zip import ArchiveTooLarge, UnsafeArchive
from bitcode_adapters.rating_file import RatingFileCorrupt
from bitcode_adapters.redis_rate_limiter import RateLimiterUnavailable
from bitcode_adapters.rooms import LobbyStoreUnavailable
from bitcode_adapters.smtp_mail import MailDeliveryFailed
from bitcode_adapters.sql.database import DatabaseUnavailable
from bitcode_core import errors
from bitcode_http.schemas import FieldError, ProblemDetails

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://bitcode.dev/problems/"


@dataclass(frozen=True, slots=True)
class Problem:
    status: int
    title: str

    def type_uri(self, code: str) -> str:
        return TYPE_BASE + code


PROBLEMS: dict[type[errors.BitCodeError], Problem] = {
    errors.BitCodeError: Problem(500, "Internal error"),
    errors.InvalidQuestion: Problem(422, "Invalid question"),
    errors.UnsupportedQuestion: Problem(422, "Unsupported question"),
    errors.UnknownLanguage: Problem(422, "Unknown language"),
    errors.LanguageUnavailable: Problem(422, "Language unavailable"),
    errors.SandboxUnavailable: Problem(503, "Sandbox unavailable"),
    errors.JudgeFailure: Problem(503, "Judge failure"),
    errors.BattleRuleViolation: Problem(409, "Not allowed by the battle rules"),
    errors.BattleOver: Problem(409, "Battle over"),
    errors.RoomRuleViolation: Problem(409, "Not allowed by the room rules"),
    errors.InvalidInput: Problem(422, "Invalid input"),
    errors.WeakPassword: Problem(422, "Weak password"),
    errors.InvalidMedia: Problem(422, "Invalid image"),
    errors.UnsupportedImageType: Problem(415, "Unsupported image type"),
    errors.MediaTooLarge: Problem(413, "File too large"),
    errors.ImageTooLarge: Problem(422, "Image too large"),
    errors.MediaNotConfigured: Problem(404, "Media not configured"),
    errors.MediaStorageUnavailable: Problem(503, "Media storage unavailable"),
    errors.Conflict: Problem(409, "Conflict"),
    errors.NotAuthenticated: Problem(401, "Not authenticated"),
    errors.InvalidCredentials: Problem(401, "Invalid credentials"),
    errors.InvalidToken: Problem(401, "Invalid token"),
    errors.PermissionDenied: Problem(403, "Permission denied"),
    errors.EmailNotVerified: Problem(403, "Email not verified"),
    errors.MediaNotInYourFolder: Problem(403, "Media not in your folder"),
    errors.NotConfigured: Problem(503, "Not configured"),
    errors.GoogleSignInNotConfigured: Problem(503, "Google sign-in not configured"),
    errors.NotFound: Problem(404, "Not found"),
    errors.QuestionNotFound: Problem(404, "Question not found"),
    errors.MediaFileNotFound: Problem(404, "Media file not found"),
    errors.RoomNotFound: Problem(404, "Room not found"),
    errors.BattleNotFound: Problem(404, "Battle not found"),
    errors.SubmissionNotFound: Problem(404, "Submission not found"),
    errors.SeasonNotFound: Problem(404, "Season not found"),
    errors.UserNotFound: Problem(404, "User not found"),
    errors.NotRanked: Problem(404, "Not ranked"),
    errors.RateLimited: Problem(429, "Too many requests"),
    DatabaseUnavailable: Problem(503, "Database unavailable"),
    RankIndexUnavailable: Problem(503, "Leaderboard index unavailable"),
    RebuildInterrupted: Problem(503, "Leaderboard index rebuild interrupted"),
    MailDeliveryFailed: Problem(503, "Mail delivery failed"),
    RateLimiterUnavailable: Problem(503, "Rate limiter unavailable"),
    CacheUnavailable: Problem(503, "Cache unavailable"),
    EventBusUnavailable: Problem(503, "Event bus unavailable"),
    LobbyStoreUnavailable: Problem(503, "Lobby store unavailable"),
    IdentityProviderUnavailable: Problem(503, "Sign-in provider unavailable"),
    RatingFileCorrupt: Problem(500, "Rating file corrupt"),
    UnsafeArchive: Problem(400, "Unsafe archive"),
    ArchiveTooLarge: Problem(413, "Archive too large"),
}

# Problems the HTTP layer raises on its own, by code.
VALIDATION = "validation-error"
_HTTP_CODES = {
    400: ("bad-request", "Bad request"),
    401: ("not-authenticated", "Not authenticated"),
    403: ("permission-denied", "Permission denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}
_INTERNAL = ("internal-error", "Internal error")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")


def problem_for(error: errors.BitCodeError) -> Problem:
    """The entry of the error's class, or of its nearest ancestor that has one."""
    for kind in type(error).__mro__:
        if kind in PROBLEMS:
            return PROBLEMS[kind]
    return PROBLEMS[errors.BitCodeError]


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    field_errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ProblemDetails]:
    body = ProblemDetails(
        type=TYPE_BASE + code,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        errors=field_errors or [],
    )
    return Response(
        body, status_code=status, media_type=PROBLEM_JSON, headers=headers or {}
    )


def _core_error(
    request: Request[Any, Any, Any], error: errors.BitCodeError
) -> Response[ProblemDetails]:
    problem = problem_for(error)
    headers: dict[str, str] = {}
    field_errors: list[FieldError] = []
    if isinstance(error, errors.RateLimited):
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after_s)))
    if isinstance(error, errors.NotAuthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="bitcode"'
    if isinstance(error, errors.InvalidInput) and error.field:
        field_errors.append(FieldError(field=error.field, message=error.message))
    detail = error.message
    if problem.status >= 500 and not isinstance(error, errors.NotConfigured):
        # A broken dependency is logged with its cause; the client learns only
        # which kind of failure it was.
        logger.error(
            "request.failed",
            exc_info=error,
            extra={"code": error.code, "path": request.url.path},
        )
        detail = type(error).default_message
    return problem_response(
        request,
        status=problem.status,
        code=error.code,
        title=problem.title,
        detail=detail,
        field_errors=field_errors,
        headers=headers,
    )


def _validation_error(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[ProblemDetails]:
    field_errors = [
        _field_error(item)
        for item in (error.extra if isinstance(error.extra, list) else [])
        if isinstance(item, dict)
    ]
    return problem_response(
        request,
        status=400,
        code=VALIDATION,
        title="Invalid request",
        detail="The request does not match the API's schema.",
        field_errors=field_errors,
    )


def _field_error(item: dict[str, Any]) -> FieldError:
    key = str(item.get("key", ""))
    message = str(item.get("message", ""))
    # msgspec reports a missing field on the body as a whole: name the field.
    if missing := _MISSING_FIELD.search(message):
        key = ".".join(p for p in (key.removeprefix("data"), missing[1]) if p)
    return FieldError(field=key.lstrip("."), message=message)


def _http_error(
    request: Request[Any, Any, Any], error: HTTPException
) -> Response[ProblemDetails]:
    status = error.status_code
    if status >= 500:
        return _unexpected(request, error)
    code, title = _HTTP_CODES.get(status, ("http-error", "Request refused"))
    headers = dict(error.headers or {})
    return problem_response(
        request,
        status=status,
        code=code,
        title=title,
        detail=_http_detail(error, title),
        headers=headers,
    )


def _http_detail(error: HTTPException, title: str) -> str:
    if isinstance(error, NotFoundException):
        return "No such resource."
    detail = str(error.detail or "").strip()
    return detail if detail and len(detail) <= 200 else title


def _unexpected(
    request: Request[Any, Any, Any], error: Exception
) -> Response[ProblemDetails]:
    logger.error("request.crashed", exc_info=error, extra={"path": request.url.path})
    code, title = _INTERNAL
    return problem_response(
        request,
        status=500,
        code=code,
        title=title,
        detail="The server failed to handle this request; it has been logged.",
    )


def exception_handlers() -> ExceptionHandlersMap:
    return {
        errors.BitCodeError: _core_error,
        ValidationException: _validation_error,
        HTTPException: _http_error,
        Exception: _unexpected,
    }


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problems a route can answer with, plus the ones
    every route can (a malformed request, an unexpected failure)."""
    return {
        status: ResponseSpec(
            data_container=ProblemDetails,
            media_type=PROBLEM_JSON,
            description=_describe(status),
            generate_examples=False,
        )
        for status in sorted({400, 500, *statuses})
    }


def _describe(status: int) -> str:
    known = {s: t for s, (_, t) in _HTTP_CODES.items()}
    known |= {409: "Conflict", 422: "Invalid input", 503: "Service unavailable"}
    return known.get(status, _INTERNAL[1] if status >= 500 else "Problem")


__all__ = [
    "PROBLEMS",
    "PROBLEM_JSON",
    "Problem",
    "documented",
    "exception_handlers",
    "problem_for",
    "problem_response",
]
