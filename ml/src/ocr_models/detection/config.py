"""The detector's config and input scaling: what a CTPN is built from, and what serving reads from the ONNX
metadata (no torch)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

STRIDE = 16
DEFAULT_ANCHOR_HEIGHTS = (11, 16, 23, 33, 48, 68, 97, 139, 198, 283)


@dataclass
class CTPNConfig:
    channels: tuple[int, ...] = (16, 32, 64, 128)   # stages at stride 2, 4, 8, 16
    stage_depths: tuple[int, ...] = (1, 1, 2, 1)     # 3x3 convs per stage (the first one has stride 2)
    top_dilations: tuple[int, ...] = (1, 2, 4)       # extra 3x3 convs at stride 16, for vertical context
    rnn_hidden: int = 96                             # per direction
    fc: int = 192
    anchor_heights: tuple[int, ...] = DEFAULT_ANCHOR_HEIGHTS
    side_refinement: bool = True
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> CTPNConfig:
        d = dict(d)
        for key in ("channels", "stage_depths", "top_dilations", "anchor_heights"):
            d[key] = tuple(d[key])
        return cls(**d)

    @property
    def num_anchors(self) -> int:
        return len(self.anchor_heights)

    @property
    def num_regression(self) -> int:
        """Regression outputs per anchor: dy, dh and (with side refinement) the side offset."""
        return 3 if self.side_refinement else 2


def normalize_page(gray: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 grey (H, W) -> float32 (H, W) in [-1, 1], into `out` (float32, the same shape; it may be `gray`
    itself) when given: a page's float copy is megabytes, and each fresh one costs its pages."""
    out = np.multiply(gray, np.float32(2.0 / 255.0), out=out, dtype=np.float32)
    out -= 1.0
    return out
