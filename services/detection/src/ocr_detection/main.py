"""FastAPI app of the detection service."""
from typing import Annotated

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from ocr_common.admission import AdmissionGate, Priority, queued_since
from ocr_common.errors import ApiError
from ocr_common.geometry import minimal_box
from ocr_common.images import DecodedImage, ImageLimits, decode_image
from ocr_common.model_service import model_service_app, model_version, serve
from ocr_models.loader import load_detector, resolve

from .config import Settings, get_settings
from .schemas import Axis, DetectedLine, DetectResponse, ErrorResponse, MinimalBox, OriginalBox

ERRORS = {code: {"model": ErrorResponse} for code in (400, 413, 415, 422, 503)}


class DetectionEngine:
    def __init__(self, settings: Settings):
        runtime, weights = resolve(settings.MODEL_PATH, settings.RUNTIME)   # the one file it reads and names
        self.detector = load_detector(weights, runtime)
        self.version = model_version(weights)
        # CONCURRENCY pages at a time; the others wait in a bounded priority queue (high first) or get a 503.
        self.gate = AdmissionGate(settings.CONCURRENCY, settings.MAX_QUEUE, settings.MAX_QUEUE_HIGH,
                                  settings.MAX_QUEUE_WAIT, name="detection")

    async def detect(self, image: DecodedImage, page_size: tuple[int, int] | None = None):
        return await run_in_threadpool(self._detect, image, page_size)

    def _detect(self, image: DecodedImage, page_size: tuple[int, int] | None = None):
        """Lines in the original image's pixels: an image decoded reduced (`decode_max_side`) is mapped back; one that
        is the detector's reduced copy of a page (`page_size`) is read as that page."""
        if page_size is not None:
            if image.reduction > 1:
                raise ApiError(422, "page_size_mismatch", "with page_width and page_height, send the detector's reduced "
                               f"copy of the page (at most {self.decode_max_side} px long), not the page itself")
            try:
                return self.detector.detect(image.pixels, page_size)
            except ValueError as exc:
                raise ApiError(422, "page_size_mismatch", str(exc)) from None
        result = self.detector.detect(image.pixels)
        r = image.reduction
        if r > 1:
            w, h = image.original_size
            for ln in result.lines:
                ln.points = [[round(min(x * r, w), 1), round(min(y * r, h), 1)] for x, y in ln.points]
            result.width, result.height, result.scale = w, h, result.scale / r
        return result

    @property
    def decode_max_side(self) -> int:
        """The detector reads a page at most this long (it downscales larger ones): decoding more is waste."""
        return self.detector.max_side


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app, engine = model_service_app(settings, lambda: DetectionEngine(settings), title="ocrmesh detection",
                                    description="Finds the text lines of an image with ocrmesh's CTPN.")
    limits = ImageLimits(settings.MAX_UPLOAD_BYTES, settings.MAX_IMAGE_PIXELS, settings.MAX_IMAGE_SIDE)

    EngineDep = Annotated[DetectionEngine, Depends(engine)]
    ImageFile = Annotated[UploadFile, File(description="a photo or scan (PNG, JPEG, TIFF, BMP, WebP, GIF)")]

    async def run(eng: DetectionEngine, upload: UploadFile, request: Request, page_size: tuple[int, int] | None = None):
        # Decoding and detecting both take the model's slot: `X-Priority: high` waits ahead of normal work.
        async with eng.gate.slot(Priority.from_headers(request.headers), since=queued_since(request.headers)):
            data = await upload.read(settings.MAX_UPLOAD_BYTES + 1)
            image = await run_in_threadpool(decode_image, data, limits, "image", eng.decode_max_side, grey=True)
            return image, await eng.detect(image, page_size)

    PageSide = Annotated[int | None, Query(ge=1, le=settings.MAX_IMAGE_SIDE * 4,
                                           description="with the other: the page `image` is the detector's reduced copy of")]

    @app.post("/v1/detect", response_model=DetectResponse, responses=ERRORS, tags=["detection"])
    async def detect(eng: EngineDep, image: ImageFile, request: Request, page_width: PageSide = None,
                     page_height: PageSide = None) -> DetectResponse:
        """Text lines of the image as quadrilaterals with scores, in reading order.

        A caller that holds a large page may send the grey copy the detector reads (the page's long side brought to
        1600 px with OpenCV's INTER_AREA, never enlarged) with `page_width` and `page_height`: the lines come back in
        the page's pixels, as if the page had been sent, for a fraction of the bytes and none of the decoding.

        Send `X-Priority: high` to be served ahead of normal requests; a full queue answers 503 `overloaded`
        with Retry-After."""
        if (page_width is None) != (page_height is None):
            raise ApiError(422, "page_size_mismatch", "give both page_width and page_height, or neither")
        _, result = await run(eng, image, request, (page_width, page_height) if page_width else None)
        return DetectResponse(width=result.width, height=result.height, scale=round(result.scale, 4), model_version=eng.version,
                              lines=[DetectedLine(points=ln.points, score=round(ln.score, 4)) for ln in result.lines])

    @app.post("/boxes", response_model=list[OriginalBox], responses=ERRORS, tags=["compatibility"])
    async def boxes(eng: EngineDep, image: ImageFile, request: Request) -> list[OriginalBox]:
        """The original system's endpoint: corners in the order TL, TR, BL, BR."""
        _, result = await run(eng, image, request)
        out = []
        for i, ln in enumerate(result.lines):
            tl, tr, br, bl = ln.points
            out.append(OriginalBox(ord_num=i, probability=round(ln.score, 4),
                                   points=[Axis(axis_x=round(x), axis_y=round(y)) for x, y in (tl, tr, bl, br)]))
        return out

    @app.post("/minimal-boxes", response_model=list[MinimalBox], responses=ERRORS, tags=["compatibility"])
    async def minimal_boxes(eng: EngineDep, image: ImageFile, request: Request) -> list[MinimalBox]:
        """The original system's endpoint: axis-aligned boxes, clamped to the image, top-down."""
        _, result = await run(eng, image, request)
        found = [minimal_box(ln.points, result.width, result.height) for ln in result.lines]
        found.sort(key=lambda b: (b[1], b[0]))
        return [MinimalBox(start_x=x, start_y=y, width=w, height=h) for x, y, w, h in found]

    return app


def main() -> None:
    serve(create_app, get_settings())


if __name__ == "__main__":
    main()
