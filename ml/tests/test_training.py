"""Training runs end to end: one fixed batch is overfitted, checkpoints and the curve are written, a run
resumes and another fine-tunes from its weights."""
import argparse

from ocr_models.checkpoint import load_checkpoint
from ocr_models.recognition.vocab import LATIN_CHARSET
from ocr_models.training.train_recognizer import add_arguments, train


def test_overfit_one_batch_and_resume(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    args = p.parse_args(["--out", str(tmp_path), "--steps", "700", "--batch-size", "4", "--workers", "0",
                         "--channels", "8,16,32,48,64", "--rnn-hidden", "48", "--eval-every", "350",
                         "--val-lines", "0", "--overfit-batch", "--lr", "5e-3", "--warmup", "20"])
    final = train(args)
    history = load_checkpoint(tmp_path / "last.pt")["history"]
    losses = [h["loss"] for h in history if "loss" in h]
    assert losses[-1] < 0.3 * losses[0], losses
    assert final.exists() and (tmp_path / "curve.png").stat().st_size > 1000
    assert (tmp_path / "eval.jsonl").read_text().count("\n") == 2

    # Resuming continues from the saved step instead of starting again.
    args.steps, args.resume = 710, True
    train(args)
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 710

    # Fine-tuning (--init) starts a fresh run, at step 0, from the trained weights: its first logged loss is
    # already far below the first logged loss of the run from scratch (both at step 20).
    tuned = tmp_path / "tuned"
    args = p.parse_args(["--out", str(tuned), "--steps", "20", "--batch-size", "4", "--workers", "0",
                         "--eval-every", "20", "--val-lines", "0", "--overfit-batch", "--lr", "1e-4",
                         "--warmup", "2", "--init", str(tmp_path / "last.pt")])
    train(args)
    tuned_run = load_checkpoint(tuned / "last.pt")
    assert tuned_run["step"] == 20 and tuned_run["config"]["channels"] == (8, 16, 32, 48, 64)
    assert [h for h in tuned_run["history"] if "loss" in h][0]["loss"] < 0.5 * losses[0]


def test_fine_tuning_onto_the_latin_charset_extends_the_output_layer(tmp_path):
    p = argparse.ArgumentParser()
    add_arguments(p)
    base = ["--batch-size", "4", "--workers", "0", "--channels", "8,16,32,48,64", "--rnn-hidden", "32",
            "--eval-every", "10", "--val-lines", "0", "--lr", "1e-3", "--warmup", "2"]
    train(p.parse_args(["--out", str(tmp_path / "a"), "--steps", "10", *base]))
    train(p.parse_args(["--out", str(tmp_path / "b"), "--steps", "10", "--init", str(tmp_path / "a" / "last.pt"),
                        "--charset", "latin", *base]))
    tuned = load_checkpoint(tmp_path / "b" / "last.pt")
    assert tuned["config"]["charset"] == LATIN_CHARSET
    assert tuned["model"]["classifier.weight"].shape[0] == len(LATIN_CHARSET) + 1
    # --rnn-hidden beyond the weights' widens them (the base has 32 units per direction).
    base = [b for b in base if b not in ("--rnn-hidden", "32")]
    train(p.parse_args(["--out", str(tmp_path / "c"), "--steps", "10", "--init", str(tmp_path / "b" / "last.pt"),
                        "--rnn-hidden", "48", *base]))
    wider = load_checkpoint(tmp_path / "c" / "last.pt")
    assert wider["config"]["rnn_hidden"] == 48 and wider["config"]["charset"] == LATIN_CHARSET
