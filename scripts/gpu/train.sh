#!/usr/bin/env bash
# Recognizer training on a borrowed GPU machine (PyTorch there, nothing else of ours): run from the
# repository root with .gpu/ from scripts/gpu/prepare.py carried along. The lines are rendered by
# CPU workers, the model trains on the GPU; the run stops itself before the machine's time is up and
# leaves the weights, the evaluation log and the curve in OUT. See docs/models.md, "Recognizer v2, stage 2".
#
#   OUT=/some/dir SECONDS_BUDGET=540 [INIT=weights.pt] bash scripts/gpu/train.sh [more train_recognizer flags]
#
# INIT defaults to stage 2's start (v2a); the next run continues the current science-charset weights (stage 16):
#   INIT=models/versions/recognizer/v2-20261206-points.pt ... bash scripts/gpu/train.sh --scanned-print 0.5
# the one-layer recognizer, distilled (prepare.py --case-from ... --teacher ...; docs/models.md, stage 20):
#   INIT=models/checkpoints/recognizer-1layer.pt ... bash scripts/gpu/train.sh --distill-from .gpu/teacher.pt \
#     --distill-weight 2.0 --lr 6e-4 --real-fraction 0.25 --scanned-print 0.5
# the half-wide recognizer, distilled the same way (docs/models.md, stage 23):
#   INIT=models/checkpoints/recognizer-half.pt ... bash scripts/gpu/train.sh --distill-from .gpu/teacher.pt \
#     --distill-weight 2.0 --lr 1e-3 --real-fraction 0.25 --scanned-print 0.5
set -uo pipefail
OUT=${OUT:?set OUT to the folder the results go to}
BUDGET=${SECONDS_BUDGET:-540}
DEVICE=${DEVICE:-cuda}
INIT=${INIT:-models/checkpoints/recognizer-v2a.pt}
WORKERS=${WORKERS:-$(( $(nproc) - 3 ))}
HOURS=$(python3 -c "print(round(($BUDGET - 75) / 3600, 4))")   # leaves time to start, evaluate and copy

export PYTHONPATH=$PWD/ml/src:$PWD/common/src PYTHONUNBUFFERED=1 XDG_CACHE_HOME=/tmp/cache TQDM_MININTERVAL=15
export OCRMESH_FONT_DIRS=$PWD/.gpu/fonts/fonts:$PWD/.gpu/fonts/opentype OCRMESH_DICT_DIR=$PWD/.gpu/dict
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
# The renderers need OpenCV, Pillow, fontTools and scikit-image (dot-matrix strokes): stop before the GPU time goes.
python3 -c "import cv2, PIL, fontTools, skimage" || { echo "the training extra's packages are missing here"; exit 1; }

run=/tmp/run
timeout --signal=INT --kill-after=20 "$BUDGET" python3 -m ocr_models.training.train_recognizer \
  --device "$DEVICE" --init "$INIT" \
  --data .gpu/sroie/manifest.jsonl --real-fraction 0.3 --mix-in-batch \
  --batch-size 128 --lr 1e-3 --warmup 300 --seed 7272 --hours "$HOURS" --steps 100000 \
  --workers "$WORKERS" --real-workers 2 --threads 2 --eval-every 1500 --keep-snapshots \
  --eval-manifest .gpu/devlines/manifest.jsonl --out "$run" "$@" 2>&1 | tee "$OUT/train.log"
echo "exit ${PIPESTATUS[0]}"

# What comes back: the log, the curve, the final weights and the last three snapshots (each about 9 MB).
cp "$run"/eval.jsonl "$run"/config.json "$run"/curve.png "$OUT"/ 2>/dev/null
cp "$run"/recognizer.pt "$OUT"/ 2>/dev/null
find "$run" -name 'recognizer-step*.pt' | sort -V | tail -n 3 | xargs -r -I{} cp {} "$OUT"/
ls -la "$OUT"
