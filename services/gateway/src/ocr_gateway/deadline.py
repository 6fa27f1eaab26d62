"""One deadline per request (REQUEST_TIMEOUT): past it the gateway answers 504 `request_timeout` itself.

Peer calls have their own timeouts, but a request makes several (detection, then recognition in
chunks), so their sum can be long. The ingress (and any proxy in front) is set to wait longer than this
deadline: the client then always gets the gateway's answer, never a proxy's timeout after which the
gateway would still finish and store the result (and a retry would store a second copy).

For the same reason a request that has begun to store what it read (`seen_through()`) is no longer cut off: it
finishes and answers what it stored, a little late, instead of a 504 for a page that is stored all the same.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocr_common.errors import error_body

# The running request's deadline (its asyncio.Timeout), for seen_through().
_deadline: ContextVar[asyncio.Timeout | None] = ContextVar("request_deadline", default=None)


class RequestDeadline:
    """Pure ASGI middleware: cancels the request's work at the deadline and answers 504, unless the
    answer has already started (then the connection is closed, as any cut-off stream would be)."""

    def __init__(self, app: ASGIApp, seconds: float):
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ("/healthz", "/readyz"):
            await self.app(scope, receive, send)
            return
        started = False

        async def send_once_started(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(self.seconds) as deadline:
                token = _deadline.set(deadline)
                try:
                    await self.app(scope, receive, send_once_started)
                finally:
                    _deadline.reset(token)
        except TimeoutError:
            if started:
                raise
            body = error_body("request_timeout", f"the request took longer than {self.seconds:g} s")
            await JSONResponse(body, status_code=504)(scope, receive, send)


def seen_through() -> None:
    """Lifts this request's deadline: from here on it stores what it read, and a 504 would make a client retry and
    store it a second time. (Called between awaits: a deadline that has already fired cancelled the await before.)"""
    deadline = _deadline.get()
    if deadline is not None and not deadline.expired():
        deadline.reschedule(None)


T = TypeVar("T")


@asynccontextmanager
async def held(take: Callable[[], T], give_back: Callable[[T], object]) -> AsyncIterator[T]:
    """Takes something in a worker thread (a quota reservation, an idempotency claim) and gives it back, with what
    `take` returned, when the body fails. The deadline may cancel the request while `take` is still writing in its
    thread, which goes on regardless: the give-back then waits for it, so that it never comes before the write it
    undoes."""
    taking = asyncio.ensure_future(run_in_threadpool(take))
    try:
        yield await asyncio.shield(taking)
    except BaseException:
        await asyncio.wait([taking])
        if not taking.cancelled() and taking.exception() is None:
            await run_in_threadpool(give_back, taking.result())
        raise
