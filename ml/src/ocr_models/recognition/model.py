"""CRNN text-line recognizer: conv feature extractor -> BiLSTM -> per-frame class scores for CTC.

Shi, Bai, Yao, "An End-to-End Trainable Neural Network for Image-based Sequence Recognition" (2015).
Early conv layers stay narrow because they run at full resolution and dominate the cost on CPU;
capacity sits in the top layers and the LSTM, which are cheap.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .config import WIDTH_STRIDE, CRNNConfig
from .vocab import Charset

KIND = "recognizer"


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class CRNN(nn.Module):
    """Input (N, 1, 32, W) normalised grey lines; output logits (N, W // 4, classes)."""

    def __init__(self, config: CRNNConfig):
        super().__init__()
        if config.height != 32 or len(config.channels) != 5:
            raise ValueError("CRNN expects height 32 and five conv stages")
        self.config = config
        c = config.channels
        self.features = nn.Sequential(
            _conv_block(1, c[0]), nn.MaxPool2d(2, 2),             # 16 x W/2
            _conv_block(c[0], c[1]), nn.MaxPool2d(2, 2),          # 8 x W/4
            _conv_block(c[1], c[2]), nn.MaxPool2d((2, 1), (2, 1)),  # 4 x W/4
            _conv_block(c[2], c[3]), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x W/4
            _conv_block(c[3], c[4]), nn.MaxPool2d((2, 1), (2, 1)),  # 1 x W/4
        )
        self.dropout = nn.Dropout(config.dropout)
        self.rnn = nn.LSTM(
            c[4], config.rnn_hidden, num_layers=config.rnn_layers, bidirectional=True,
            batch_first=True, dropout=config.dropout if config.rnn_layers > 1 else 0.0,
        )
        self.classifier = nn.Linear(2 * config.rnn_hidden, len(Charset(config.charset)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.sequence(images)))

    def sequence(self, images: torch.Tensor) -> torch.Tensor:
        """The top LSTM layer's output (N, T, 2 x rnn_hidden): what the classifier reads."""
        feats = self.features(images).squeeze(2).transpose(1, 2)  # (N, T, C)
        seq, _ = self.rnn(self.dropout(feats))
        return seq


def extend_charset(model: CRNN, charset: str, margin: float = 8.0) -> CRNN:
    """The same network reading a larger charset (the old one as its prefix): the old classes keep their
    weights; a new character starts from the weights of its base letter or look-alike (é from e, ß from s,
    « from <, σ from o) with its bias `margin` lower, so the extended model reads exactly as before until it is
    trained. A smaller margin lets a short fine-tune at a low learning rate bring the new classes in (Adam moves
    a bias by about the learning rate a step)."""
    old = model.config.charset
    if not charset.startswith(old):
        raise ValueError("the new charset must extend the model's charset (the old one as its prefix)")
    config = CRNNConfig.from_dict({**model.config.to_dict(), "charset": charset})
    bigger = CRNN(config)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("classifier.")}
    bigger.load_state_dict(state, strict=False)
    old_set, new_set = Charset(old), Charset(charset)
    with torch.no_grad():
        w, b = model.classifier.weight, model.classifier.bias
        bigger.classifier.weight[: len(old_set)] = w
        bigger.classifier.bias[: len(old_set)] = b
        for ch in charset[len(old):]:
            base = _base_letter(ch, old)
            i = new_set.encode(ch)[0]
            source = old_set.encode(base)[0] if base else 0
            bigger.classifier.weight[i] = w[source]
            bigger.classifier.bias[i] = b[source] - margin
    return bigger


def widen_rnn(model: CRNN, rnn_hidden: int, seed: int = 0) -> CRNN:
    """The same function with more LSTM units per direction (capacity for a fine-tune, Net2Net-style): the
    old units keep their weights; a new unit gets small random input weights, and everything it feeds
    (the recurrent weights, the next layer, the classifier) starts at zero, so the wider model reads
    exactly as before until training gives the new units a say."""
    h, h2 = model.config.rnn_hidden, rnn_hidden
    if h2 <= h:
        raise ValueError(f"rnn_hidden {h2} does not widen {h}")
    wider = CRNN(CRNNConfig.from_dict({**model.config.to_dict(), "rnn_hidden": h2}))
    generator = torch.Generator().manual_seed(seed)

    def small(*shape: int) -> torch.Tensor:
        return (torch.rand(shape, generator=generator) * 2 - 1) / h2 ** 0.5

    def units(t: torch.Tensor) -> torch.Tensor:
        """(..., 2h) -> (..., 2h2): the forward then backward units' columns, zero for the new units."""
        out = torch.zeros((*t.shape[:-1], 2 * h2))
        out[..., :h], out[..., h2: h2 + h] = t[..., :h], t[..., h:]
        return out

    state = model.state_dict()
    with torch.no_grad():
        for name, value in state.items():
            if not name.startswith("rnn."):
                continue
            if name.startswith("rnn.weight_hh"):          # (4h, h) -> (4h2, h2); nobody reads a new unit's state
                grown, old = small(4 * h2, h2), torch.zeros(4 * h, h2)
                grown[:, h:] = 0.0
                old[:, :h] = value
            elif name.startswith("rnn.weight_ih_l0"):     # (4h, C): the conv features
                grown, old = small(4 * h2, value.shape[1]), value
            elif name.startswith("rnn.weight_ih"):        # (4h, 2h): the layer below, both directions
                grown, old = small(4 * h2, 2 * h2), units(value)
                grown[:, h: h2] = 0.0
                grown[:, h2 + h:] = 0.0
            else:                                         # biases (4h)
                grown, old = small(4 * h2) * 0.1, value
            for g in range(4):                            # gates i, f, g, o: the old units' rows as they were
                grown[g * h2: g * h2 + h] = old[g * h: (g + 1) * h]
            state[name] = grown
        state["classifier.weight"] = units(state["classifier.weight"])
    wider.load_state_dict(state)
    return wider


def shorten_rnn(model: CRNN, rnn_layers: int) -> CRNN:
    """The same network with only its lowest `rnn_layers` LSTM layers (a cheaper reader to fine-tune: each layer
    is about a quarter of the recognizer's time). The kept layers and the convolutions keep their weights; the
    classifier, which read the top layer, now reads the last kept one (same width) and must be trained again."""
    if not 1 <= rnn_layers < model.config.rnn_layers:
        raise ValueError(f"rnn_layers {rnn_layers} does not shorten {model.config.rnn_layers}")
    shorter = CRNN(CRNNConfig.from_dict({**model.config.to_dict(), "rnn_layers": rnn_layers}))
    kept = {k: v for k, v in model.state_dict().items()
            if not k.startswith("rnn.") or int(k.split("_l")[1].split("_")[0]) < rnn_layers}
    shorter.load_state_dict(kept)
    return shorter


def narrow_rnn(model: CRNN, rnn_hidden: int) -> CRNN:
    """The same network with fewer LSTM units per direction (a cheaper reader to train by distillation: two
    layers of 128 cost about what one of 192 does): `narrowing.keep_lstm_units` keeps each layer's and direction's
    most-read units; the convolutions are unchanged. Dropping units changes what the kept ones see, so the classifier
    must be fitted again (`fit_classifier`) and the whole trained."""
    from ..narrowing import keep_lstm_units

    config = model.config
    state = keep_lstm_units(model.state_dict(), config.rnn_layers, config.rnn_hidden, rnn_hidden, "classifier.weight")
    narrow = CRNN(CRNNConfig.from_dict({**config.to_dict(), "rnn_hidden": rnn_hidden}))
    narrow.load_state_dict(state)
    return narrow


def narrow_convs(model: CRNN, channels: tuple[int, ...]) -> CRNN:
    """The same network with fewer channels in its convolutions (a cheaper reader to train by distillation: half
    the channels take about a quarter off the recognizer's time): `narrowing.keep_conv_channels` keeps each stage's
    weightiest channels. The narrowed network reads worse until it is trained; `fit_classifier` and distillation
    bring it back."""
    from ..narrowing import keep_conv_channels, narrower

    channels = narrower(channels, model.config.channels)
    blocks = [f"features.{i}" for i, m in enumerate(model.features) if isinstance(m, nn.Sequential)]   # five stages
    narrow = CRNN(CRNNConfig.from_dict({**model.config.to_dict(), "channels": list(channels)}))
    narrow.load_state_dict(keep_conv_channels(model.state_dict(), blocks, list(channels)))
    return narrow


def fit_classifier(student: CRNN, teacher: CRNN, batches: list[torch.Tensor], ridge: float = 1e-3) -> None:
    """Sets the student's classifier to the least-squares map from its top LSTM layer to the teacher's logits on
    `batches` of lines: a shortened reader (`shorten_rnn`) then starts close to what the teacher reads, instead of
    from a classifier that was trained on another layer."""
    modes = student.training, teacher.training
    student.eval()
    teacher.eval()
    features, targets = [], []
    with torch.no_grad():
        for images in batches:
            seq = student.sequence(images)
            features.append(seq.reshape(-1, seq.shape[-1]))
            targets.append(teacher(images).reshape(features[-1].shape[0], -1))
        x = torch.cat(features).double()
        x = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], 1)   # the bias as one more input
        gram = x.T @ x + ridge * len(x) * torch.eye(x.shape[1], dtype=x.dtype)
        w = torch.linalg.solve(gram, x.T @ torch.cat(targets).double()).float()
        student.classifier.weight.copy_(w[:-1].T)
        student.classifier.bias.copy_(w[-1])
    student.train(modes[0])
    teacher.train(modes[1])


_BASE_OVERRIDES = {"ß": "s", "æ": "a", "Æ": "A", "œ": "o", "Œ": "O", "ø": "o", "Ø": "O", "«": "<", "»": ">",
                   "„": '"', "§": "S", "©": "c", "®": "R", "µ": "u", "½": "1",
                   "α": "a", "β": "ß", "γ": "y", "ε": "e", "κ": "k", "ρ": "p", "τ": "t", "χ": "x", "ω": "w", "±": "+",
                   "×": "x", "·": ".", "≤": "<", "≥": ">", "≠": "=", "≈": "~", "→": "-", "∈": "e", "δ": "d",
                   "ζ": "z", "η": "n", "θ": "0", "λ": "A", "ξ": "E", "π": "n", "σ": "o", "φ": "o", "ψ": "y", "Γ": "r",
                   "∆": "A", "Θ": "O", "Λ": "A", "Ξ": "E", "Π": "n", "Σ": "E", "Φ": "O", "Ψ": "Y", "Ω": "O", "÷": "+",
                   "∞": "8", "∂": "d", "∇": "V", "√": "v", "∫": "f"}


def _base_letter(ch: str, charset: str) -> str | None:
    import unicodedata

    base = _BASE_OVERRIDES.get(ch) or unicodedata.normalize("NFKD", ch)[:1]
    return base if base in charset else None


def output_lengths(widths: torch.Tensor) -> torch.Tensor:
    """Frames produced for inputs of the given widths."""
    return widths // WIDTH_STRIDE


def distillation_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean KL divergence from the teacher's per-frame class distribution to the student's, over each line's real
    frames (`lengths`; the padding after them is left out). Both read the same frames (the same convolutions'
    stride), so every frame of the teacher's reading is a target, not only the characters CTC aligns."""
    frames = torch.arange(student_logits.shape[1], device=student_logits.device)[None, :] < lengths[:, None]
    teacher = teacher_logits.log_softmax(-1)
    kl = (teacher.exp() * (teacher - student_logits.log_softmax(-1))).sum(-1)
    return (kl * frames).sum() / frames.sum().clamp(min=1)


def load_crnn(path: str | Path) -> CRNN:
    """The network of a recognizer checkpoint (for training, evaluation in PyTorch and export)."""
    from ..checkpoint import load_network

    return load_network(path, KIND, lambda config: CRNN(CRNNConfig.from_dict(config)))


def torch_recognizer(model: CRNN, **kw):
    """A LineRecognizer that runs `model` in PyTorch (training and evaluation)."""
    from ..checkpoint import TorchRunner
    from .predictor import LineRecognizer

    return LineRecognizer(TorchRunner(model), model.config, **kw)


def export_onnx(model: CRNN, path: str | Path) -> Path:
    """Exports with dynamic batch and width axes; the config goes into the file's metadata."""
    from ..checkpoint import export_network

    return export_network(model, path, KIND, torch.zeros(2, 1, model.config.height, 160), ["logits"],
                          {"images": {0: "batch", 3: "width"}, "logits": {0: "batch", 1: "frames"}})
