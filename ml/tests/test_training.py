"""Training runs end to end: one fixed batch is overfitted, checkpoints and the curve are written."""
import argparse

from ocr_models.checkpoint import load_checkpoint
from ocr_models.training.train_recognizer import add_arguments, train


def test_overfit_one_batch_and_resume(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path), "--steps", "450", "--batch-size", "4", "--workers", "0",
                         "--channels", "8,16,32,48,64", "--rnn-hidden", "48", "--eval-every", "225",
                         "--val-lines", "0", "--overfit-batch", "--lr", "5e-3", "--warmup", "20"])
    final = train(args)
    history = load_checkpoint(tmp_path / "last.pt")["history"]
    losses = [h["loss"] for h in history if "loss" in h]
    assert losses[-1] < 0.3 * losses[0], losses
    assert final.exists() and (tmp_path / "curve.png").stat().st_size > 1000
    assert (tmp_path / "eval.jsonl").read_text().count("\n") == 2

    # Resuming continues from the saved step instead of starting again.
    args.steps, args.resume = 460, True
    train(args)
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 460
