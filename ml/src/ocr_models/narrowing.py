"""Cheaper networks from trained ones, to start a distillation from: the convolution blocks (each a convolution, a
batch norm and a ReLU) that feed an LSTM keep fewer channels, the weightiest ones, with every weight between kept
channels as it was. Both the recognizer and the detector are built this way (`narrow_convs` in each model)."""
from __future__ import annotations

import torch


def narrower(channels, old: tuple[int, ...]) -> tuple[int, ...]:
    """`channels` as a tuple, or ValueError where they do not narrow `old` (as many stages, none wider, one fewer)."""
    channels = tuple(int(c) for c in channels)
    if len(channels) != len(old) or any(not 1 <= n <= o for n, o in zip(channels, old)) or channels == tuple(old):
        raise ValueError(f"channels {channels} do not narrow {tuple(old)}")
    return channels


def keep_conv_channels(state: dict[str, torch.Tensor], blocks: list[str], widths: list[int],
                       rnn: str = "rnn") -> dict[str, torch.Tensor]:
    """`state` with each of `blocks` (a prefix such as "features.3": ".0" its convolution, ".1" its batch norm), in
    the order they run, cut to `widths` output channels: those whose batch-norm scale, times how much the next block
    (or the first layer of the LSTM `rnn`, both directions) reads them, weigh most. A dropped channel still fed the
    next block, so the narrowed network reads worse until it is trained."""

    def readers(i: int) -> torch.Tensor:
        if i + 1 < len(blocks):
            return state[f"{blocks[i + 1]}.0.weight"].pow(2).sum((0, 2, 3))
        return sum(state[f"{rnn}.weight_ih_l0{s}"].pow(2).sum(0) for s in ("", "_reverse"))

    kept = []
    for i, (block, width) in enumerate(zip(blocks, widths, strict=True)):
        weight = state[f"{block}.1.weight"].abs() * readers(i).sqrt()
        kept.append(torch.sort(torch.topk(weight, width).indices).values)
    out = dict(state)
    for i, block in enumerate(blocks):
        conv = state[f"{block}.0.weight"][kept[i]]
        out[f"{block}.0.weight"] = (conv[:, kept[i - 1]] if i else conv).clone()
        for name in ("weight", "bias", "running_mean", "running_var"):
            out[f"{block}.1.{name}"] = state[f"{block}.1.{name}"][kept[i]].clone()
    for s in ("", "_reverse"):
        out[f"{rnn}.weight_ih_l0{s}"] = state[f"{rnn}.weight_ih_l0{s}"][:, kept[-1]].clone()
    return out
