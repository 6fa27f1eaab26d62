"""A cheaper recognizer learned from the current one: fewer LSTM layers (shorten_rnn, fit_classifier) and the
teacher's per-frame reading as a second target (distillation_loss, `--distill-from`)."""
import argparse

import pytest
import torch

from ocr_models.checkpoint import load_checkpoint, save_checkpoint
from ocr_models.recognition.model import CRNN, KIND, CRNNConfig, distillation_loss, narrow_convs, narrow_rnn
from ocr_models.training.train_recognizer import add_arguments, train


def test_distillation_loss_is_zero_on_the_teachers_reading_and_ignores_padding():
    torch.manual_seed(0)
    teacher = torch.randn(2, 10, 7) * 3
    lengths = torch.tensor([10, 6])
    assert distillation_loss(teacher.clone(), teacher, lengths).abs() < 1e-6
    student = torch.randn(2, 10, 7)
    loss = distillation_loss(student, teacher, lengths)
    assert loss > 0.1
    padded = student.clone()
    padded[1, 6:] = torch.randn(4, 7) * 10        # frames past the second line's end
    assert torch.allclose(distillation_loss(padded, teacher, lengths), loss)
    closer = (student + teacher) / 2
    assert distillation_loss(closer, teacher, lengths) < loss


def _student(tmp_path, teacher_path, name: str, *extra: str):
    p = argparse.ArgumentParser()
    add_arguments(p)
    train(p.parse_args(["--out", str(tmp_path / name), "--steps", "60", "--batch-size", "4", "--workers", "0",
                        "--init", str(teacher_path), "--rnn-layers", "1", "--eval-every", "1000", "--val-lines", "0",
                        "--overfit-batch", "--lr", "5e-3", "--warmup", "10", "--seed", "3", *extra]))
    return load_checkpoint(tmp_path / name / "last.pt")


def test_a_one_layer_student_learns_its_two_layer_teachers_reading(tmp_path):
    torch.manual_seed(1)
    config = CRNNConfig(channels=(8, 16, 32, 48, 64), rnn_hidden=32, rnn_layers=2)
    teacher = CRNN(config).eval()
    teacher_path = tmp_path / "teacher.pt"
    save_checkpoint(teacher_path, kind=KIND, config=config.to_dict(), model_state=teacher.state_dict())
    plain = _student(tmp_path, teacher_path, "plain")
    taught = _student(tmp_path, teacher_path, "taught", "--distill-from", str(teacher_path), "--distill-weight", "5")
    assert taught["config"]["rnn_layers"] == 1 and not any(k.startswith("rnn.weight_ih_l1") for k in taught["model"])

    images = torch.rand(4, 1, 32, 120) * 2 - 1
    lengths = torch.full((4,), 30)

    def gap(run) -> float:
        student = CRNN(CRNNConfig.from_dict(run["config"]))
        student.load_state_dict(run["model"])
        with torch.no_grad():
            return distillation_loss(student.eval()(images), teacher(images), lengths).item()

    assert gap(taught) < 0.5 * gap(plain), (gap(taught), gap(plain))   # trained on the labels alone, it drifts away


def test_a_narrowed_model_keeps_the_units_that_are_read_and_reads_as_before_without_the_others():
    """Units whose outputs nobody reads (zero weights out of them) are the ones dropped, and with them gone the
    narrower network computes exactly what the wider one did."""
    torch.manual_seed(0)
    model = CRNN(CRNNConfig(channels=(8, 16, 16, 32, 32), rnn_hidden=16, rnn_layers=2)).eval()
    unread = {0: ([1, 5, 9, 14], [0, 3, 8, 15]), 1: ([2, 4, 11, 13], [6, 7, 10, 12])}   # per layer: fwd, bwd units
    with torch.no_grad():
        for layer, (fwd, bwd) in unread.items():
            columns = fwd + [16 + u for u in bwd]
            readers = [model.classifier.weight] if layer == 1 else [model.rnn.weight_ih_l1, model.rnn.weight_ih_l1_reverse]
            for weight in readers:
                weight[:, columns] = 0
            getattr(model.rnn, f"weight_hh_l{layer}")[:, fwd] = 0
            getattr(model.rnn, f"weight_hh_l{layer}_reverse")[:, bwd] = 0
    narrow = narrow_rnn(model, 12).eval()
    assert narrow.config.rnn_hidden == 12 and narrow.rnn.weight_hh_l1.shape == (48, 12)
    assert sum(p.numel() for p in narrow.parameters()) < sum(p.numel() for p in model.parameters())
    x = torch.rand(3, 1, 32, 96) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(narrow(x), model(x), atol=1e-5)
        other = narrow_rnn(CRNN(CRNNConfig(channels=(8, 16, 16, 32, 32), rnn_hidden=16, rnn_layers=2)).eval(), 12)
        assert not torch.allclose(other(x), model(x), atol=1e-2)


def test_a_narrowed_convolution_keeps_the_channels_that_weigh_and_reads_as_before_without_the_others():
    """Channels whose batch-norm scale and shift are zero output nothing after their ReLU: they are the ones dropped,
    and with them gone the narrower network computes exactly what the wider one did."""
    torch.manual_seed(0)
    model = CRNN(CRNNConfig(channels=(8, 16, 16, 32, 32), rnn_hidden=16, rnn_layers=2)).eval()
    dropped = {0: [1, 6], 1: [0, 3, 9, 15], 2: [2, 5, 7, 12], 3: list(range(0, 32, 4)), 4: list(range(1, 32, 4))}
    blocks = [m for m in model.features if isinstance(m, torch.nn.Sequential)]
    with torch.no_grad():
        for stage, channels in dropped.items():
            blocks[stage][1].weight[channels] = 0
            blocks[stage][1].bias[channels] = 0
    narrow = narrow_convs(model, (6, 12, 12, 24, 24)).eval()
    assert narrow.config.channels == (6, 12, 12, 24, 24) and narrow.rnn.weight_ih_l0.shape == (64, 24)
    x = torch.rand(3, 1, 32, 96) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(narrow(x), model(x), atol=1e-5)
        fewer = narrow_convs(model, (5, 12, 12, 24, 24)).eval()   # one live channel of the first stage goes too
        assert not torch.allclose(fewer(x), model(x), atol=1e-5)
    with pytest.raises(ValueError):
        narrow_convs(model, (8, 16, 16, 32, 40))
