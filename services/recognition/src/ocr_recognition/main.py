"""FastAPI app of the recognition service."""

import re
from typing import Annotated

import numpy as np
from fastapi import Depends, FastAPI, File, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from ocr_common.admission import Priority, queued_since
from ocr_common.errors import ApiError
from ocr_common.images import ImageLimits, decode_image
from ocr_common.model_service import model_service_app, serve
from ocr_models.recognition.preprocess import line_at_height

from .config import Settings, get_settings
from .inference import RecognitionEngine
from .schemas import ErrorResponse, ExtractResponse, RecognizedLine, RecognizedWord, RecognizeResponse

ERRORS = {code: {"model": ErrorResponse} for code in (400, 413, 415, 422, 503)}
_IMAGE_FIELD = re.compile(r"^image(\d+)$")


def _line(decoded) -> RecognizedLine:
    words = [RecognizedWord(text=w.text, confidence=round(w.confidence, 4), x0=round(w.x0, 5), x1=round(w.x1, 5))
             for w in decoded.words]
    return RecognizedLine(text=decoded.text, confidence=round(decoded.confidence, 4), words=words)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app, engine = model_service_app(settings, lambda: RecognitionEngine(settings), title="ocrmesh recognition",
                                    description="Reads cropped text-line images with ocrmesh's CRNN.")
    limits = ImageLimits(settings.MAX_UPLOAD_BYTES, settings.MAX_LINE_PIXELS, settings.MAX_LINE_SIDE)

    EngineDep = Annotated[RecognitionEngine, Depends(engine)]

    def decode_one(name: str, data: bytes, height: int) -> np.ndarray:
        """A crop decoded grey and at once brought to the model's height as the recognizer would (so it reads the
        same): each is then at most 32 x 4096 bytes, so a request's 512 crops of up to 4 MP each hold 64 MiB at
        worst, not gigabytes."""
        return line_at_height(decode_image(data, limits, what=name, grey=True).pixels, height)

    def decode_all(uploads: list[tuple[str, UploadFile]], height: int) -> list[np.ndarray]:
        """One upload's bytes and full-size pixels at a time; only the small grey copies are kept. All in one
        worker thread: a hop to the event loop per line made a page of many lines wait on the loop once a line."""
        lines = []
        for name, upload in uploads:
            upload.file.seek(0)
            lines.append(decode_one(name, upload.file.read(settings.MAX_UPLOAD_BYTES + 1), height))
        return lines

    async def read_lines(uploads: list[tuple[str, UploadFile]], height: int):
        if not uploads:
            raise ApiError(400, "no_images", "send at least one line image")
        if len(uploads) > settings.MAX_LINES:
            raise ApiError(413, "too_many_lines", f"{len(uploads)} images; the limit is {settings.MAX_LINES} per request")
        return await run_in_threadpool(decode_all, uploads, height)

    async def read_and_recognize(eng: RecognitionEngine, request: Request, uploads: list[tuple[str, UploadFile]]):
        """Decoding and reading both take the model's slot: `X-Priority: high` waits ahead of normal work."""
        async with eng.gate.slot(Priority.from_headers(request.headers), since=queued_since(request.headers)):
            return await eng.recognize(await read_lines(uploads, eng.recognizer.config.height))

    @app.post("/v1/recognize", response_model=RecognizeResponse, responses=ERRORS, tags=["recognition"])
    async def recognize(eng: EngineDep, request: Request,
                        images: Annotated[list[UploadFile], File(description="line images, one text line each")]):
        """Reads each uploaded image as one text line; answers in upload order, each line with its words and
        where they are (fractions of the image's width, from the recognizer's CTC alignment).

        Send `X-Priority: high` to be served ahead of normal requests; a full queue answers 503 `overloaded`
        with Retry-After."""
        decoded = await read_and_recognize(eng, request, [(f"images[{i}]", u) for i, u in enumerate(images)])
        return RecognizeResponse(lines=[_line(d) for d in decoded], model_version=eng.version)

    @app.post("/extract", response_model=ExtractResponse, responses=ERRORS, tags=["compatibility"],
              openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                  "type": "object", "additionalProperties": {"type": "string", "format": "binary"},
                  "description": "fields image0..imageN"}}}, "required": True}})
    async def extract(eng: EngineDep, request: Request):
        """The original system's endpoint: fields image0..imageN, read in numeric order (image10 after image9)."""
        try:
            form = await request.form(max_files=settings.MAX_LINES + 1, max_fields=settings.MAX_LINES + 16)
        except Exception as exc:
            if "Too many files" in str(exc):
                raise ApiError(413, "too_many_lines", f"the limit is {settings.MAX_LINES} images per request") from None
            raise ApiError(400, "invalid_form", f"expected multipart/form-data: {exc}") from None
        fields = []
        for key, value in form.multi_items():
            m = _IMAGE_FIELD.match(key)
            if m and isinstance(value, StarletteUpload):
                fields.append((int(m.group(1)), key, value))
        fields.sort(key=lambda f: f[0])
        decoded = await read_and_recognize(eng, request, [(key, up) for _, key, up in fields])
        return ExtractResponse(tokens=[d.text for d in decoded])

    return app


def main() -> None:
    serve(create_app, get_settings())


if __name__ == "__main__":
    main()
