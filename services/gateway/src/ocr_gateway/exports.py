"""GET /v1/ocr/{id}/export: a stored result as text, hOCR, ALTO or a searchable PDF, corrections applied.

The image-store's record gives the pages, lines and words; the corrections are applied as a person sees them
(ocr_common.corrections); the renderers are ocr_common's, the same the CLI uses. A PDF needs the uploaded file
again: a PDF's pages are rendered as they were read (same DocumentLimits), an image is its one page.
"""
from __future__ import annotations

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from ocr_common.corrections import corrected_pages
from ocr_common.errors import ApiError
from ocr_common.export import EXTENSIONS, FORMATS, to_alto, to_hocr, to_text
from ocr_common.ocr_result import OcrPage
from ocr_common.pages import Document, DocumentLimits
from ocr_common.searchable_pdf import make_pdf


def _pdf(pages: list[OcrPage], data: bytes, limits: DocumentLimits, title: str) -> bytes:
    with Document(data, limits, what="the stored file") as doc:
        if len(doc) != len(pages):
            raise ApiError(409, "inconsistent_result", f"the stored file has {len(doc)} pages, the result {len(pages)}")
        return make_pdf(((page, doc.render(i).pixels) for i, page in enumerate(pages)), title=title)


async def export(services, rid: str, detail: dict, fmt: str) -> Response:
    pages = await run_in_threadpool(corrected_pages, detail)
    name = f"{rid}.{EXTENSIONS[fmt]}"
    if fmt == "txt":
        body: bytes = to_text(pages).encode()
    elif fmt == "hocr":
        body = to_hocr(pages, title=rid).encode()
    elif fmt == "alto":
        body = to_alto(pages, file_name=rid).encode()
    else:
        stored = await services.imagestore.get_file(f"/v1/images/{rid}/file")
        if stored is None:
            raise ApiError(404, "not_found", "the uploaded file is not stored (yet, or any more): no PDF without it")
        body = await run_in_threadpool(_pdf, pages, stored.content, services.pipeline.documents, rid)
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})
