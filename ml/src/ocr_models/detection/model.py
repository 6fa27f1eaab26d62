"""CTPN text detector: stride-16 conv features -> BiLSTM along each feature row -> per-anchor heads.

Tian, Huang, He, He, Qiao, "Detecting Text in Natural Image with Connectionist Text Proposal Network" (2016).
Every feature cell owns a 16-px-wide column of the image and K anchors of fixed heights centred on the
cell. For each anchor the model scores text/non-text and regresses the vertical centre and height (and,
optionally, the x of a line end for the anchors near one: side refinement). Lines are built from the
proposals outside the model (postprocess.py).

The input is one grey channel scaled to [-1, 1] (see `normalize_page`), like the recognizer's.
Early stages stay narrow since they run at high resolution; vertical context for tall text comes from
dilated 3x3 convolutions at stride 16, horizontal context from the BiLSTM.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .config import DEFAULT_ANCHOR_HEIGHTS, STRIDE, CTPNConfig, normalize_page  # noqa: F401 (the model's names)

KIND = "detector"


def _conv_bn_relu(c_in: int, c_out: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
    )


class CTPN(nn.Module):
    """Input (N, 1, H, W) normalised grey pages, H and W multiples of 16.

    Returns (scores, regression): logits (N, H/16, W/16, K, 2) with index 1 = text, and
    (N, H/16, W/16, K, R) vertical regression (dy, dh[, side]) in anchor units.
    """

    def __init__(self, config: CTPNConfig):
        super().__init__()
        if len(config.channels) != 4 or len(config.stage_depths) != 4 or min(config.stage_depths) < 1:
            raise ValueError("CTPN expects four stages (stride 2, 4, 8, 16) of at least one conv each")
        self.config = config
        layers: list[nn.Module] = []
        c_in = 1
        for c_out, depth in zip(config.channels, config.stage_depths):
            layers.append(_conv_bn_relu(c_in, c_out, stride=2))
            layers += [_conv_bn_relu(c_out, c_out) for _ in range(depth - 1)]
            c_in = c_out
        layers += [_conv_bn_relu(c_in, c_in, dilation=d) for d in config.top_dilations]
        self.features = nn.Sequential(*layers)
        self.rnn = nn.LSTM(c_in, config.rnn_hidden, bidirectional=True, batch_first=True)
        self.fc = nn.Sequential(nn.Linear(2 * config.rnn_hidden, config.fc), nn.ReLU(inplace=True))
        k = config.num_anchors
        self.cls = nn.Linear(config.fc, 2 * k)    # 1x1 convolutions over the feature map, channels last
        self.reg = nn.Linear(config.fc, config.num_regression * k)
        self._init_heads()

    def _init_heads(self) -> None:
        # Start out predicting "no text" with p(text) ~ 1 %: training is stable from the first step and an
        # untrained model detects nothing.
        nn.init.normal_(self.cls.weight, std=0.01)
        nn.init.zeros_(self.cls.bias)
        with torch.no_grad():
            self.cls.bias.view(-1, 2)[:, 0] = 4.6  # log(99)
        nn.init.normal_(self.reg.weight, std=0.001)
        nn.init.zeros_(self.reg.bias)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.features(images)                            # (N, C, h, w)
        n, c, h, w = feats.shape
        rows = feats.permute(0, 2, 3, 1).reshape(n * h, w, c)    # one sequence per feature row
        seq, _ = self.rnn(rows)
        x = self.fc(seq).reshape(n, h, w, -1)
        k = self.config.num_anchors
        scores = self.cls(x).reshape(n, h, w, k, 2)
        regression = self.reg(x).reshape(n, h, w, k, self.config.num_regression)
        return scores, regression


def narrow_convs(model: CTPN, channels) -> CTPN:
    """The same detector with fewer channels at each stride (its dilated convolutions as wide as the last stage): a
    cheaper one to train by distillation (`targets.distillation_loss`). `narrowing.keep_conv_channels` keeps each
    convolution's weightiest channels; the narrowed network detects worse until it is trained."""
    from ..narrowing import keep_conv_channels, narrower

    config = model.config
    channels = narrower(channels, config.channels)
    widths = [c for c, depth in zip(channels, config.stage_depths) for _ in range(depth)]
    widths += [channels[-1]] * len(config.top_dilations)
    narrow = CTPN(CTPNConfig.from_dict({**config.to_dict(), "channels": list(channels)}))
    blocks = [f"features.{i}" for i in range(len(model.features))]
    narrow.load_state_dict(keep_conv_channels(model.state_dict(), blocks, widths))
    return narrow


def narrow_rnn(model: CTPN, rnn_hidden: int | None = None, fc: int | None = None) -> CTPN:
    """The same detector with fewer LSTM units a direction and / or fewer units in its fully connected layer (a
    cheaper one to train by distillation): `narrowing` keeps the units most read by what follows them."""
    from ..narrowing import keep_linear_units, keep_lstm_units

    config, state = model.config, model.state_dict()
    rnn_hidden, fc = rnn_hidden or config.rnn_hidden, fc or config.fc
    if (rnn_hidden, fc) == (config.rnn_hidden, config.fc) or rnn_hidden > config.rnn_hidden or fc > config.fc:
        raise ValueError(f"LSTM {rnn_hidden} and fc {fc} do not narrow {config.rnn_hidden} and {config.fc}")
    if rnn_hidden < config.rnn_hidden:
        state = keep_lstm_units(state, 1, config.rnn_hidden, rnn_hidden, "fc.0.weight")
    if fc < config.fc:
        state = keep_linear_units(state, "fc.0", fc, ["cls.weight", "reg.weight"])
    narrow = CTPN(CTPNConfig.from_dict({**config.to_dict(), "rnn_hidden": rnn_hidden, "fc": fc}))
    narrow.load_state_dict(state)
    return narrow


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def load_ctpn(path: str | Path) -> CTPN:
    """The network of a detector checkpoint (for training, evaluation in PyTorch and export)."""
    from ..checkpoint import load_network

    return load_network(path, KIND, lambda config: CTPN(CTPNConfig.from_dict(config)))


def torch_detector(model: CTPN, **kw):
    """A TextDetector that runs `model` in PyTorch (training and evaluation)."""
    from ..checkpoint import TorchRunner
    from .predictor import TextDetector

    return TextDetector(TorchRunner(model), model.config, **kw)


def export_onnx(model: CTPN, path: str | Path) -> Path:
    """Exports with dynamic batch, height and width (multiples of 16); the config goes into the file's metadata."""
    from ..checkpoint import export_network

    cells = {0: "batch", 1: "rows", 2: "cols"}
    return export_network(model, path, KIND, torch.zeros(1, 1, 64, 96), ["scores", "regression"],
                          {"images": {0: "batch", 2: "height", 3: "width"}, "scores": cells, "regression": cells})
