"""Int8 twins of the exported models: what serving runs by default (docs/performance.md, "Int8 twins").

    quantize(onnx_path) -> <name>.int8.onnx beside it

Convolutions (and the recognizer's ReLUs and max-pools) become static int8 (QDQ, per-channel weights; activation
ranges measured on synthetic inputs rendered from the training fonts, never on real data), LSTMs (and the
recognizer's classifier) dynamic int8.
Weights keep 7 bits (`reduce_range`): an x86 CPU without VNNI adds uint8 x int8 products pairwise in int16, which
saturates with 8-bit weights, so the same file would read differently there; with 7 bits it cannot, and such a CPU
sums exactly as one with VNNI (or ARM's dot products) does. Each model's first convolution stays in float, with
its ReLU and max-pool: it reads one grey channel at full size, where ONNX Runtime's int8 convolution wastes most
of its work on the one input channel (the recognizer's first convolution took 13 % of its time for 1 % of its
products) and float's blocked kernels do not (docs/performance.md). Needs the `train` extra (onnx, the renderers).
"""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from .runtime import OnnxModel, int8_twin, write_metadata

# Inputs the activation ranges are measured on, and the seed they are drawn with (the same file each time on
# the same fonts).
CALIBRATION = {"recognizer": 512, "detector": 32}
SEED = 20261206
# First convolutions left in float, each with what follows it up to the next convolution (ReLU, max-pool).
FLOAT_HEAD = {"recognizer": 1, "detector": 1}
# Operators made static int8. The recognizer's ReLUs and max-pools too, so its convolutions pass int8 from one to
# the next (no dequantize and quantize around each: 7 % of its time); in the detector that cost DocBank 0.05 points
# and saved nothing measurable.
STATIC_OPS = {"recognizer": ("Conv", "Relu", "MaxPool"), "detector": ("Conv",)}
# Operators made dynamic int8. The recognizer's classifier (a MatMul) too: 4-6 % of its time, its dev figures within
# 0.01 points; the detector's fully connected layer cost old books 0.07 points.
DYNAMIC_OPS = {"recognizer": ("LSTM", "MatMul"), "detector": ("LSTM",)}


def _recognizer_inputs(config: dict, n: int) -> list[np.ndarray]:
    from .data.fonts import discover_fonts, split_fonts
    from .data.lines import LineSynthesizer
    from .recognition.vocab import Charset

    charset = Charset(config["charset"])
    fonts = split_fonts(discover_fonts(config["charset"]))[0]
    # Lines as scans print them (binarised prose, listings): measured on lines drawn half that way, half clean,
    # the dev receipt lines read 0.06 points worse than in float; these read them as float does.
    synth = LineSynthesizer(fonts, charset, seed=SEED, height=config["height"], scanned_print=1.0)
    return [synth.sample()[0][None, None] for _ in range(n)]


def _detector_inputs(model: OnnxModel, n: int) -> list[np.ndarray]:
    from .data.fonts import discover_fonts, split_fonts
    from .data.render_page import render_page
    from .detection.config import CTPNConfig
    from .detection.predictor import TextDetector
    from .recognition.vocab import DEFAULT_CHARSET

    detector = TextDetector(model, CTPNConfig.from_dict(model.config))
    fonts = split_fonts(discover_fonts(DEFAULT_CHARSET))[0]
    rng = random.Random(SEED)
    return [detector.prepare(render_page(rng, fonts)[0])[0] for _ in range(n)]


def calibration_inputs(model: OnnxModel, n: int | None = None) -> list[np.ndarray]:
    """Model inputs (one image each) to measure activation ranges on."""
    n = n or CALIBRATION[model.kind]
    if model.kind == "recognizer":
        return _recognizer_inputs(model.config, n)
    return _detector_inputs(model, n)


def quantize(onnx_path: str | Path, out: str | Path | None = None, calibration: int | None = None) -> Path:
    """Writes the int8 twin of an exported model (default: `int8_twin(onnx_path)`), its metadata copied."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static

    onnx_path = Path(onnx_path)
    out = Path(out) if out is not None else int8_twin(onnx_path)
    model = OnnxModel(onnx_path)
    inputs = iter(calibration_inputs(model, calibration))

    class Inputs(CalibrationDataReader):
        def get_next(self):
            x = next(inputs, None)
            return None if x is None else {"images": x}

    nodes = onnx.load(str(onnx_path)).graph.node
    convs = [i for i, node in enumerate(nodes) if node.op_type == "Conv"]
    in_float = [node.name for node in nodes[:convs[FLOAT_HEAD[model.kind]]]]   # the nodes before the first int8 one
    static = out.with_name(out.name + ".static.tmp")
    tmp = out.with_name(out.name + ".tmp")
    try:
        quantize_static(onnx_path, static, Inputs(), quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=list(STATIC_OPS[model.kind]), per_channel=True, reduce_range=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        nodes_to_exclude=in_float)
        quantize_dynamic(static, tmp, op_types_to_quantize=list(DYNAMIC_OPS[model.kind]), per_channel=True,
                         reduce_range=True, weight_type=QuantType.QInt8)
        write_metadata(tmp, model.kind, model.config)
        tmp.replace(out)
    finally:
        static.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return out
