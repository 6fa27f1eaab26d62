"""Batched line recognition with a trained CRNN: numpy, OpenCV and a model runner (ONNX Runtime when serving).

Load one with `ocr_models.loader.load_recognizer`; training wraps its PyTorch network with
`recognition.model.torch_recognizer`."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .config import BATCH_SIZE, MAX_BATCH_PIXELS, WIDTH_STRIDE, CRNNConfig
from .decode import DecodedLine, greedy_decode_batch
from .preprocess import normalize_line, pad_batch, scaled_width

KIND = "recognizer"

Runner = Callable[[np.ndarray], list[np.ndarray]]   # (N, 1, H, W) float32 -> [logits (N, T, C)]


class LineRecognizer:
    """Reads cropped text lines. Lines are sorted by width and batched, so padding stays small;
    results come back in input order. Load it once per process: construction loads the weights.

    With `workers` > 1, batches run side by side in threads, each single-threaded: on a small CPU
    this scales better than one batch with several intra-op threads (ONNX Runtime and torch both
    release the GIL while they compute)."""

    def __init__(self, run: Runner, config: CRNNConfig, batch_size: int = BATCH_SIZE, max_batch_pixels: int = MAX_BATCH_PIXELS,
                 max_padding: float = 0.15, workers: int = 1):
        self.run = run
        self.config = config
        self.batch_size = batch_size
        self.max_batch_pixels = max_batch_pixels
        # The backward LSTM reads padding before a short line's last column, so a batch only
        # takes lines within this fraction of its widest line: results barely depend on batching.
        self.max_padding = max_padding
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="recognizer") if workers > 1 else None

    def _logits(self, batch: np.ndarray) -> np.ndarray:
        return self.run(batch)[0]

    def _batches(self, order: np.ndarray, widths: np.ndarray):
        """Groups width-sorted line indices into batches capped by count, padded area and padding."""
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) >= self.batch_size
                          or widths[i] * 32 * (len(batch) + 1) > self.max_batch_pixels
                          or widths[i] > widths[batch[0]] * (1 + self.max_padding)):
                yield batch
                batch = []
            batch.append(int(i))
        if batch:
            yield batch

    def _read_batch(self, images: Sequence[np.ndarray], idx: list[int]) -> list[DecodedLine]:
        batch, widths = pad_batch([normalize_line(images[i], self.config.height) for i in idx])
        return greedy_decode_batch(self._logits(batch), self.config.charset, lengths=widths // WIDTH_STRIDE)

    def recognize(self, images: Sequence[np.ndarray]) -> list[DecodedLine]:
        """Reads each image as one line of text (BGR, BGRA or grey uint8 arrays)."""
        if len(images) == 0:
            return []
        widths = np.array([scaled_width(img.shape, self.config.height) for img in images])
        batches = list(self._batches(np.argsort(widths, kind="stable"), widths))
        mapper = self._pool.map if self._pool is not None else map
        results: list[DecodedLine | None] = [None] * len(images)
        for idx, decoded in zip(batches, mapper(lambda b: self._read_batch(images, b), batches)):
            for i, d in zip(idx, decoded):
                results[i] = d
        return results  # type: ignore[return-value]
