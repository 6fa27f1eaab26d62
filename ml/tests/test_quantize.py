"""Int8 twins (ocr_models.quantize) and how the loader picks a model's file."""
import collections

import numpy as np
import onnx
import pytest
import torch

from ocr_models.detection.model import CTPN, CTPNConfig
from ocr_models.detection.model import export_onnx as export_detector
from ocr_models.loader import load_detector, load_recognizer, resolve
from ocr_models.quantize import FLOAT_HEAD, quantize
from ocr_models.recognition.model import CRNN, CRNNConfig
from ocr_models.recognition.model import export_onnx as export_recognizer
from ocr_models.runtime import int8_twin, read_metadata, weights_twin


def _ops(path) -> collections.Counter:
    return collections.Counter(node.op_type for node in onnx.load(str(path)).graph.node)


def _float_convs(path) -> list[bool]:
    """For each convolution in order: are its weights a float initializer (not the output of a DequantizeLinear)?"""
    graph = onnx.load(str(path)).graph
    initializers = {t.name for t in graph.initializer}
    return [node.input[1] in initializers for node in graph.node if node.op_type == "Conv"]


@pytest.fixture(scope="module")
def tiny_recognizer(tmp_path_factory):
    torch.manual_seed(0)
    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    return export_recognizer(CRNN(config), tmp_path_factory.mktemp("rec") / "tiny.onnx")


def test_recognizer_twin_is_int8_reads_like_float_and_carries_the_config(tiny_recognizer):
    twin = quantize(tiny_recognizer, calibration=8)
    assert twin == tiny_recognizer.with_name("tiny.int8.onnx")
    ops = _ops(twin)
    assert ops["DynamicQuantizeLSTM"] == 1 and ops["LSTM"] == 0
    in_float = _float_convs(twin)   # the first convolution, its ReLU and its max-pool stay float
    assert ops["QuantizeLinear"] >= 4 and in_float == [True] + [False] * (len(in_float) - 1)
    assert ops["MaxPool"] >= 1 and FLOAT_HEAD["recognizer"] == 1
    assert ops["MatMulInteger"] == 1 and ops["MatMul"] == 0   # the classifier: dynamic int8
    assert read_metadata(twin) == read_metadata(tiny_recognizer)

    line = np.full((32, 200), 255, np.uint8)
    line[8:24, 20:180:12] = 0
    as_float, as_int8 = (load_recognizer(tiny_recognizer, runtime) for runtime in ("onnx", "int8"))
    batch = np.random.default_rng(0).uniform(-1, 1, (2, 1, 32, 120)).astype(np.float32)
    a, b = as_float.run(batch)[0], as_int8.run(batch)[0]
    assert a.shape == b.shape and np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.98
    assert len(as_int8.recognize([line, line])) == 2


def test_detector_keeps_its_first_convolution_in_float(tmp_path):
    torch.manual_seed(0)
    path = export_detector(CTPN(CTPNConfig(channels=(8, 8, 16, 16), rnn_hidden=8, fc=16)), tmp_path / "det.onnx")
    twin = quantize(path, calibration=2)
    in_float = _float_convs(twin)
    assert in_float == [True] + [False] * (len(in_float) - 1) and all(_float_convs(path))
    assert FLOAT_HEAD["detector"] == 1 and len(in_float) > 2 and _ops(twin)["DynamicQuantizeLSTM"] == 1
    assert _ops(twin)["MatMulInteger"] == 0   # its fully connected layer stays float
    page = np.full((200, 300), 255, np.uint8)
    page[50:60, 40:260] = 0
    assert load_detector(twin, "int8").detect(page).width == 300


def test_auto_prefers_the_int8_twin_then_onnx_then_the_checkpoint(tmp_path):
    stem = tmp_path / "v1.5-model"   # a dot in the name is not a suffix
    checkpoint, onnx_file, twin = (weights_twin(stem, s) for s in (".pt", ".onnx", ".int8.onnx"))
    assert twin == int8_twin(checkpoint) == int8_twin(onnx_file) == tmp_path / "v1.5-model.int8.onnx"
    assert resolve(checkpoint) == ("torch", checkpoint)
    with pytest.raises(FileNotFoundError):
        resolve(checkpoint, "int8")
    onnx_file.touch()
    assert resolve(checkpoint) == ("onnx", onnx_file)
    twin.touch()
    for given in (checkpoint, onnx_file, twin):
        assert resolve(given) == ("int8", twin)
        assert resolve(given, "onnx") == ("onnx", onnx_file)
        assert resolve(given, "torch") == ("torch", checkpoint)


def _first_pool_reads(path, monkeypatch, tmp_path) -> str:
    """The operator whose output the first max-pool of `path` reads in the graph ONNX Runtime runs (OnnxModel's)."""
    from ocr_models import runtime

    optimized = tmp_path / "optimized.onnx"
    options = runtime.session_options

    def dumping(threads: int = 1):
        opts = options(threads)
        opts.optimized_model_filepath = str(optimized)
        return opts

    monkeypatch.setattr(runtime, "session_options", dumping)
    runtime.OnnxModel(path)
    graph = onnx.load(str(optimized)).graph
    producer = {out: node for node in graph.node for out in node.output}
    pool = next(node for node in graph.node if "MaxPool" in node.op_type)
    return producer[pool.input[0]].op_type


def test_the_float_max_pool_stays_float_when_served(tiny_recognizer, monkeypatch, tmp_path):
    """ONNX Runtime's QDQ propagation would move the quantizing after the float head's max-pool in front of it, to
    run the pool on uint8 in a generic kernel ten times slower; OnnxModel turns that rewrite off."""
    from ocr_models import runtime

    twin = quantize(tiny_recognizer, tmp_path / "tiny.int8.onnx", calibration=4)
    assert _first_pool_reads(twin, monkeypatch, tmp_path) != "QuantizeLinear"
    monkeypatch.setattr(runtime, "DISABLED_OPTIMIZERS", [])
    assert _first_pool_reads(twin, monkeypatch, tmp_path) == "QuantizeLinear"
