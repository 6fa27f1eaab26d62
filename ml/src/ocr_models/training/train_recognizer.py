"""Trains the CRNN on synthetic lines rendered on the fly, optionally mixed with real lines
(`ocrmesh train recognizer`)."""
from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..checkpoint import save_checkpoint
from ..data.fonts import discover_fonts, split_fonts
from ..data.lines import LineSynthesizer, SyntheticLineBatches
from ..data.real_lines import RealLineBatches, case_pairs, fold_case_log_probs, mix_batches
from ..evaluation import evaluate_lines
from ..metrics import ErrorRate
from ..recognition.model import (
    CRNN,
    KIND,
    CRNNConfig,
    distillation_loss,
    extend_charset,
    fit_classifier,
    load_crnn,
    narrow_convs,
    narrow_rnn,
    output_lengths,
    shorten_rnn,
    torch_recognizer,
    widen_rnn,
)
from ..recognition.vocab import CHARSETS, Charset
from .common import (
    add_real_data_arguments,
    append_jsonl,
    check_training_data,
    plot_curves,
    real_step,
    seed_everything,
    starting_point,
    training_record,
    warmup_cosine,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("runs/recognizer"), help="run folder (checkpoints, log, plot)")
    p.add_argument("--steps", type=int, default=12000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1.5e-3)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--hours", type=float, default=0.0,
                   help="time budget: the learning rate decays by elapsed time or steps, whichever is further, "
                        "and training stops when the budget is spent (0 = steps only)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--workers", type=int, default=1, help="DataLoader workers rendering lines")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads for the model")
    p.add_argument("--device", default="cpu", help="where the model trains: cpu, cuda or cuda:N (the lines are "
                                                     "always rendered on the CPU, by --workers processes)")
    p.add_argument("--keep-snapshots", action="store_true",
                   help="keep the weights of every evaluation as recognizer-stepN.pt (to pick one afterwards)")
    p.add_argument("--case-from", type=Path, default=None, metavar="WEIGHTS",
                   help="with --data: upper-case-only lines that these weights read with the same letters take their "
                        "case from that reading and train with case (RealLineBatches.take_case_from)")
    p.add_argument("--real-workers", type=int, default=0,
                   help="DataLoader workers cropping real lines (0: the training process does it)")
    p.add_argument("--channels", default=None,
                   help="the five convolution stages' channels (default 16,48,96,160,256); with --init, fewer than "
                        "the weights have keeps their weightiest channels and fits the classifier to the weights' "
                        "reading (narrow_convs: a cheaper reader)")
    p.add_argument("--rnn-hidden", type=int, default=None,
                   help="LSTM units per direction (default 128); with --init, more than the weights have widens them "
                        "without changing what they read (widen_rnn), fewer keeps their most-read units and fits the "
                        "classifier to the weights' reading (narrow_rnn: a cheaper reader)")
    p.add_argument("--rnn-layers", type=int, default=None,
                   help="LSTM layers (default 2); with --init, fewer than the weights have keeps their lowest ones "
                        "and trains the classifier on them (shorten_rnn: a cheaper reader)")
    p.add_argument("--charset", choices=sorted(CHARSETS), default=None,
                   help="characters to read: default (ASCII and a few symbols), latin (plus the letters and symbols "
                        "of the main Latin-script European languages) or science (latin plus Greek letters and "
                        "mathematical signs); with --init, the model's output layer is "
                        "extended to it (default: the charset of the weights, else default)")
    p.add_argument("--new-class-margin", type=float, default=8.0, metavar="LOGITS",
                   help="with --charset extending the weights' charset: how far below its base letter's bias a new "
                        "character's bias starts (8: the model reads as before for a long run; 3: a short run at a "
                        "low learning rate can bring the new characters in)")
    p.add_argument("--scanned-print", type=float, default=0.0, metavar="FRACTION",
                   help="share of synthetic lines that are English prose as a binarised book or paper scan shows it "
                        "(data.corpus, render_scanned_print)")
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--val-lines", type=int, default=400, help="synthetic lines in held-out fonts")
    p.add_argument("--eval-manifest", type=Path, help="real lines to measure on at each evaluation (never trained on)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    p.add_argument("--distill-from", type=Path, default=None, metavar="WEIGHTS",
                   help="a teacher recognizer (same charset): the loss adds --distill-weight times the KL divergence "
                        "from its per-frame reading to the model's, on every training line")
    p.add_argument("--distill-weight", type=float, default=1.0)
    p.add_argument("--init", type=Path, default=None,
                   help="fine-tune: start from these weights (a checkpoint or committed model) with a fresh "
                        "optimizer and schedule; the architecture comes from that file")
    add_real_data_arguments(p, "lines", "page rows with boxes, or line crops")
    p.add_argument("--overfit-batch", action="store_true", help="train on one fixed batch (a sanity check)")
    p.add_argument("--recalibrate-bn", type=int, default=0, metavar="BATCHES",
                   help="before saving the final weights, recompute BatchNorm's running statistics over this many "
                        "batches (real and synthetic lines in --real-fraction with --data): with --steps 0 and --init, "
                        "a step of its own")
    p.add_argument("--mix-in-batch", action="store_true",
                   help="with --data, every batch holds real and synthetic lines in --real-fraction (BatchNorm sees one "
                        "mixture) instead of whole batches of each kind on that fraction of the steps")


def _validation_set(fonts, charset: Charset, n: int, seed: int):
    synth = LineSynthesizer(fonts, charset, seed=seed)
    return [synth.sample() for _ in range(n)]


def _score_synthetic(model: CRNN, samples) -> dict:
    rec = torch_recognizer(model)
    # The samples are already normalised: undo to uint8 for the predictor's common path.
    imgs = [((x + 1) * 127.5).astype("uint8") for x, _ in samples]
    er = ErrorRate()
    for pred, (_, text) in zip(rec.recognize(imgs), samples):
        er.add(pred.text, text)
    return er.as_dict()


def train(args: argparse.Namespace) -> Path:
    check_training_data(args.data, args.eval_manifest)
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    last = out / "last.pt"

    ckpt, init = starting_point(args.resume, last, args.init, KIND)
    source = ckpt or init
    channels = tuple(int(c) for c in args.channels.split(",")) if args.channels else None
    config = CRNNConfig.from_dict(source["config"]) if source else CRNNConfig(
        charset=CHARSETS[args.charset or "default"], channels=channels or CRNNConfig.channels,
        rnn_hidden=args.rnn_hidden or 128, rnn_layers=args.rnn_layers or 2)
    model = CRNN(config)
    if source is not None:
        model.load_state_dict(source["model"])
    if ckpt is None and args.charset and CHARSETS[args.charset] != config.charset:
        model = extend_charset(model, CHARSETS[args.charset], args.new_class_margin)   # --init weights learn more letters
        config = model.config
    if ckpt is None and source is not None and args.rnn_hidden and args.rnn_hidden > config.rnn_hidden:
        model = widen_rnn(model, args.rnn_hidden, seed=args.seed)   # --init weights get more capacity
        config = model.config
    teacher = None
    if ckpt is None and source is not None and args.rnn_layers and args.rnn_layers < config.rnn_layers:
        teacher, model = model, shorten_rnn(model, args.rnn_layers)   # --init weights, fewer LSTM layers: cheaper
        config = model.config
    if ckpt is None and source is not None and args.rnn_hidden and args.rnn_hidden < config.rnn_hidden:
        teacher, model = teacher or model, narrow_rnn(model, args.rnn_hidden)   # fewer units a layer: cheaper
        config = model.config
    if ckpt is None and source is not None and channels and channels != config.channels:
        teacher, model = teacher or model, narrow_convs(model, channels)   # fewer channels a stage: cheaper
        config = model.config
    charset = Charset(config.charset)
    device = torch.device(args.device)
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step, history, trained_s = 0, [], 0.0
    if ckpt is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
        step, history, trained_s = ckpt["step"], ckpt.get("history", []), ckpt.get("trained_s", 0.0)
        random.setstate(ckpt["py_random"])
        torch.set_rng_state(ckpt["torch_random"])
    n_params = sum(p.numel() for p in model.parameters())

    train_fonts, val_fonts = split_fonts(discover_fonts(config.charset))
    val = _validation_set(val_fonts, charset, args.val_lines, seed=args.seed + 999_999) if args.val_lines else []
    # A resumed run draws fresh lines instead of replaying the ones it has already seen.
    stream = SyntheticLineBatches(train_fonts, charset, args.batch_size, seed=args.seed + step,
                                  scanned_print=args.scanned_print)
    loader = DataLoader(stream, batch_size=None, num_workers=args.workers, prefetch_factor=4 if args.workers else None,
                        persistent_workers=bool(args.workers))
    batches = iter(loader)
    real_batches = None
    if args.data:
        real = RealLineBatches(args.data, charset, args.batch_size, seed=args.seed + step)
        if args.case_from:
            from ..loader import load_recognizer

            taken = real.take_case_from(load_recognizer(args.case_from))
            print(f"{taken} of {len(real.lines)} real lines took their case from {args.case_from}")
        real_batches = iter(DataLoader(real, batch_size=None, num_workers=args.real_workers,
                                       persistent_workers=bool(args.real_workers)) if args.real_workers else real)
    fixed = next(batches if real_batches is None else real_batches) if args.overfit_batch else None
    if teacher is not None:   # a shortened or narrowed model's classifier starts as the least-squares fit to the full one
        fit_classifier(model, teacher, [next(batches)["images"] for _ in range(8)])
        del teacher
    pairs = case_pairs(charset)
    distiller = None
    if args.distill_from:
        distiller = load_crnn(args.distill_from).to(device).eval()
        if distiller.config.charset != config.charset:
            raise SystemExit(f"--distill-from {args.distill_from} reads another charset")
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    (out / "config.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                 "model": config.to_dict(), "params": n_params}, indent=1))
    print(f"CRNN {n_params / 1e6:.2f} M parameters; {len(train_fonts)} training fonts, {len(val_fonts)} held out"
          + (f"; real lines from {', '.join(map(str, args.data))} on {args.real_fraction:.0%} of "
             + ("every batch" if args.mix_in_batch else "the steps") if real_batches is not None else ""))

    def save_weights(trained: float) -> Path:
        """OUT/recognizer.pt: the weights with their config and training record, no optimizer state."""
        path = out / "recognizer.pt"
        save_checkpoint(path, kind=KIND, config=config.to_dict(), model_state=cpu_state(model), step=step,
                        params=n_params, trained_s=trained, training=training_record(args, trained))
        return path

    bar = tqdm(total=args.steps, initial=step, unit="step", dynamic_ncols=True)
    model.train()
    t0, seen, budget_s = time.time(), 0, args.hours * 3600
    total_steps = args.steps
    while step < total_steps:
        if fixed is not None:
            batch = fixed
        elif real_batches is not None and args.mix_in_batch:
            batch = mix_batches(next(batches), next(real_batches), round(args.batch_size * args.real_fraction))
        else:
            batch = next(real_batches if real_step(step, real_batches, args.real_fraction) else batches)
        batch = to_device(batch, device)
        elapsed = trained_s + time.time() - t0
        if budget_s:
            # Map elapsed time onto the step axis, so the schedule ends when the budget does.
            total_steps = min(args.steps, max(step + 1, int(step * budget_s / max(elapsed, 1.0)))) if step > args.warmup else args.steps
        for g in optimizer.param_groups:
            g["lr"] = args.lr * warmup_cosine(step, total_steps, args.warmup)
        logits = model(batch["images"])
        log_probs = logits.log_softmax(-1).transpose(0, 1)  # (T, N, C) for CTCLoss
        if "fold_case" in batch:
            log_probs = fold_case_log_probs(log_probs, pairs, batch["fold_case"])
        loss = ctc(log_probs, batch["targets"], output_lengths(batch["widths"]), batch["target_lengths"])
        if distiller is not None:
            with torch.no_grad():
                taught = distiller(batch["images"])
            loss = loss + args.distill_weight * distillation_loss(logits, taught, output_lengths(batch["widths"]))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        step += 1
        seen += len(batch["texts"])
        bar.update(1)
        if step % 20 == 0:
            rate = seen / (time.time() - t0)
            history.append({"step": step, "loss": loss.item(), "lr": optimizer.param_groups[0]["lr"], "samples_per_s": round(rate, 1)})
            bar.set_postfix(loss=f"{loss.item():.3f}", sps=f"{rate:.0f}")
        if step % args.eval_every == 0 or step >= total_steps:
            row = {"step": step, "samples": step * args.batch_size, "elapsed_s": round(trained_s + time.time() - t0)}
            model.eval()
            if val:
                row["val_cer"] = _score_synthetic(model, val)["cer"]
            if args.eval_manifest:
                real = evaluate_lines(torch_recognizer(model), args.eval_manifest)
                row.update({f"real_cer_{k}": v["cer"] for k, v in real["subsets"].items()})
            model.train()
            history.append(row)
            append_jsonl(out / "eval.jsonl", row)
            tqdm.write(json.dumps(row))
            save_checkpoint(last, kind=KIND, config=config.to_dict(), model_state=cpu_state(model),
                            optimizer=optimizer.state_dict(), step=step, history=history,
                            trained_s=trained_s + time.time() - t0,
                            py_random=random.getstate(), torch_random=torch.get_rng_state())
            # The weights alone as well (a third of last.pt): what a run stopped early still leaves to use.
            save_weights(trained_s + time.time() - t0)
            if args.keep_snapshots:
                shutil.copyfile(out / "recognizer.pt", out / f"recognizer-step{step}.pt")
            plot_curves(history, out / "curve.png", [k for k in row if "cer" in k], "CRNN recognizer")
    bar.close()
    if args.recalibrate_bn:
        recalibrate_batchnorm(model, batches, real_batches, args.recalibrate_bn, args.real_fraction, args.batch_size,
                              device)
        print(f"BatchNorm statistics recomputed over {args.recalibrate_bn} batches")
    return save_weights(trained_s + time.time() - t0)


def to_device(batch: dict, device: torch.device) -> dict:
    """The batch's tensors on the model's device (texts stay)."""
    if device.type == "cpu":
        return batch
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def cpu_state(model: nn.Module) -> dict:
    """The weights as CPU tensors, so a checkpoint loads anywhere."""
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def recalibrate_batchnorm(model: CRNN, synthetic, real, n_batches: int, real_fraction: float, batch_size: int,
                          device: torch.device = torch.device("cpu")) -> None:
    """BatchNorm's running statistics as the average over n mixed batches (the weights stay): what the model
    sees at inference is then the mixture, not whichever kind of batch it trained on last."""
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None                      # a cumulative average
    model.train()
    with torch.no_grad():
        for _ in range(n_batches):
            batch = mix_batches(next(synthetic), next(real), round(batch_size * real_fraction)) if real is not None else next(synthetic)
            model.features(to_device(batch, device)["images"])
    for m in norms:
        m.momentum = 0.1
    model.eval()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    add_arguments(p)
    train(p.parse_args(argv))


if __name__ == "__main__":
    main()
