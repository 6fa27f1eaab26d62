"""Holds the loaded recognizer and runs it off the event loop, behind a bounded priority queue."""
from __future__ import annotations

import numpy as np
from starlette.concurrency import run_in_threadpool

from ocr_common.admission import AdmissionGate
from ocr_common.model_service import model_version
from ocr_models.loader import load_recognizer, resolve
from ocr_models.recognition.decode import DecodedLine

from .config import Settings


class RecognitionEngine:
    def __init__(self, settings: Settings):
        runtime, weights = resolve(settings.MODEL_PATH, settings.RUNTIME)   # the one file it reads and names
        self.recognizer = load_recognizer(weights, runtime, batch_size=settings.BATCH_SIZE, workers=settings.WORKERS)
        self.version = model_version(weights)
        # One request's lines at a time (CONCURRENCY): the recognizer already spreads a request's
        # batches over WORKERS threads, and more work competing for the same cores only slows every
        # request. Callers wait in the gate's bounded priority queue (high first) or get a 503.
        self.gate = AdmissionGate(settings.CONCURRENCY, settings.MAX_QUEUE, settings.MAX_QUEUE_HIGH,
                                  settings.MAX_QUEUE_WAIT, name="recognition")

    async def recognize(self, images: list[np.ndarray]) -> list[DecodedLine]:
        """Runs the model; the caller holds a slot of `self.gate`."""
        return await run_in_threadpool(self.recognizer.recognize, images)
