"""The recognizer's config: what a CRNN is built from, and what serving reads from the ONNX metadata (no torch)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .vocab import DEFAULT_CHARSET

WIDTH_STRIDE = 4  # input columns per output frame


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
