import numpy as np
import pytest
import torch

from ocr_models.checkpoint import load_checkpoint, save_checkpoint
from ocr_models.loader import load_recognizer
from ocr_models.recognition.model import CRNN, KIND, CRNNConfig, export_onnx, load_crnn, output_lengths, torch_recognizer
from ocr_models.recognition.vocab import Charset
from ocr_models.runtime import read_metadata

TINY = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)


def test_output_shape_matches_width_stride():
    model = CRNN(TINY).eval()
    with torch.inference_mode():
        out = model(torch.zeros(3, 1, 32, 100))
    assert out.shape == (3, 25, len(Charset()))
    assert output_lengths(torch.tensor([100, 37])).tolist() == [25, 9]


def test_checkpoint_round_trip_keeps_config_and_weights(tmp_path):
    model = CRNN(TINY)
    path = tmp_path / "rec.pt"
    save_checkpoint(path, kind=KIND, config=TINY.to_dict(), model_state=model.state_dict())
    loaded = load_crnn(path)
    assert loaded.config == TINY
    x = torch.randn(1, 1, 32, 64)
    with torch.inference_mode():
        assert torch.allclose(model.eval()(x), loaded(x))


def test_checkpoint_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "det.pt"
    save_checkpoint(path, kind="detector", config={}, model_state={})
    with pytest.raises(ValueError):
        load_checkpoint(path, KIND)


def test_predictor_keeps_input_order_across_width_sorted_batches():
    model = CRNN(TINY)
    rec = torch_recognizer(model, batch_size=2)
    rng = np.random.default_rng(0)
    # Equal widths share a batch without padding, so batched and one-by-one results must agree.
    images = [rng.integers(0, 255, (20, w), dtype=np.uint8) for w in (300, 40, 300, 40, 900, 300)]
    batched = rec.recognize(images)
    single = [torch_recognizer(model, batch_size=1).recognize([img])[0] for img in images]
    assert [b.text for b in batched] == [s.text for s in single]
    assert all(0.0 <= b.confidence <= 1.0 for b in batched)


def test_onnx_export_matches_torch(tmp_path):
    model = CRNN(TINY).eval()
    path = tmp_path / "rec.pt"
    save_checkpoint(path, kind=KIND, config=TINY.to_dict(), model_state=model.state_dict())
    export_onnx(model, path.with_suffix(".onnx"))
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 255, (30, w), dtype=np.uint8) for w in (90, 250)]
    torch_out = load_recognizer(path, runtime="torch").recognize(images)
    onnx_out = load_recognizer(path, runtime="onnx").recognize(images)
    assert read_metadata(path.with_suffix(".onnx")) == (KIND, TINY.to_dict() | {"channels": list(TINY.channels)})
    # The .onnx file alone is enough to serve: its config comes from its metadata.
    path.unlink()
    only_onnx = load_recognizer(path.with_suffix(".onnx")).recognize(images)
    assert [o.text for o in only_onnx] == [o.text for o in onnx_out]
    assert [t.text for t in torch_out] == [o.text for o in onnx_out]
    assert np.allclose([t.confidence for t in torch_out], [o.confidence for o in onnx_out], atol=1e-4)


def test_batches_limit_padding():
    rec = torch_recognizer(CRNN(TINY), batch_size=8, max_padding=0.15)
    widths = np.array([100, 110, 114, 200, 210, 1000])
    assert list(rec._batches(np.arange(6), widths)) == [[0, 1, 2], [3, 4], [5]]


def test_parallel_workers_give_the_same_results():
    model = CRNN(TINY)
    rng = np.random.default_rng(2)
    images = [rng.integers(0, 255, (24, w), dtype=np.uint8) for w in (50, 400, 60, 700, 55, 420) * 3]
    one = torch_recognizer(model, batch_size=4).recognize(images)
    two = torch_recognizer(model, batch_size=4, workers=2).recognize(images)
    assert [a.text for a in one] == [b.text for b in two]
