"""Real training lines (`--data`): crops from page manifests, case-folded targets for upper-case-only
labels, the mix with synthetic batches, and a run that learns a tiny real set."""
import argparse
import json

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from ocr_models.checkpoint import load_checkpoint
from ocr_models.data.real_lines import RealLineBatches, case_pairs, fold_case_log_probs, fold_case_text, mix_batches
from ocr_models.recognition.vocab import Charset
from ocr_models.training.common import real_step
from ocr_models.training.train_recognizer import add_arguments, train

WORDS = ["Total 12.50", "CASH", "Change 0.40", "Thank you"]


def _page_manifest(tmp_path, case_sensitive: bool):
    """One page image with a line per word, as a manifest row with boxes (like SROIE's)."""
    page = np.full((40 * len(WORDS) + 20, 320, 3), 255, np.uint8)
    boxes = []
    for i, word in enumerate(WORDS):
        y = 30 + 40 * i
        cv2.putText(page, word, (10, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
        boxes.append({"points": [[8, y - 22], [230, y - 22], [230, y + 6], [8, y + 6]],
                      "text": word.upper() if not case_sensitive else word})
    cv2.imwrite(str(tmp_path / "page.png"), page)
    boxes.append({"points": [[0, 0], [5, 0], [5, 5], [0, 5]], "text": "###", "ignore": True})
    row = {"image": "page.png", "boxes": boxes, "case_sensitive": case_sensitive}
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(json.dumps(row) + "\n")
    return manifest


def test_folded_loss_accepts_either_case_only_where_asked():
    charset = Charset()
    # Frames that read "ab" in lower case with certainty, blanks between.
    labels = charset.encode("ab")
    frames = [0, labels[0], 0, labels[1], 0]
    log_probs = torch.full((len(frames), 2, len(charset)), -20.0)
    for t, c in enumerate(frames):
        log_probs[t, :, c] = 0.0
    log_probs = log_probs.log_softmax(-1)
    target = torch.tensor(charset.encode("AB") * 2)
    ctc = nn.CTCLoss(blank=0, reduction="none")

    def loss(lp):
        return ctc(lp, target, torch.tensor([5, 5]), torch.tensor([2, 2]))

    folded = loss(fold_case_log_probs(log_probs, case_pairs(charset), torch.tensor([True, False])))
    assert folded[0] < 0.01          # "ab" is right for the upper-case-only label
    assert folded[1] > 10            # but not where case counts
    assert torch.equal(fold_case_log_probs(log_probs, case_pairs(charset), torch.tensor([False, False])), log_probs)


def test_fold_case_text_keeps_letters_without_single_upper_case():
    charset = Charset("abcABC ß")
    assert fold_case_text("abc ß", charset) == "ABC ß"


def test_batches_crop_each_box_and_fold_upper_case_rows(tmp_path):
    charset = Charset()
    lines = RealLineBatches([_page_manifest(tmp_path, case_sensitive=False)], charset, batch_size=4, seed=1)
    assert sorted(ln.text for ln in lines.lines) == sorted(w.upper() for w in WORDS)   # ignore box left out
    batch = next(iter(lines))
    assert batch["images"].shape[:3] == (4, 1, 32) and bool(batch["fold_case"].all())
    crop = lines.crop(lines.lines[0])
    assert 28 <= crop.shape[0] <= 50 and crop.shape[1] > 222


def test_real_batches_spread_over_the_steps():
    assert sum(real_step(s, object(), 0.5) for s in range(100)) == 50
    assert sum(real_step(s, object(), 0.25) for s in range(100)) == 25
    assert not any(real_step(s, None, 0.5) for s in range(10))


def _line_manifest(tmp_path):
    """The same words as ready line crops (rows without boxes), e.g. an evaluation manifest."""
    rows = []
    for i, word in enumerate(WORDS):
        img = np.full((36, 240), 255, np.uint8)
        cv2.putText(img, word, (6, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
        cv2.imwrite(str(tmp_path / f"line{i}.png"), img)
        rows.append({"image": f"line{i}.png", "text": word, "subset": "tiny"})
    manifest = tmp_path / "lines.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return manifest


def test_training_learns_real_lines(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path / "run"), "--steps", "600", "--batch-size", "4", "--workers", "0",
                         "--channels", "8,16,32,48,64", "--rnn-hidden", "48", "--eval-every", "300",
                         "--val-lines", "0", "--overfit-batch", "--lr", "5e-3", "--warmup", "20",
                         "--data", str(_page_manifest(tmp_path, case_sensitive=True)),
                         "--eval-manifest", str(_line_manifest(tmp_path))])
    train(args)
    run = load_checkpoint(tmp_path / "run" / "last.pt")
    losses = [h["loss"] for h in run["history"] if "loss" in h]
    assert losses[-1] < 0.3 * losses[0], losses
    # Training went on past an evaluation on real lines (the real stream survives it).
    assert run["step"] == 600 and [h["step"] for h in run["history"] if "real_cer_tiny" in h] == [300, 600]


def test_mixed_run_alternates_real_and_synthetic_batches(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path / "mix"), "--steps", "6", "--batch-size", "2", "--workers", "0",
                         "--channels", "8,16,32,48,64", "--rnn-hidden", "48", "--eval-every", "3",
                         "--val-lines", "0", "--data", str(_page_manifest(tmp_path, case_sensitive=False)),
                         "--eval-manifest", str(_line_manifest(tmp_path))])
    final = train(args)
    assert load_checkpoint(final)["training"]["data"] == ["synthetic", str(tmp_path / "manifest.jsonl")]


def test_a_mixed_batch_holds_both_kinds_padded_to_one_width(tmp_path):
    charset = Charset()
    real = next(iter(RealLineBatches([_page_manifest(tmp_path, case_sensitive=False)], charset, batch_size=4, seed=1)))
    from ocr_models.data.lines import collate
    synthetic = collate([(np.ones((32, 40), np.float32), "ab"), (np.ones((32, 60), np.float32), "cde"),
                         (np.ones((32, 50), np.float32), "f"), (np.ones((32, 44), np.float32), "gh")], charset)
    mixed = mix_batches(synthetic, real, 1)
    assert len(mixed["texts"]) == 4 and mixed["texts"][1:] == ["ab", "cde", "f"]
    assert mixed["images"].shape[-1] == max(real["images"].shape[-1], 60)
    assert mixed["fold_case"].tolist() == [True, False, False, False]    # only the receipt row is case-folded
    assert mixed["target_lengths"].tolist() == [len(mixed["texts"][0]), 2, 3, 1]
    assert charset.decode(mixed["targets"].tolist()) == "".join(mixed["texts"])
    assert float(mixed["images"][1, 0, :, 40:].min()) == 1.0               # padded with background


def test_mix_in_batch_trains(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path / "mix"), "--steps", "4", "--batch-size", "4", "--workers", "0",
                         "--channels", "8,16,32,48,64", "--rnn-hidden", "48", "--eval-every", "4", "--val-lines", "0",
                         "--data", str(_page_manifest(tmp_path, case_sensitive=False)), "--mix-in-batch"])
    assert load_checkpoint(train(args))["step"] == 4
    # A step of its own: no training, BatchNorm's statistics recomputed on the mixture, the weights kept.
    before = load_checkpoint(tmp_path / "mix" / "recognizer.pt")["model"]
    args = p.parse_args(["--out", str(tmp_path / "bn"), "--steps", "0", "--batch-size", "4", "--workers", "0",
                         "--val-lines", "0", "--init", str(tmp_path / "mix" / "recognizer.pt"), "--recalibrate-bn", "3",
                         "--data", str(_page_manifest(tmp_path, case_sensitive=False)), "--real-fraction", "0.5"])
    after = load_checkpoint(train(args))["model"]
    stats = [k for k in before if k.endswith("running_mean")]
    assert stats and all(not torch.equal(before[k], after[k]) for k in stats)
    assert all(torch.equal(before[k], after[k]) for k in before if k.endswith(".weight"))


def test_real_line_workers_each_draw_their_own_lines(tmp_path):
    """With --real-workers the lines are cropped in DataLoader workers: each worker reseeds, so two workers
    do not hand the trainer the same batches twice."""
    from torch.utils.data import DataLoader

    real = RealLineBatches([_page_manifest(tmp_path, case_sensitive=True)], Charset(), batch_size=8, seed=3)
    batches = iter(DataLoader(real, batch_size=None, num_workers=2))
    first, second = next(batches), next(batches)   # one from each worker
    assert first["texts"] != second["texts"] or not torch.equal(first["images"], second["images"])


def test_snapshots_keep_the_weights_of_every_evaluation(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path / "run"), "--steps", "4", "--batch-size", "4", "--workers", "0",
                         "--channels", "8,16,32,48,64", "--rnn-hidden", "48", "--eval-every", "2", "--val-lines", "0",
                         "--keep-snapshots", "--data", str(_page_manifest(tmp_path, case_sensitive=False)),
                         "--real-workers", "1", "--mix-in-batch"])
    train(args)
    steps = [load_checkpoint(tmp_path / "run" / f"recognizer-step{n}.pt")["step"] for n in (2, 4)]
    assert steps == [2, 4] and "optimizer" not in load_checkpoint(tmp_path / "run" / "recognizer-step2.pt")


def test_upper_case_labels_take_their_case_where_a_reader_agrees_on_the_letters(tmp_path):
    """--case-from: a reading with the label's letters gives the line its case and case-sensitive training;
    a reading with other letters leaves the line case-folded."""
    from types import SimpleNamespace

    real = RealLineBatches([_page_manifest(tmp_path, case_sensitive=False)], Charset(), batch_size=4, seed=1)
    readings = {"TOTAL 12.50": "Total 12.50", "CASH": "CASH", "CHANGE 0.40": "Chango 0.40", "THANK YOU": "Thank you"}

    class Reader:
        def recognize(self, crops):
            assert len(crops) == 4 and all(c.ndim == 2 and c.size for c in crops)
            return [SimpleNamespace(text=readings[ln.text]) for ln in real.lines]

    assert real.take_case_from(Reader()) == 3
    assert [(ln.text, ln.case_sensitive) for ln in real.lines] == [
        ("Total 12.50", True), ("CASH", True), ("CHANGE 0.40", False), ("Thank you", True)]


def test_case_from_reads_the_real_lines_with_the_given_weights_before_training(tmp_path, capsys, recognizer_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path / "run"), "--steps", "2", "--batch-size", "4", "--workers", "0",
                         "--channels", "8,16,32,48,64", "--rnn-hidden", "48", "--eval-every", "2", "--val-lines", "0",
                         "--data", str(_page_manifest(tmp_path, case_sensitive=False)), "--mix-in-batch",
                         "--case-from", str(recognizer_path)])
    assert load_checkpoint(train(args))["step"] == 2
    taken = [ln for ln in capsys.readouterr().out.splitlines() if "took their case from" in ln]
    assert len(taken) == 1 and taken[0].endswith(str(recognizer_path)) and " of 4 real lines" in taken[0]


def test_recognizer_refuses_evaluation_data(tmp_path, evaldata):
    p = argparse.ArgumentParser()
    add_arguments(p)
    with pytest.raises(SystemExit, match="never for training"):
        train(p.parse_args(["--out", str(tmp_path), "--data", str(evaldata / "lines" / "manifest.jsonl")]))
