"""Typed async HTTP clients for the gateway's peers: detection, recognition, image-store.

Each client keeps one pooled httpx connection set, has explicit timeouts, and retries connect
errors only (a request that reached a peer is never sent twice). Failures become clear JSON
errors: 504 when a peer is too slow, 502 when it is down or answers badly, and 503 (with the
peer's Retry-After) when a model service's queue is full, so callers back off instead of timing out.
The model calls carry the request's priority (`X-Priority: high|normal`).
"""
from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from ocr_common.admission import Priority, queue_headers
from ocr_common.detection import DetectResponse, reduced_page_query
from ocr_common.errors import ApiError
from ocr_common.recognition import RecognizedLine, RecognizeResponse
from ocr_common.search import StoredSearchResults

log = logging.getLogger(__name__)

Detection = DetectResponse        # the model services' answers, declared once in ocr_common
Recognition = RecognizeResponse


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


class PeerClient:
    def __init__(self, name: str, base_url: str, timeout: float, connect_timeout: float, retries: int):
        self.name = name
        self.http = httpx.AsyncClient(
            base_url=str(base_url).rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=httpx.AsyncHTTPTransport(retries=retries),  # httpx retries connect errors only
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, path: str, **kw) -> httpx.Response:
        request = self.http.build_request(method, path, **kw)
        # The body in one piece: httpx writes a multipart body part by part, one socket write (and timeout scope)
        # for each, which cost a page of 50 line images 8 ms of the gateway's CPU instead of 2.
        request.read()
        try:
            response = await self.http.send(request)
        except httpx.TimeoutException:
            log.warning("%s %s: the %s service did not answer in time", method, path, self.name)
            raise ApiError(504, "upstream_timeout", f"the {self.name} service did not answer in time") from None
        except httpx.TransportError as exc:
            log.warning("%s %s: the %s service is unavailable: %r", method, path, self.name, exc)
            raise ApiError(502, "upstream_unavailable", f"the {self.name} service is unavailable ({exc.__class__.__name__})") from None
        if response.status_code == 503:
            code = _error_code(response)
            if code in ("overloaded", "not_ready"):
                retry = response.headers.get("retry-after", "1")
                raise ApiError(503, "overloaded", f"the {self.name} service is busy; retry later",
                               headers={"Retry-After": retry if retry.isdigit() else "1"})
        if response.status_code >= 500:
            log.warning("%s %s: the %s service answered HTTP %s: %s", method, path, self.name, response.status_code,
                        response.text[:200])
            raise ApiError(502, "upstream_error", f"the {self.name} service failed (HTTP {response.status_code})")
        return response

    def parse(self, response: httpx.Response, model: type[BaseModel]) -> Any:
        if response.status_code >= 400:
            # A peer's 4xx means the input was refused there; pass its JSON error on.
            try:
                body = response.json()
                code, detail = body.get("error", "rejected"), body.get("detail", "rejected")
            except ValueError:
                code, detail = "rejected", response.text[:200]
            raise ApiError(response.status_code, code, detail)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning("the %s service sent an answer that is not a %s: %s", self.name, model.__name__, exc)
            raise ApiError(502, "upstream_error", f"the {self.name} service sent an unexpected answer") from None

    async def ready(self) -> bool:
        try:
            return (await self.http.get("/readyz", timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            return False


class DetectionClient(PeerClient):
    async def detect(self, image: bytes, content_type: str, priority: Priority = Priority.NORMAL,
                     page_size: tuple[int, int] | None = None, since: float | None = None) -> Detection:
        """`page_size`: `image` is the detector's reduced copy of a page that size; the lines come back on the page.
        `since`: when the page started through the mesh, its place in the service's queue (ocr_common.admission)."""
        r = await self.request("POST", "/v1/detect", files={"image": ("image", image, content_type)},
                               params=reduced_page_query(*page_size) if page_size else None,
                               headers=queue_headers(priority, since))
        return self.parse(r, Detection)


class RecognitionClient(PeerClient):
    def __init__(self, *args, max_lines: int = 512, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_lines = max_lines    # the recognition service's MAX_LINES: it refuses longer requests (413)

    async def recognize(self, crops: list[bytes], priority: Priority = Priority.NORMAL,
                        since: float | None = None) -> Recognition:
        """Every crop's reading, in order; a page with more lines than `max_lines` goes in chunks, one after
        another (the service reads one request at a time anyway)."""
        lines: list[RecognizedLine] = []
        version = None
        for start in range(0, len(crops), self.max_lines):
            chunk = crops[start:start + self.max_lines]
            files = [("images", (f"line{start + i}.bmp", c, "image/bmp")) for i, c in enumerate(chunk)]
            part = self.parse(await self.request("POST", "/v1/recognize", files=files,
                                                 headers=queue_headers(priority, since)), Recognition)
            if len(part.lines) != len(chunk):
                raise ApiError(502, "upstream_error", f"the {self.name} service read {len(part.lines)} of {len(chunk)} lines")
            lines += part.lines
            version = version or part.model_version
        return Recognition(lines=lines, model_version=version or "unknown")


class ImageStoreClient(PeerClient):
    async def get_json(self, path: str, params: dict | None = None) -> dict | None:
        r = await self.request("GET", path, params=params)
        if r.status_code == 404:
            return None
        if r.status_code in (400, 422):   # the caller's parameters (e.g. a cursor it made up): its error
            self.parse(r, BaseModel)
        if r.status_code >= 400:
            raise ApiError(502, "upstream_error", f"the image-store refused the lookup (HTTP {r.status_code})")
        return r.json()

    async def search(self, params: dict) -> StoredSearchResults:
        """GET /v1/search; a refused query (422) is passed on as the caller's error."""
        return self.parse(await self.request("GET", "/v1/search", params=params), StoredSearchResults)

    async def get_file(self, path: str) -> httpx.Response | None:
        r = await self.request("GET", path)
        if r.status_code == 404:
            return None
        if r.status_code >= 400:
            raise ApiError(502, "upstream_error", f"the image-store refused the lookup (HTTP {r.status_code})")
        return r
