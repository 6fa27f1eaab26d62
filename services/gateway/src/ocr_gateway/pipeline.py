"""One OCR request: check the upload, detect lines, crop them, read them (in chunks of the recognizer's limit),
queue the result."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import cv2
import numpy as np
from starlette.concurrency import run_in_threadpool

from ocr_common.admission import Priority
from ocr_common.geometry import crop_quad, minimal_box
from ocr_common.images import DecodedImage, ImageLimits, decode_image
from ocr_common.lines import MIN_LINE_CONFIDENCE, is_text_line
from ocr_common.messages import (
    IMAGE_BODY_CONTENT_TYPE,
    ImageDataMessage,
    ImageMessageHeaders,
    LineData,
    ModelVersions,
    amqp_headers,
)
from ocr_common.tracing import current_trace_id, inject_headers

from .clients import DetectionClient, RecognitionClient
from .outbox import Outbox
from .schemas import OcrLine, OcrResult

MIME = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff", "bmp": "image/bmp", "webp": "image/webp",
        "gif": "image/gif"}


@dataclass
class Queues:
    image: str
    data: str
    correction: str


def _encode_crops(pixels: np.ndarray, quads: list[list[list[float]]]) -> list[bytes]:
    # PNG at the fastest compression: the crops travel over loopback or a cluster network.
    return [cv2.imencode(".png", crop_quad(pixels, q), [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes() for q in quads]


class OcrPipeline:
    def __init__(self, detection: DetectionClient, recognition: RecognitionClient, outbox: Outbox,
                 limits: ImageLimits, queues: Queues, min_line_confidence: float = MIN_LINE_CONFIDENCE):
        self.detection, self.recognition, self.outbox = detection, recognition, outbox
        self.min_line_confidence = min_line_confidence
        self.limits, self.queues = limits, queues

    async def run(self, data: bytes, owner: str | None = None, request_id: str | None = None,
                  priority: Priority = Priority.NORMAL) -> OcrResult:
        image: DecodedImage = await run_in_threadpool(decode_image, data, self.limits, "image")
        content_type = MIME[image.format]
        detection = await self.detection.detect(data, content_type, priority)
        quads = [ln.points for ln in detection.lines]
        crops = await run_in_threadpool(_encode_crops, image.pixels, quads)
        recognition = await self.recognition.recognize(crops, priority) if crops else None
        read = recognition.lines if recognition else []
        lines = [OcrLine(points=q, text=r.text, confidence=r.confidence) for q, r in zip(quads, read, strict=True)
                 if is_text_line(r.text, r.confidence, self.min_line_confidence)]
        result = OcrResult(request_id=request_id or str(uuid.uuid4()), width=image.width, height=image.height,
                           text="\n".join(ln.text for ln in lines), lines=lines, trace_id=current_trace_id())
        traceparent = inject_headers().get("traceparent")
        versions = ModelVersions(detection=detection.model_version,
                                 recognition=recognition.model_version if recognition else "none")
        await run_in_threadpool(self._enqueue, result, data, content_type, versions, traceparent, owner, priority)
        return result

    def _enqueue(self, result: OcrResult, data: bytes, content_type: str, versions: ModelVersions,
                 traceparent: str | None, owner: str | None, priority: Priority = Priority.NORMAL) -> None:
        """The image and its data go into the outbox in one transaction: both or neither."""
        now = datetime.now(UTC)
        rid = uuid.UUID(result.request_id)
        headers = ImageMessageHeaders(request_id=rid, created_at=now, content_type=content_type, traceparent=traceparent,
                                      owner=owner)
        line_data = []
        for i, ln in enumerate(result.lines):
            x, y, w, h = minimal_box(ln.points, result.width, result.height)
            line_data.append(LineData(index=i, points=[tuple(p) for p in ln.points], start_x=x, start_y=y, width=w,
                                      height=h, text=ln.text, confidence=ln.confidence))
        message = ImageDataMessage(request_id=rid, created_at=now, width=result.width, height=result.height,
                                   text=result.text, lines=line_data, models=versions, owner=owner)
        self.outbox.add_many([
            (self.queues.image, data, IMAGE_BODY_CONTENT_TYPE, headers.to_amqp()),
            (self.queues.data, message.model_dump_json().encode(), "application/json", amqp_headers(rid, traceparent)),
        ], priority=1 if priority == Priority.HIGH else 0)
