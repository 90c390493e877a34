"""Every error the API gives is RFC 9457 ``application/problem+json``.

The one table from domain exception to HTTP status is :data:`STATUS`; the
``type`` of a problem is ``/problems/<slug>``, stable and documented.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.errors import (
    Conflict,
    DiachiError,
    Forbidden,
    InvalidInput,
    NotFound,
    OutsideTerritory,
    Unauthenticated,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("diachi.web")

STATUS: dict[type[DiachiError], int] = {
    OutsideTerritory: 404,
    NotFound: 404,
    InvalidInput: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
}

HTTP_TITLES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Yêu cầu không hợp lệ / Bad request"),
    401: ("unauthorized", "Cần khoá API / API key required"),
    403: ("forbidden", "Không có quyền / Forbidden"),
    404: ("not-found", "Không tìm thấy / Not found"),
    405: ("method-not-allowed", "Phương thức không được hỗ trợ / Method not allowed"),
    409: ("conflict", "Xung đột / Conflict"),
    422: ("invalid-input", "Dữ liệu không hợp lệ / Invalid input"),
    503: ("unavailable", "Dịch vụ tạm thời không sẵn sàng / Service unavailable"),
}


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem-details response."""
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _status_of(exc: DiachiError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def domain_problem(exc: DiachiError, path: str) -> JSONResponse:
    """The problem-details response for a domain error (401 adds WWW-Authenticate)."""
    errors = [{"loc": list(e.loc), "message": e.message} for e in exc.errors]
    status = _status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(
        status, exc.type, exc.title, exc.detail, instance=path, errors=errors, headers=headers
    )


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DiachiError)
    return domain_problem(exc, request.url.path)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "message": e.get("msg", ""), "code": e.get("type", "")}
        for e in exc.errors()
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in errors)
    return problem(
        422,
        "invalid-input",
        HTTP_TITLES[422][1],
        f"invalid value for: {fields}",
        instance=request.url.path,
        errors=errors,
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = HTTP_TITLES.get(exc.status_code, ("http-error", "Lỗi HTTP / HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    return problem(
        exc.status_code,
        slug,
        title,
        detail,
        instance=request.url.path,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        "internal-error",
        "Lỗi hệ thống / Internal error",
        "an unexpected error occurred; it has been logged",
        instance=request.url.path,
    )


def install(app: FastAPI) -> None:
    """Register the problem-details handlers on ``app``."""
    app.add_exception_handler(DiachiError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer: 503, so clients retry later."""
    log.error("database unavailable on %s: %s", request.url.path, exc)
    return problem(
        503,
        "database-unavailable",
        HTTP_TITLES[503][1],
        "the database is not reachable; try again shortly",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )
