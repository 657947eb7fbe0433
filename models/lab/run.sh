#!/usr/bin/env bash
# The whole lab pipeline from scratch (npm run lab): render -> train (standard and texture-randomised side by side,
# one thread each, then the adversarial fine-tuning of standard) -> export (inside train.py) -> evaluate -> check the
# ONNX files in onnxruntime-node. `npm run lab -- --skip-render` reuses models/lab/data; other arguments go to
# render_dataset.mjs. See models/lab/README.md for the expected time.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3           # Debian's python3-torch 1.13 / torchvision / onnx, not the first python3 on PATH
export OMP_WAIT_POLICY=PASSIVE # do not spin on a shared machine
if [[ "${1:-}" == "--skip-render" ]]; then
  shift # reuse models/lab/data (the render is deterministic: same seeds, same images)
else
  node models/lab/render_dataset.mjs "$@"
fi
$PY models/lab/train.py standard --threads 1 > models/lab/data/train-standard.log 2>&1 &
std=$!
$PY models/lab/train.py texture-randomised --threads 1 > models/lab/data/train-texture-randomised.log 2>&1 &
tex=$!
wait $std || { cat models/lab/data/train-standard.log; exit 1; }
cat models/lab/data/train-standard.log
$PY models/lab/train.py adversarial --threads 1 2>&1 | tee models/lab/data/train-adversarial.log
wait $tex || { cat models/lab/data/train-texture-randomised.log; exit 1; }
cat models/lab/data/train-texture-randomised.log
$PY models/lab/evaluate.py --threads 2 2>&1 | tee models/lab/data/evaluate.log
node models/lab/check_onnx.mjs
