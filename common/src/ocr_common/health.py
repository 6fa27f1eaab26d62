"""Liveness (/healthz) and readiness (/readyz) routes."""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class HealthStatus(BaseModel):
    status: str
    checks: dict[str, bool] = {}
    details: dict[str, float] = {}   # figures for operators (e.g. a backlog); they do not decide readiness


def health_router(readiness_checks: Callable[[], dict[str, bool] | Awaitable[dict[str, bool]]],
                  details: Callable[[], dict[str, float]] | None = None) -> APIRouter:
    """`readiness_checks` returns (or awaits to) named booleans; the service is ready when all are true.
    `details`, called after the checks, adds figures to the answer."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=HealthStatus)
    def healthz() -> HealthStatus:
        """The process is alive."""
        return HealthStatus(status="ok")

    @router.get("/readyz", response_model=HealthStatus, responses={503: {"model": HealthStatus}})
    async def readyz():
        """The service can do its work (models loaded, peers reachable)."""
        checks = readiness_checks()
        if inspect.isawaitable(checks):
            checks = await checks
        ok = all(checks.values())
        body = HealthStatus(status="ok" if ok else "unavailable", checks=checks, details=details() if details else {})
        return body if ok else JSONResponse(body.model_dump(), status_code=503)

    return router
