"""Batched line recognition with a trained CRNN, in PyTorch or ONNX Runtime."""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import load_checkpoint
from .decode import DecodedLine, greedy_decode_batch
from .model import CRNN, WIDTH_STRIDE, CRNNConfig
from .preprocess import normalize_line, pad_batch, scaled_width

KIND = "recognizer"


def load_recognizer(path: str | Path) -> CRNN:
    ckpt = load_checkpoint(path, KIND)
    model = CRNN(CRNNConfig.from_dict(ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval()


class LineRecognizer:
    """Reads cropped text lines. Lines are sorted by width and batched, so padding stays small;
    results come back in input order. Load it once per process: construction loads the weights.

    With `workers` > 1, batches run side by side in threads, each single-threaded: on a small CPU
    this scales better than one batch with several intra-op threads (ONNX Runtime and torch both
    release the GIL while they compute)."""

    def __init__(self, model: CRNN, batch_size: int = 32, max_batch_pixels: int = 32 * 32 * 800,
                 max_padding: float = 0.15, onnx_path: str | Path | None = None, workers: int = 1):
        self.model = model.eval()
        self.config = model.config
        self.batch_size = batch_size
        self.max_batch_pixels = max_batch_pixels
        # The backward LSTM reads padding before a short line's last column, so a batch only
        # takes lines within this fraction of its widest line: results barely depend on batching.
        self.max_padding = max_padding
        self.session = None
        if onnx_path is not None:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1 if workers > 1 else torch.get_num_threads()
            opts.inter_op_num_threads = 1
            self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="recognizer") if workers > 1 else None

    @classmethod
    def from_checkpoint(cls, path: str | Path, runtime: str = "torch", **kw) -> LineRecognizer:
        model = load_recognizer(path)
        onnx_path = None
        if runtime == "onnx":
            onnx_path = Path(path).with_suffix(".onnx")
            if not onnx_path.exists():
                raise FileNotFoundError(f"{onnx_path} not found: export it with `ocrmesh export recognizer`")
        elif runtime != "torch":
            raise ValueError(f"unknown runtime {runtime!r}")
        return cls(model, onnx_path=onnx_path, **kw)

    def _logits(self, batch: np.ndarray) -> np.ndarray:
        if self.session is not None:
            return self.session.run(None, {"images": batch})[0]
        with torch.inference_mode():
            return self.model(torch.from_numpy(batch)).numpy()

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


def export_onnx(model: CRNN, path: str | Path) -> Path:
    """Exports with dynamic batch and width axes."""
    path = Path(path)
    dummy = torch.zeros(2, 1, model.config.height, 160)
    torch.onnx.export(
        model.eval(), (dummy,), str(path), input_names=["images"], output_names=["logits"],
        dynamic_axes={"images": {0: "batch", 3: "width"}, "logits": {0: "batch", 1: "frames"}},
        opset_version=17, dynamo=False,
    )
    return path
