"""Who is calling and what they may do: the route dependencies of authentication, limits and priority.

With AUTH_ENABLED off (`make up`) every caller is the anonymous principal: no credentials, no
ownership, no limits (unless LIMIT_ANONYMOUS), and priority=high for anyone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ocr_common.admission import PRIORITY_HEADER, Priority
from ocr_common.errors import ApiError

from .auth import ANONYMOUS, Principal
from .limits import retry_after
from .usage import seconds_to_midnight

# Declared for the OpenAPI document (and its "Authorize" button); the headers are read below.
_bearer = HTTPBearer(auto_error=False, description="a JWT (HS256 secret or JWKS) or an API key `ocm_...`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key `ocm_...` (instead of Bearer)")


@dataclass(frozen=True)
class Caller:
    principal: Principal
    priority: Priority
    auth: bool            # authentication is on: results are checked against their owner
    limited: bool         # rate limit and daily quota apply

    @property
    def owner(self) -> str | None:
        return self.principal.owner

    def may_see(self, owner: str | None) -> bool:
        return not self.auth or (owner is not None and owner == self.principal.owner)


async def _principal(request: Request, _b=Security(_bearer), _k=Security(_api_key)) -> Principal:
    services = request.app.state.services
    if not services.settings.AUTH_ENABLED:
        return ANONYMOUS
    return await run_in_threadpool(services.auth.authenticate, request.headers.get("authorization"),
                                   request.headers.get("x-api-key"))


async def current_caller(request: Request, principal: Annotated[Principal, Depends(_principal)],
                         priority: Annotated[str | None, Query(pattern="^(?i:high|normal)$",
                                                               description="`high` is served first (if allowed)")] = None,
                         ) -> Caller:
    """Authenticates, applies the owner's rate limit, and checks the requested priority."""
    services = request.app.state.services
    settings = services.settings
    limited = settings.AUTH_ENABLED or settings.LIMIT_ANONYMOUS
    if limited:
        wait = await run_in_threadpool(services.limiter.take, principal.limit_key, principal.rate_per_minute)
        if wait > 0:
            raise ApiError(429, "rate_limited", f"too many requests; retry in {retry_after(wait)} s",
                           headers={"Retry-After": retry_after(wait)})
    wanted = Priority.parse(priority or request.headers.get(PRIORITY_HEADER))
    if wanted == Priority.HIGH and settings.AUTH_ENABLED and not (principal.high_priority or settings.HIGH_PRIORITY_FOR_ALL):
        raise ApiError(403, "priority_not_allowed", "this key or token may not ask for priority=high")
    return Caller(principal, wanted, settings.AUTH_ENABLED, limited)


CallerDep = Annotated[Caller, Depends(current_caller)]


def quota_exceeded(quota: int) -> ApiError:
    wait = seconds_to_midnight()
    return ApiError(429, "quota_exceeded", f"the daily quota of {quota} images is used up; it resets at 00:00 UTC",
                    headers={"Retry-After": str(wait)})
