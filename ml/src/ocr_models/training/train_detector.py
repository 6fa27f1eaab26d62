"""Trains the CTPN text detector on synthetic pages rendered on the fly, optionally mixed with real pages
(`--data`), as `ocrmesh train detector`."""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..checkpoint import save_checkpoint
from ..data.fonts import discover_fonts, split_fonts
from ..data.real_pages import RealPageBatches
from ..data.render_page import SyntheticPageBatches, synthesize_page
from ..detection.model import CTPN, KIND, CTPNConfig, count_parameters, load_ctpn, narrow_convs, narrow_rnn, torch_detector
from ..detection.predictor import TextDetector
from ..detection.targets import ctpn_loss, distillation_loss
from ..page_evaluation import coverage, evaluate_pages, load_pages, match_boxes, prf, quads_to_boxes
from ..recognition.vocab import DEFAULT_CHARSET
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


def _sizes(text: str) -> tuple[tuple[int, int], ...]:
    """'512x384,384x512' -> ((512, 384), (384, 512)) as (width, height), rounded down to multiples of 16."""
    out = []
    for item in text.split(","):
        w, h = (int(v) for v in item.lower().split("x"))
        out.append((max(16, w // 16 * 16), max(16, h // 16 * 16)))
    return tuple(out)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("runs/detector"), help="run folder (checkpoints, log, plot)")
    p.add_argument("--steps", type=int, default=20000)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--sizes", default="512x384,384x512,448x448,512x512,576x320,320x576",
                   help="training page sizes WxH; each batch uses one")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--hours", type=float, default=0.0,
                   help="time budget: the learning rate decays by elapsed time or steps, whichever is further, "
                        "and training stops when the budget is spent (0 = steps only)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--workers", type=int, default=1, help="DataLoader workers rendering pages")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads for the model")
    p.add_argument("--channels", default=None,
                   help="conv channels at stride 2, 4, 8, 16 (default 16,32,64,128); with --init, fewer than the weights "
                        "have keeps their weightiest channels (narrow_convs: a cheaper detector, to train with "
                        "--distill-from)")
    p.add_argument("--depths", default="1,1,2,1", help="3x3 convs per stage")
    p.add_argument("--dilations", default="1,2,4", help="extra dilated 3x3 convs at stride 16")
    p.add_argument("--rnn-hidden", type=int, default=None,
                   help="LSTM units a direction (default 96); with --init, fewer than the weights have keeps their "
                        "most-read units (narrow_rnn)")
    p.add_argument("--fc", type=int, default=None,
                   help="units of the fully connected layer (default 192); with --init, fewer keeps the most-read ones")
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--val-pages", type=int, default=40, help="synthetic pages in held-out fonts")
    p.add_argument("--val-size", default="720x960", help="validation page size WxH")
    p.add_argument("--eval-manifest", type=Path, help="real pages to measure on at each evaluation (never trained on)")
    p.add_argument("--eval-limit", type=int, default=None, help="use only the first N pages of --eval-manifest")
    p.add_argument("--eval-max-side", type=int, default=1600, help="long side of the real pages fed to the detector")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    p.add_argument("--init", type=Path, default=None,
                   help="fine-tune: start from these weights (a checkpoint or committed model) with a fresh "
                        "optimizer and schedule; the architecture comes from that file")
    p.add_argument("--distill-from", type=Path, default=None, metavar="WEIGHTS",
                   help="a teacher detector (the same anchors): the loss adds --distill-weight times the distance from "
                        "its outputs to the model's on every training page (targets.distillation_loss)")
    p.add_argument("--distill-weight", type=float, default=1.0)
    add_real_data_arguments(p, "pages", "rows with line boxes")
    p.add_argument("--real-scale", default="0.6,1.2",
                   help="real pages are cropped at their inference scale (long side <= --eval-max-side) times a "
                        "random factor in this range")
    p.add_argument("--overfit-batch", action="store_true", help="train on one fixed batch (a sanity check)")


def _validation_pages(fonts, n: int, size: tuple[int, int], seed: int):
    rng = random.Random(seed)
    return [synthesize_page(rng, fonts, *size) for _ in range(n)]


def score_synthetic(detector: TextDetector, pages, iou_threshold: float = 0.5) -> dict:
    """P/R/F1 at IoU >= 0.5 and coverage F1 on synthetic pages; border-cut lines are ignore regions."""
    tp = n_pred = n_gt = cov_c = cov_p = cov_g = cov_n = 0
    for page in pages:
        pred = quads_to_boxes([ln.points for ln in detector.detect(page.image).lines])
        gt = np.concatenate([page.boxes, quads_to_boxes(page.ignore)])
        ign = np.r_[np.zeros(len(page.boxes), bool), np.ones(len(page.ignore), bool)]
        m = match_boxes(pred, gt, ign, iou_threshold)
        c = coverage(pred, gt, ign)
        tp, n_pred, n_gt = tp + m["tp"], n_pred + m["n_pred"], n_gt + m["n_gt"]
        cov_c, cov_p, cov_g, cov_n = cov_c + c["correct"], cov_p + c["n_pred"], cov_g + c["covered"], cov_n + c["n_gt"]
    p, r, f = prf(tp, n_pred, tp, n_gt)
    return {"precision": p, "recall": r, "f1": f, "cov_f1": prf(cov_c, cov_p, cov_g, cov_n)[2]}


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(","))


def _config_from_args(args, channels: tuple[int, ...] | None) -> CTPNConfig:
    return CTPNConfig(channels=channels or CTPNConfig.channels, stage_depths=_ints(args.depths),
                      top_dilations=_ints(args.dilations), rnn_hidden=args.rnn_hidden or CTPNConfig.rnn_hidden,
                      fc=args.fc or CTPNConfig.fc)


def _batches(stream, workers: int):
    """Batches from `workers` spawned processes. Not forked: a forked worker hangs on its first OpenCV call
    once this process has used OpenCV's thread pool (loading the evaluation pages does); seen with both
    streams. A spawned worker receives the stream's settings (manifest rows, font list), not images."""
    return iter(DataLoader(stream, batch_size=None, num_workers=workers, prefetch_factor=4 if workers else None,
                           persistent_workers=bool(workers), multiprocessing_context="spawn" if workers else None))


def train(args: argparse.Namespace) -> Path:
    check_training_data(args.data, args.eval_manifest)
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    last = out / "last.pt"

    ckpt, init = starting_point(args.resume, last, args.init, KIND)
    source = ckpt or init
    channels = _ints(args.channels) if args.channels else None
    config = CTPNConfig.from_dict(source["config"]) if source else _config_from_args(args, channels)
    model = CTPN(config)
    if source is not None:
        model.load_state_dict(source["model"])
    if ckpt is None and source is not None:   # --init weights made cheaper: fewer channels, LSTM or fc units
        if channels and channels != config.channels:
            model = narrow_convs(model, channels)
        if (args.rnn_hidden or config.rnn_hidden) < config.rnn_hidden or (args.fc or config.fc) < config.fc:
            model = narrow_rnn(model, args.rnn_hidden, args.fc)
        config = model.config
    teacher = None
    if args.distill_from:
        teacher = load_ctpn(args.distill_from).eval()
        if (teacher.config.anchor_heights, teacher.config.num_regression) != (config.anchor_heights, config.num_regression):
            raise SystemExit(f"--distill-from {args.distill_from} has other anchors")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    step, history, trained_s = 0, [], 0.0
    if ckpt is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
        step, history, trained_s = ckpt["step"], ckpt.get("history", []), ckpt.get("trained_s", 0.0)
        random.setstate(ckpt["py_random"])
        torch.set_rng_state(ckpt["torch_random"])
    n_params = count_parameters(model)

    train_fonts, val_fonts = split_fonts(discover_fonts(DEFAULT_CHARSET))
    val = _validation_pages(val_fonts, args.val_pages, _sizes(args.val_size)[0], args.seed + 999_999) if args.val_pages else []
    real = load_pages(args.eval_manifest, args.eval_limit, args.eval_max_side) if args.eval_manifest else None
    # A resumed run draws fresh pages instead of replaying the ones it has already seen.
    stream = SyntheticPageBatches(train_fonts, args.batch_size, seed=args.seed + step,
                                  anchor_heights=config.anchor_heights, sizes=_sizes(args.sizes))
    batches = _batches(stream, args.workers)
    real_batches = None
    if args.data:
        real_stream = RealPageBatches(args.data, args.batch_size, seed=args.seed + step, anchor_heights=config.anchor_heights,
                                      sizes=_sizes(args.sizes), max_side=args.eval_max_side,
                                      scale_range=tuple(float(v) for v in args.real_scale.split(",")))
        n_real = len(real_stream.rows)
        real_batches = _batches(real_stream, args.workers)
    fixed = next(real_batches if real_batches is not None else batches) if args.overfit_batch else None
    (out / "config.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                 "model": config.to_dict(), "params": n_params}, indent=1))
    print(f"CTPN {n_params / 1e6:.2f} M parameters; {len(train_fonts)} training fonts, {len(val_fonts)} held out"
          + (f"; {n_real} real pages from {', '.join(map(str, args.data))} on {args.real_fraction:.0%} of the steps"
             if real_batches is not None else ""))

    bar = tqdm(total=args.steps, initial=step, unit="step", dynamic_ncols=True)
    model.train()
    t0, seen, budget_s = time.time(), 0, args.hours * 3600
    total_steps = args.steps
    while step < total_steps:
        batch = fixed if fixed is not None else next(real_batches if real_step(step, real_batches, args.real_fraction) else batches)
        elapsed = trained_s + time.time() - t0
        if budget_s:
            # Map elapsed time onto the step axis, so the schedule ends when the budget does.
            if elapsed >= budget_s:
                total_steps = step + 1
            elif step > args.warmup:
                total_steps = min(args.steps, max(step + 1, int(step * budget_s / max(elapsed, 1.0))))
        for g in optimizer.param_groups:
            g["lr"] = args.lr * warmup_cosine(step, total_steps, args.warmup)
        scores, regression = model(batch["images"])
        losses = ctpn_loss(scores, regression, batch["labels"], batch["regression"], batch["side_mask"])
        if teacher is not None:
            with torch.no_grad():
                taught = teacher(batch["images"])
            losses["distill"] = distillation_loss((scores, regression), taught)
            losses["loss"] = losses["loss"] + args.distill_weight * losses["distill"]
        loss = losses["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        step += 1
        seen += len(batch["images"])
        bar.update(1)
        if step % 10 == 0 or fixed is not None:
            rate = seen / (time.time() - t0)
            history.append({"step": step, "loss": loss.item(), "lr": optimizer.param_groups[0]["lr"], "pages_per_s": round(rate, 2),
                            **{k: round(v.item(), 4) for k, v in losses.items() if k != "loss"}})
            bar.set_postfix(loss=f"{loss.item():.3f}", pps=f"{rate:.1f}")
        if step % args.eval_every == 0 or step >= total_steps:
            row = {"step": step, "pages": step * args.batch_size, "elapsed_s": round(trained_s + time.time() - t0)}
            model.eval()
            detector = torch_detector(model)
            if val:
                row.update({f"val_{k}": v for k, v in score_synthetic(detector, val).items()})
            if real:
                res = evaluate_pages(detector, real)
                for name, v in res["subsets"].items():
                    row.update({f"real_{k}_{name}": v[k] for k in ("f1", "cov_f1") if k in v})
            model.train()
            history.append(row)
            append_jsonl(out / "eval.jsonl", row)
            tqdm.write(json.dumps(row))
            save_checkpoint(last, kind=KIND, config=config.to_dict(), model_state=model.state_dict(),
                            optimizer=optimizer.state_dict(), step=step, history=history,
                            trained_s=trained_s + time.time() - t0,
                            py_random=random.getstate(), torch_random=torch.get_rng_state())
            keys = [k for k in row if k in ("val_f1", "val_cov_f1") or k.startswith("real_cov_f1")]
            plot_curves(history, out / "curve.png", keys, "CTPN detector (right: F1, higher is better)")
    bar.close()
    final = out / "detector.pt"
    trained_s += time.time() - t0
    save_checkpoint(final, kind=KIND, config=config.to_dict(), model_state=model.state_dict(),
                    step=step, params=n_params, trained_s=trained_s, training=training_record(args, trained_s))
    return final


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    add_arguments(p)
    train(p.parse_args(argv))


if __name__ == "__main__":
    main()
