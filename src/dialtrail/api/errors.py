"""One JSON error shape for every 4xx the API answers.

    {"error": "validation_failed", "message": "value: expected a name after '.' at position 4",
     "fields": [{"field": "value", "message": "expected a name after '.'", "position": 4}]}

``message`` is one sentence a person can read; ``fields`` names each offending field (a dotted
path such as ``site_numbers.1``) so that a UI can show the problem next to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dialtrail.secrets import UnreadableSecret

TIME_WITH_LOST_PLUS = re.compile(r"\d \d{2}(:?\d{2})?$")


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    position: int | None = None

    def to_json(self) -> dict[str, Any]:
        problem: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.position is not None:
            problem["position"] = self.position
        return problem


class ApiError(Exception):
    """An answer other than success, raised from anywhere below a route."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Sequence[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = tuple(fields)
        self.headers = headers

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = [problem.to_json() for problem in self.fields]
        return body


def invalid(*problems: FieldProblem) -> ApiError:
    summary = "; ".join(f"{problem.field}: {describe(problem)}" for problem in problems)
    return ApiError(422, "validation_failed", summary, problems)


def invalid_field(field: str, message: str, position: int | None = None) -> ApiError:
    return invalid(FieldProblem(field, message, position))


def describe(problem: FieldProblem) -> str:
    if problem.position is None:
        return problem.message
    return f"{problem.message} at position {problem.position}"


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def conflict(message: str, field: str | None = None) -> ApiError:
    fields = [FieldProblem(field, message)] if field else []
    return ApiError(409, "conflict", message, fields)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def field_path(location: Sequence[int | str]) -> str:
    # Pydantic reports ("body", "site_numbers", 1); the client only knows its own fields.
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def pydantic_message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field; check its spelling against the API reference"
    if error["type"] == "missing":
        return "this field is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    if looks_like_a_decoded_plus(error):
        message += "; a + in a URL's query must be written %2B (a bare + reads as a space)"
    return message


def looks_like_a_decoded_plus(error: dict[str, Any]) -> bool:
    """A time such as 2026-11-27T11:00:00+02:00 typed into a query string arrives with a
    space where its + was."""
    given = error.get("input")
    return (
        str(error["type"]).startswith(("datetime", "date", "time"))
        and isinstance(given, str)
        and bool(TIME_WITH_LOST_PLUS.search(given))
    )


def from_request_validation(error: RequestValidationError) -> ApiError:
    return from_pydantic_errors(list(error.errors()))


def from_pydantic_errors(errors: list[Any]) -> ApiError:
    malformed = [item for item in errors if item["type"] == "json_invalid"]
    if malformed:
        position = (malformed[0].get("loc") or ("body",))[-1]
        reason = malformed[0].get("ctx", {}).get("error", "invalid JSON")
        return ApiError(
            400,
            "malformed_json",
            f"the body is not valid JSON: {reason}",
            [FieldProblem("body", str(reason), position if isinstance(position, int) else None)],
        )
    return invalid(
        *(FieldProblem(field_path(item["loc"]), pydantic_message(item)) for item in errors)
    )


async def handle_api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return JSONResponse(error.to_json(), status_code=error.status, headers=error.headers)


async def handle_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return await handle_api_error(request, from_request_validation(error))


async def handle_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    code = codes.get(error.status_code, "http_error")
    api_error = ApiError(error.status_code, code, str(error.detail), headers=error.headers)
    return await handle_api_error(request, api_error)


async def handle_unreadable_secret(request: Request, error: Exception) -> JSONResponse:
    # A credential sealed under an earlier DIALTRAIL_SECRET_KEY: the user's to fix, not a 500.
    assert isinstance(error, UnreadableSecret)
    return await handle_api_error(request, ApiError(409, "unreadable_secret", str(error)))


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, handle_api_error)
    app.add_exception_handler(UnreadableSecret, handle_unreadable_secret)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
