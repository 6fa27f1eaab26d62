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


def keep_lstm_units(state: dict[str, torch.Tensor], layers: int, hidden: int, units: int, reader: str,
                    rnn: str = "rnn") -> dict[str, torch.Tensor]:
    """`state` with the bidirectional LSTM `rnn` (`layers` layers of `hidden` units a direction) cut to `units` a
    direction: each layer and direction keeps the units whose outputs weigh most where they are read (the next
    layer's input weights, or the weight `reader` of what reads the top layer, and their own recurrent weights), with
    every weight between kept units as it was. Dropping units changes what the kept ones see: train it again."""
    if not 1 <= units < hidden:
        raise ValueError(f"{units} LSTM units do not narrow {hidden}")
    suffixes = ("", "_reverse")

    def readers(layer: int) -> torch.Tensor:
        """(2 hidden,) how much the next layer (or `reader`) reads each unit of `layer`, both directions."""
        if layer + 1 < layers:
            return torch.cat([state[f"{rnn}.weight_ih_l{layer + 1}{s}"] for s in suffixes]).pow(2).sum(0)
        return state[reader].pow(2).sum(0)

    kept = []   # per layer: indices into its 2 hidden outputs (forward units, then backward ones)
    for layer in range(layers):
        weight = readers(layer)
        picks = []
        for d, s in enumerate(suffixes):
            own = state[f"{rnn}.weight_hh_l{layer}{s}"].pow(2).sum(0)
            picks.append(torch.sort(torch.topk(weight[d * hidden:(d + 1) * hidden] + own, units).indices).values
                         + d * hidden)
        kept.append(torch.cat(picks))

    def gate_rows(kept_units: torch.Tensor) -> torch.Tensor:
        return torch.cat([kept_units + g * hidden for g in range(4)])

    out = dict(state)
    for name, value in state.items():
        if not name.startswith(f"{rnn}."):
            continue
        layer = int(name.split("_l")[1].split("_")[0])
        d = int(name.endswith("_reverse"))
        own = kept[layer][d * units:(d + 1) * units] - d * hidden      # this direction's kept units, 0..hidden-1
        value = value[gate_rows(own)]
        if name.startswith(f"{rnn}.weight_hh"):
            value = value[:, own]
        elif name.startswith(f"{rnn}.weight_ih") and layer > 0:
            value = value[:, kept[layer - 1]]
        out[name] = value.clone()
    out[reader] = state[reader][:, kept[-1]].clone()
    return out


def keep_linear_units(state: dict[str, torch.Tensor], layer: str, units: int, readers: list[str]) -> dict[str, torch.Tensor]:
    """`state` with the linear layer `layer` (followed by a ReLU) cut to `units` outputs: those that the weights
    `readers` read most, with every other weight as it was."""
    weight = sum(state[r].pow(2).sum(0) for r in readers)
    if not 1 <= units < len(weight):
        raise ValueError(f"{units} units do not narrow {len(weight)}")
    kept = torch.sort(torch.topk(weight, units).indices).values
    out = dict(state)
    out[f"{layer}.weight"], out[f"{layer}.bias"] = state[f"{layer}.weight"][kept].clone(), state[f"{layer}.bias"][kept].clone()
    for r in readers:
        out[r] = state[r][:, kept].clone()
    return out
