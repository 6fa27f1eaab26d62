"""One OCR request: check the upload, then page by page detect lines, crop them, read them (in chunks of the
recognizer's limit), place each line's words; queue the result.

An image is one page. A PDF or a multi-page TIFF is opened and checked whole first (pages, sizes, encryption:
ocr_common.pages), then rendered and read one page at a time, so memory holds one page's pixels.

A page's pixels exist only inside a slot of `pixels` (DECODE_CONCURRENCY slots per process, high priority first):
from its decode through detection to its crops; recognition reads the crops after the slot is given back. So a
process holds at most DECODE_CONCURRENCY decoded pages whatever the number of requests (docs/reliability.md). A page
is decoded grey (both models read grey: a third of the memory) and, only when its lines as read do not tell it
upright, decoded again for the orientation's steps."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import cv2
import numpy as np
from starlette.concurrency import run_in_threadpool

from ocr_common.admission import AdmissionGate, Priority
from ocr_common.geometry import crop_quad, minimal_box, reduced_page
from ocr_common.images import ImageLimits
from ocr_common.lines import MIN_LINE_CONFIDENCE, is_text_line
from ocr_common.memory import return_large_buffers
from ocr_common.messages import (
    IMAGE_BODY_CONTENT_TYPE,
    ImageDataMessage,
    ImageMessageHeaders,
    LineData,
    ModelVersions,
    PageData,
    WordData,
    amqp_headers,
)
from ocr_common.ocr_result import OcrLine, OcrPage, build_words, document_text, page_text
from ocr_common.orientation import DETECT_SIDE, upright_as_read
from ocr_common.orientation import steps as orientation_steps
from ocr_common.pages import Document, DocumentLimits, PageImage
from ocr_common.tracing import current_trace_id, inject_headers

from .clients import DetectionClient, RecognitionClient
from .deadline import seen_through
from .outbox import Outbox
from .schemas import OcrResult

MIME = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff", "bmp": "image/bmp", "webp": "image/webp",
        "gif": "image/gif", "pdf": "application/pdf"}


@dataclass
class Queues:
    image: str
    data: str
    correction: str


def _encode_grey(pixels: np.ndarray) -> bytes:
    """A line or a reduced page as the models read it, grey (converted as the recognizer would convert it, so it
    reads the same pixels), in an uncompressed BMP: encoding and decoding cost next to nothing, where PNG cost about
    a tenth of a request's CPU (docs/performance.md); the bytes travel over loopback or a cluster network."""
    grey = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY)
    return cv2.imencode(".bmp", grey)[1].tobytes()


def _encode_detector_input(pixels: np.ndarray) -> bytes:
    """The page as the detector reads it (its long side at most DETECT_SIDE): the detection service gets this small
    copy and the page's size, and answers in the page's pixels, instead of decoding the upload a second time."""
    return _encode_grey(reduced_page(pixels, DETECT_SIDE)[0])


def _encode_crops(pixels: np.ndarray, quads: list[list[list[float]]]) -> list[bytes]:
    return [_encode_grey(crop_quad(pixels, q)) for q in quads]


def _encode_images(images: list[np.ndarray]) -> list[bytes]:
    return [_encode_grey(im) for im in images]


def _advance(run, answer):
    """(True, the generator's result) or (False, its next request): StopIteration cannot cross a thread's future."""
    try:
        return False, run.send(answer)
    except StopIteration as done:
        return True, done.value


def document_limits(limits: ImageLimits, max_pages: int = 100, dpi: float = 200.0) -> DocumentLimits:
    return DocumentLimits(max_bytes=limits.max_bytes, max_pages=max_pages, max_page_pixels=limits.max_pixels,
                          max_side=limits.max_side, dpi=dpi)


class OcrPipeline:
    def __init__(self, detection: DetectionClient, recognition: RecognitionClient, outbox: Outbox,
                 limits: ImageLimits, queues: Queues, min_line_confidence: float = MIN_LINE_CONFIDENCE,
                 documents: DocumentLimits | None = None, pixels: AdmissionGate | None = None, orientation: bool = True):
        self.detection, self.recognition, self.outbox = detection, recognition, outbox
        self.orientation = orientation
        self.min_line_confidence = min_line_confidence
        self.limits, self.queues = limits, queues
        self.documents = documents or document_limits(limits)
        self.pixels = pixels or AdmissionGate(2, max_waiting=32, max_waiting_high=8, max_wait=110.0, name="gateway")
        return_large_buffers()   # a freed page goes back to the system, whichever thread decoded it

    async def run(self, data: bytes, owner: str | None = None, request_id: str | None = None,
                  priority: Priority = Priority.NORMAL) -> OcrResult:
        doc: Document = await run_in_threadpool(Document, data, self.documents, "image")
        pages: list[OcrPage] = []
        versions = ModelVersions(detection="none", recognition="none")
        try:
            for i in range(len(doc)):
                page, versions = await self._read_page(doc, i, priority, versions)
                pages.append(page)
        finally:
            await run_in_threadpool(doc.close)
        lines = [ln for p in pages for ln in p.lines]
        first = pages[0]
        result = OcrResult(request_id=request_id or str(uuid.uuid4()), width=first.width, height=first.height,
                           text=document_text(pages), lines=lines, pages=pages, trace_id=current_trace_id())
        traceparent = inject_headers().get("traceparent")
        seen_through()   # the upload is about to be stored: the client gets this answer, however late
        await run_in_threadpool(self._enqueue, result, data, MIME[doc.kind], versions, traceparent, owner, priority,
                                len(doc) > 1 or doc.kind == "pdf")
        return result

    async def _read_page(self, doc: Document, index: int, priority: Priority,
                         versions: ModelVersions) -> tuple[OcrPage, ModelVersions]:
        async with self.pixels.slot(priority) as ticket:
            image: PageImage = await run_in_threadpool(doc.render, index, True)   # grey: what both models read
            body = await run_in_threadpool(_encode_detector_input, image.pixels)
            # Every model call of this page waits behind older pages only (ocr_common.admission).
            detection = await self.detection.detect(body, "image/bmp", priority, page_size=(image.width, image.height),
                                                    since=ticket.since)
            detected = detection.lines
            crops = await run_in_threadpool(_encode_crops, image.pixels, [ln.points for ln in detected])
            number, width, height, dpi = image.number, image.width, image.height, image.dpi
            del image   # the pixels go before the slot does
        recognition = await self.recognition.recognize(crops, priority, ticket.since) if crops else None
        read = recognition.lines if recognition else []
        rotation = 0
        # The lines as read tell most pages upright (ocr_common.orientation); only a page they do not (or with no
        # lines) is rendered again for the orientation's steps, and read again if it is turned.
        confidences = [r.confidence for r in read]
        if self.orientation and not upright_as_read(detected, confidences):
            async with self.pixels.slot(priority, ticket):   # its place in line kept: ahead of later arrivals
                image = await run_in_threadpool(doc.render, index, True)
                rotation, turned = await self._orient(image.pixels, detected, priority, confidences, ticket.since)
                if rotation:   # a turned page's lines come back on the page as given, starting at the text's top-left
                    detected = turned
                    crops = await run_in_threadpool(_encode_crops, image.pixels, [ln.points for ln in detected])
                del image
            if rotation:
                recognition = await self.recognition.recognize(crops, priority, ticket.since) if crops else None
                read = recognition.lines if recognition else []
        quads = [ln.points for ln in detected]
        lines = [OcrLine(points=q, text=r.text, confidence=r.confidence,
                         words=build_words(q, ((w.text, w.confidence, w.x0, w.x1) for w in r.words)))
                 for q, r in zip(quads, read, strict=True) if is_text_line(r.text, r.confidence, self.min_line_confidence)]
        versions = ModelVersions(detection=detection.model_version,
                                 recognition=recognition.model_version if recognition else versions.recognition)
        return OcrPage(page=number, width=width, height=height, dpi=dpi, rotation=rotation, text=page_text(lines),
                       lines=lines), versions

    async def _orient(self, pixels: np.ndarray, lines, priority: Priority, read: list[float], since: float):
        """ocr_common.orientation's steps through the model services: (angle, the lines on the page as given)."""
        run, answer = orientation_steps(pixels, lines, read), None
        while True:
            done, step = await run_in_threadpool(_advance, run, answer)
            if done:
                return step
            kind, arg = step
            if kind == "detect":   # a turned copy, already at the detector's size
                body = await run_in_threadpool(_encode_grey, arg)
                answer = (await self.detection.detect(body, "image/bmp", priority, since=since)).lines
            else:
                crops = await run_in_threadpool(_encode_images, arg)
                answer = [ln.confidence for ln in (await self.recognition.recognize(crops, priority, since)).lines]

    def _enqueue(self, result: OcrResult, data: bytes, content_type: str, versions: ModelVersions,
                 traceparent: str | None, owner: str | None, priority: Priority = Priority.NORMAL,
                 document: bool = False) -> None:
        """The upload and its data go into the outbox in one transaction: both or neither. A document's lines are
        numbered across its pages (the index corrections use) and each says its page."""
        now = datetime.now(UTC)
        rid = uuid.UUID(result.request_id)
        headers = ImageMessageHeaders(request_id=rid, created_at=now, content_type=content_type, traceparent=traceparent,
                                      owner=owner)
        line_data = []
        for page in result.pages:
            for ln in page.lines:
                x, y, w, h = minimal_box(ln.points, page.width, page.height)
                words = [WordData(points=[tuple(p) for p in wd.points], text=wd.text, confidence=wd.confidence)
                         for wd in ln.words]
                line_data.append(LineData(index=len(line_data), points=[tuple(p) for p in ln.points], start_x=x,
                                          start_y=y, width=w, height=h, text=ln.text, confidence=ln.confidence,
                                          page=page.page, words=words))
        # One upright image keeps pages null; a turned one sends its page, so that its rotation is kept too.
        turned = any(p.rotation for p in result.pages)
        pages = [PageData(page=p.page, width=p.width, height=p.height, dpi=p.dpi, rotation=p.rotation)
                 for p in result.pages] if document or turned else None
        message = ImageDataMessage(request_id=rid, created_at=now, width=result.width, height=result.height,
                                   text=result.text, lines=line_data, pages=pages, models=versions, owner=owner)
        self.outbox.add_many([
            (self.queues.image, data, IMAGE_BODY_CONTENT_TYPE, headers.to_amqp()),
            (self.queues.data, message.model_dump_json().encode(), "application/json", amqp_headers(rid, traceparent)),
        ], priority=1 if priority == Priority.HIGH else 0)
