"""The recognizer's config: what a CRNN is built from, and what serving reads from the ONNX metadata (no torch)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .vocab import DEFAULT_CHARSET

WIDTH_STRIDE = 4  # input columns per output frame
# Lines per forward pass when reading. In ONNX Runtime on one thread a line costs least in batches of 4-16 and about
# 5 % more in batches of 32 (docs/performance.md); the dev lines and pages read the same with 16 as with 32.
BATCH_SIZE = 16
# ... and at most this many padded pixels (32-px lines 5 600 columns long in all): a batch's activations are what a
# reader holds, one batch per worker (about 100 MiB a batch at 32 x 25 600 columns, a fifth of that here).
MAX_BATCH_PIXELS = 32 * 5600


@dataclass
class CRNNConfig:
    charset: str = DEFAULT_CHARSET
    height: int = 32
    channels: tuple[int, ...] = (16, 48, 96, 160, 256)
    rnn_hidden: int = 128
    rnn_layers: int = 2
    dropout: float = 0.1
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> CRNNConfig:
        d = dict(d)
        d["channels"] = tuple(d["channels"])
        return cls(**d)
