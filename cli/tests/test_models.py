"""`ocrmesh models`: versions with cards, evaluation side by side, the promotion gate, and rollback."""
import json
import shutil

import pytest

from ocr_models.checkpoint import load_checkpoint, save_checkpoint
from ocr_models.loader import resolve
from ocr_models.recognition.model import CRNN, CRNNConfig
from ocr_models.registry import ModelStore, compare, export_onnx_twin
from ocr_models.runtime import INT8_SUFFIX, int8_twin, read_metadata, weights_twin
from ocrmesh.__main__ import main


@pytest.fixture()
def store(tmp_path, recognizer_path, detector_path):
    """A model folder whose current recognizer is the committed one, stored as version `base`."""
    root = tmp_path / "models"
    root.mkdir()
    shutil.copy(detector_path, root / "detector.pt")
    store = ModelStore(root)
    store.make_current(store.add(recognizer_path, "base", {"data": ["synthetic"]}))
    return store


def _models(store, evaldata, *args):
    return main(["models", "--model-dir", str(store.root), *args, *(["--evaldata", str(evaldata), "--limit", "3"]
                                                                      if args[0] != "list" else [])])


def test_compare_flags_only_losses_beyond_the_tolerance():
    current = {"lines:uw3": {"cer": 0.0110}, "pages:sroie_receipt": {"cer": 0.07, "f1": 0.80}}
    rows = compare(current, {"lines:uw3": {"cer": 0.0127}, "pages:sroie_receipt": {"cer": 0.05, "f1": 0.79}}, 0.15)
    worse = {(r["subset"], r["metric"]) for r in rows if r["worse"]}
    assert worse == {("lines:uw3", "cer"), ("pages:sroie_receipt", "f1")}
    assert not any(r["worse"] for r in compare(current, current, 0.15))


def test_worse_candidate_is_refused_and_current_stays(store, evaldata, tmp_path, capsys):
    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    bad = tmp_path / "untrained.pt"
    save_checkpoint(bad, kind="recognizer", config=config.to_dict(), model_state=CRNN(config).state_dict())
    before = store.current_path("recognizer").read_bytes()
    for runtime in ("int8", "torch"):   # as served, and both models in PyTorch
        assert _models(store, evaldata, "promote", str(bad), "--runtime", runtime) == 1
        assert "refused" in capsys.readouterr().err
    assert store.current_path("recognizer").read_bytes() == before
    assert [v.name for v in store.versions("recognizer")] == ["base"]


def test_promote_stores_a_versioned_card_and_rollback_restores(store, evaldata, recognizer_path, tmp_path, capsys):
    candidate = tmp_path / "retrained.pt"
    ckpt = load_checkpoint(recognizer_path)
    save_checkpoint(candidate, kind="recognizer", config=ckpt["config"], model_state=ckpt["model"],
                    training={"command": "ocrmesh train recognizer --data x", "data": ["synthetic", "x"]})
    assert _models(store, evaldata, "evaluate", str(candidate)) == 0
    assert "lines:uw3" in capsys.readouterr().out

    assert _models(store, evaldata, "promote", str(candidate), "--version", "v2") == 0
    card = load_checkpoint(store.current_path("recognizer"))["card"]
    assert card["version"] == "v2" and card["parent"] == "base" and card["data"] == ["synthetic", "x"]
    assert card["command"] == "ocrmesh train recognizer --data x" and "lines:uw3" in card["scores"]
    assert card["scored_in"] == "int8"
    for suffix in (".onnx", INT8_SUFFIX):   # both twins, the int8 one what serving runs by default
        assert weights_twin(store.current_path("recognizer"), suffix).read_bytes() == \
            weights_twin(store.version_path("recognizer", "v2"), suffix).read_bytes()
    # The promoted ONNX model carries its config: serving needs only that file.
    kind, config = read_metadata(store.current_path("recognizer").with_suffix(".onnx"))
    assert kind == "recognizer" and CRNNConfig.from_dict(config) == CRNNConfig.from_dict(ckpt["config"])

    capsys.readouterr()
    assert _models(store, evaldata, "list") == 0
    listed = capsys.readouterr().out
    assert "* recognizer v2" in listed and "  recognizer base" in listed

    # Rolling back to a version stored before int8 twins existed leaves no newer twin to be served.
    int8_twin(store.version_path("recognizer", "base")).unlink()
    assert _models(store, evaldata, "promote", "base", "--kind", "recognizer") == 0
    assert store.current_name("recognizer") == "base"
    assert store.current_path("recognizer").read_bytes() == store.version_path("recognizer", "base").read_bytes()
    assert not int8_twin(store.current_path("recognizer")).exists()
    assert resolve(store.current_path("recognizer")) == ("onnx", store.current_path("recognizer").with_suffix(".onnx"))


def test_version_names_are_checked(store):
    with pytest.raises(ValueError):
        store.version_path("recognizer", "../escape")
    with pytest.raises(FileNotFoundError):
        store.resolve("recognizer", "no-such-version")


def test_interpolation_lies_between_the_two_weights(tmp_path):
    from ocr_models.registry import interpolate

    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    paths = []
    for seed in (1, 2):
        import torch

        torch.manual_seed(seed)
        paths.append(tmp_path / f"m{seed}.pt")
        save_checkpoint(paths[-1], kind="recognizer", config=config.to_dict(), model_state=CRNN(config).state_dict())
    mid = load_checkpoint(interpolate(paths[0], paths[1], 0.25, tmp_path / "mid.pt"))
    a, b = (load_checkpoint(p)["model"] for p in paths)
    key = next(k for k, v in a.items() if v.is_floating_point() and not torch.equal(v, b[k]))
    assert torch.allclose(mid["model"][key], 0.75 * a[key] + 0.25 * b[key])
    assert mid["interpolated"] == {"alpha": 0.25} and mid["kind"] == "recognizer"


def test_average_is_the_mean_of_the_weights_and_refuses_different_models(tmp_path, capsys):
    import torch

    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    paths = []
    for seed in (1, 2, 3):
        torch.manual_seed(seed)
        paths.append(tmp_path / f"m{seed}.pt")
        save_checkpoint(paths[-1], kind="recognizer", config=config.to_dict(), model_state=CRNN(config).state_dict())
    out = tmp_path / "mean.pt"
    assert main(["models", "average", *map(str, paths), "--out", str(out)]) == 0
    mean = load_checkpoint(out)
    states = [load_checkpoint(p)["model"] for p in paths]
    for key, value in mean["model"].items():
        if value.is_floating_point():
            assert torch.allclose(value, (states[0][key] + states[1][key] + states[2][key]) / 3)
    assert mean["averaged"] == {"of": [str(p) for p in paths]}

    other = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=24, rnn_layers=1, dropout=0.0)
    save_checkpoint(tmp_path / "wide.pt", kind="recognizer", config=other.to_dict(), model_state=CRNN(other).state_dict())
    assert main(["models", "average", str(paths[0]), str(tmp_path / "wide.pt"), "--out", str(tmp_path / "x.pt")]) == 2
    assert "not the same model" in capsys.readouterr().err and not (tmp_path / "x.pt").exists()


def test_weights_with_a_shorter_charset_are_extended_before_they_are_mixed(tmp_path):
    import torch

    from ocr_models.recognition.model import extend_charset
    from ocr_models.recognition.vocab import DEFAULT_CHARSET, LATIN_CHARSET
    from ocr_models.registry import interpolate

    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    assert config.charset == DEFAULT_CHARSET and LATIN_CHARSET.startswith(DEFAULT_CHARSET)
    torch.manual_seed(4)
    start = CRNN(config)
    torch.manual_seed(5)
    learned = CRNN(CRNNConfig.from_dict({**config.to_dict(), "charset": LATIN_CHARSET}))
    save_checkpoint(tmp_path / "start.pt", kind="recognizer", config=config.to_dict(), model_state=start.state_dict())
    save_checkpoint(tmp_path / "latin.pt", kind="recognizer", config=learned.config.to_dict(),
                    model_state=learned.state_dict())
    mid = load_checkpoint(interpolate(tmp_path / "start.pt", tmp_path / "latin.pt", 0.5, tmp_path / "mid.pt"))
    grown = extend_charset(start, LATIN_CHARSET).state_dict()
    assert mid["config"]["charset"] == LATIN_CHARSET
    for key, value in learned.state_dict().items():
        if value.is_floating_point():
            assert torch.allclose(mid["model"][key], (grown[key] + value) / 2)
    # The other way round (the last checkpoint's charset shorter) is no extension: refused.
    with pytest.raises(ValueError, match="not the same model"):
        interpolate(tmp_path / "latin.pt", tmp_path / "start.pt", 0.5, tmp_path / "x.pt")


def test_the_gate_scores_a_fresh_int8_twin_not_one_left_beside_the_candidate(store, evaldata, recognizer_path,
                                                                              tmp_path, capsys):
    candidate = tmp_path / "same.pt"
    shutil.copy(recognizer_path, candidate)
    # Twins of an untrained model under the candidate's name: what a retrained checkpoint leaves stale.
    config = CRNNConfig(channels=(4, 8, 8, 16, 16), rnn_hidden=16, rnn_layers=1, dropout=0.0)
    stale = tmp_path / "stale" / "same.pt"
    stale.parent.mkdir()
    save_checkpoint(stale, kind="recognizer", config=config.to_dict(), model_state=CRNN(config).state_dict())
    export_onnx_twin("recognizer", stale)
    for suffix in (".onnx", INT8_SUFFIX):
        shutil.copy(weights_twin(stale, suffix), weights_twin(candidate, suffix))
    capsys.readouterr()

    assert _models(store, evaldata, "evaluate", str(candidate), "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and not any(r["worse"] for r in rows)
    lines = [r for r in rows if r["subset"].startswith("lines:")]
    assert lines and all(r["candidate"] == r["current"] for r in lines)
