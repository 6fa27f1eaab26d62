"""A cheaper detector from the current one: narrowed convolutions (narrow_convs) trained towards the wider
detector's outputs (targets.distillation_loss, train_detector --distill-from)."""
import argparse

import pytest
import torch

from ocr_models.checkpoint import load_checkpoint, save_checkpoint
from ocr_models.detection.model import CTPN, KIND, CTPNConfig, narrow_convs, narrow_rnn
from ocr_models.detection.targets import distillation_loss
from ocr_models.training.train_detector import add_arguments, train

SMALL = dict(channels=(8, 16, 16, 32), stage_depths=(1, 1, 2, 1), top_dilations=(1, 2), rnn_hidden=16, fc=32)


def _seeing(model: CTPN) -> CTPN:
    """An untrained detector whose outputs depend on the page: its heads' weights larger than a fresh one's (which
    starts out scoring every anchor as paper whatever it sees)."""
    with torch.no_grad():
        model.cls.weight.normal_(std=0.5)
        model.reg.weight.normal_(std=0.1)
    return model


def test_a_narrowed_detector_keeps_the_channels_that_weigh_and_detects_as_before_without_the_others():
    """Channels whose batch-norm scale and shift are zero output nothing after their ReLU: they are the ones dropped
    (in every convolution of a stage, and in the dilated ones at its width), and with them gone the narrower network
    computes exactly what the wider one did."""
    torch.manual_seed(0)
    model = _seeing(CTPN(CTPNConfig(**SMALL)).eval())
    widths = [8, 16, 16, 16, 32, 32, 32]   # the seven convolutions: stages of depth 1, 1, 2, 1, then two dilated
    keep = [6, 12, 12, 12, 20, 20, 20]
    with torch.no_grad():
        for block, (width, kept) in enumerate(zip(widths, keep)):
            dead = torch.randperm(width)[: width - kept]
            model.features[block][1].weight[dead] = 0
            model.features[block][1].bias[dead] = 0
    narrow = narrow_convs(model, (6, 12, 12, 20)).eval()
    assert narrow.config.channels == (6, 12, 12, 20) and narrow.rnn.weight_ih_l0.shape == (64, 20)
    x = torch.rand(2, 1, 96, 128) * 2 - 1
    with torch.no_grad():
        for a, b in zip(narrow(x), model(x)):
            assert torch.allclose(a, b, atol=1e-5)
        fewer = narrow_convs(model, (5, 12, 12, 20)).eval()   # one live channel of the first stage goes too
        assert not torch.allclose(fewer(x)[0], model(x)[0], atol=1e-5)
    with pytest.raises(ValueError):
        narrow_convs(model, (8, 16, 16, 40))


def test_a_narrowed_lstm_and_fc_keep_the_units_that_are_read_and_detect_as_before_without_the_others():
    """LSTM units nobody reads (zero weights out of them, to the fc layer and to their own recurrence) and fc units
    the heads do not read are the ones dropped; with them gone the narrower detector computes what the wider one
    did."""
    torch.manual_seed(0)
    model = _seeing(CTPN(CTPNConfig(**SMALL)).eval())   # LSTM 16 a direction, fc 32
    unread_fwd, unread_bwd, unread_fc = [1, 5, 9, 14], [0, 3, 8, 15], list(range(0, 32, 4))
    with torch.no_grad():
        model.fc[0].weight[:, unread_fwd + [16 + u for u in unread_bwd]] = 0
        model.rnn.weight_hh_l0[:, unread_fwd] = 0
        model.rnn.weight_hh_l0_reverse[:, unread_bwd] = 0
        model.cls.weight[:, unread_fc] = 0
        model.reg.weight[:, unread_fc] = 0
    narrow = narrow_rnn(model, 12, 24).eval()
    assert (narrow.config.rnn_hidden, narrow.config.fc) == (12, 24) and narrow.fc[0].weight.shape == (24, 24)
    x = torch.rand(2, 1, 96, 128) * 2 - 1
    with torch.no_grad():
        for a, b in zip(narrow(x), model(x)):
            assert torch.allclose(a, b, atol=1e-5)
        fewer = narrow_rnn(model, 11).eval()   # one read unit a direction goes too
        assert not torch.allclose(fewer(x)[0], model(x)[0], atol=1e-5)
    with pytest.raises(ValueError):
        narrow_rnn(model, 16, 32)


def test_the_distillation_loss_is_zero_on_the_teachers_outputs_and_falls_as_the_student_comes_closer():
    torch.manual_seed(0)
    teacher = (torch.randn(2, 6, 8, 10, 2) * 3, torch.randn(2, 6, 8, 10, 3))
    assert distillation_loss(tuple(t.clone() for t in teacher), teacher).abs() < 1e-6
    student = (torch.randn(2, 6, 8, 10, 2), torch.randn(2, 6, 8, 10, 3))
    loss = distillation_loss(student, teacher)
    assert loss > 0.1
    closer = tuple((s + t) / 2 for s, t in zip(student, teacher))
    assert distillation_loss(closer, teacher) < loss
    # Regression counts where the teacher sees text only: moving it where the teacher is sure of paper costs nothing.
    paper = teacher[0].clone()
    paper[..., 0], paper[..., 1] = 20.0, -20.0
    moved = teacher[1] + 5.0
    assert distillation_loss((paper, moved), (paper, teacher[1])) < 1e-3


def _student(tmp_path, teacher_path, name: str, *extra: str):
    p = argparse.ArgumentParser()
    add_arguments(p)
    train(p.parse_args(["--out", str(tmp_path / name), "--steps", "40", "--batch-size", "2", "--workers", "0",
                        "--sizes", "192x160", "--init", str(teacher_path), "--channels", "6,12,12,24",
                        "--eval-every", "1000", "--val-pages", "0", "--overfit-batch", "--lr", "5e-3", "--warmup", "5",
                        "--seed", "3", *extra]))
    return load_checkpoint(tmp_path / name / "last.pt")


def test_a_narrowed_student_learns_its_teachers_outputs(tmp_path):
    torch.manual_seed(1)
    config = CTPNConfig(**SMALL)
    teacher = _seeing(CTPN(config).eval())
    teacher_path = tmp_path / "teacher.pt"
    save_checkpoint(teacher_path, kind=KIND, config=config.to_dict(), model_state=teacher.state_dict())
    plain = _student(tmp_path, teacher_path, "plain")
    taught = _student(tmp_path, teacher_path, "taught", "--distill-from", str(teacher_path), "--distill-weight", "5")
    assert tuple(taught["config"]["channels"]) == (6, 12, 12, 24)
    assert any("distill" in h for h in taught["history"]) and not any("distill" in h for h in plain["history"])

    images = torch.rand(2, 1, 160, 192) * 2 - 1

    def gap(run) -> float:
        student = CTPN(CTPNConfig.from_dict(run["config"]))
        student.load_state_dict(run["model"])
        with torch.no_grad():
            return distillation_loss(student.eval()(images), teacher(images)).item()

    assert gap(taught) < 0.5 * gap(plain), (gap(taught), gap(plain))   # trained on the boxes alone, it drifts away
