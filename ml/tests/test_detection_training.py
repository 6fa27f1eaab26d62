"""Detector training runs end to end: one fixed batch is overfitted, checkpoints and the curve are written."""
import argparse

from ocr_models.checkpoint import load_checkpoint
from ocr_models.loader import load_detector
from ocr_models.training.train_detector import add_arguments, train


def test_overfit_one_batch_and_resume(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path), "--steps", "60", "--batch-size", "2", "--workers", "0",
                         "--sizes", "192x160", "--channels", "8,16,16,32", "--depths", "1,1,1,1", "--dilations", "1,2",
                         "--rnn-hidden", "16", "--fc", "32", "--eval-every", "30", "--val-pages", "2",
                         "--val-size", "192x160", "--overfit-batch", "--lr", "1e-2", "--warmup", "5"])
    final = train(args)
    ckpt = load_checkpoint(tmp_path / "last.pt", "detector")
    losses = [h["loss"] for h in ckpt["history"] if "loss" in h]
    assert len(losses) == 60
    assert min(losses[-5:]) < 0.5 * losses[0], losses
    assert final.exists() and (tmp_path / "curve.png").stat().st_size > 1000
    rows = (tmp_path / "eval.jsonl").read_text().splitlines()
    assert len(rows) == 2 and "val_f1" in rows[0]
    load_detector(final, runtime="torch")  # the final weights load as a detector

    # Resuming continues from the saved step instead of starting again.
    args.steps, args.resume = 66, True
    train(args)
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 66


def test_time_budget_stops_training_even_during_warm_up(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path), "--steps", "100000", "--batch-size", "1", "--workers", "0",
                         "--sizes", "128x128", "--channels", "8,8,8,8", "--depths", "1,1,1,1", "--dilations", "1",
                         "--rnn-hidden", "8", "--fc", "16", "--val-pages", "0", "--hours", "0.0004"])
    train(args)
    step = load_checkpoint(tmp_path / "last.pt")["step"]
    assert 1 <= step < 1000
