"""One JSON shape for every error a service returns: {"error": code, "detail": message}."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY, RequestBodyLimitMiddleware

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status, a stable machine-readable code and a human message."""

    def __init__(self, status: int, code: str, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


class ErrorResponse(BaseModel):   # every service's error body, as error_body writes it (its OpenAPI schema)
    error: str
    detail: str | list


def error_body(code: str, detail) -> dict:
    return {"error": code, "detail": detail}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.detail), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse(error_body("invalid_request", errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        if exc.status_code == 413:   # a streamed body passed the limit (install_body_limit)
            return too_large(request.scope.get(MAX_BODY_SIZE_SCOPE_KEY))
        return JSONResponse(error_body(code, exc.detail), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)


def answer_database_down(app: FastAPI, exceptions: tuple[type[BaseException], ...]) -> None:
    """`exceptions` (the database driver's "unreachable" errors, e.g. SQLAlchemy's OperationalError and
    InterfaceError) are answered 503 `database_unavailable` with Retry-After: a restart of the database is a
    wait, not a server error."""
    async def _database_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse(error_body("database_unavailable", "the database is not reachable; try again"),
                            status_code=503, headers={"Retry-After": "2"})

    for exception in exceptions:
        app.add_exception_handler(exception, _database_down)


def too_large(limit: int | None) -> JSONResponse:
    return JSONResponse(error_body("request_too_large", f"the request body is over the limit of {limit} bytes"),
                        status_code=413, headers={"Connection": "close"})


class ContentLengthLimit:
    """Answers 413 at once to a request that declares a body over `max_bytes`, before any of it is read."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                await too_large(self.max_bytes)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_body_limit(app: FastAPI, max_bytes: int) -> None:
    """Request bodies over `max_bytes`, files and multipart framing included, are refused with 413
    `request_too_large` before they are spooled: at once from Content-Length, and a chunked body as soon as it
    passes the limit (Starlette's RequestBodyLimitMiddleware counts it as it is received; the HTTPException handler
    above answers). Not FastAPI's `max_body_size`: it sits outside every middleware and answers in plain text."""
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=max_bytes)
    app.add_middleware(ContentLengthLimit, max_bytes=max_bytes)
