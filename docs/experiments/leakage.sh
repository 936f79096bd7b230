#!/usr/bin/env bash
# The planted-copy check of `explore leakage` behind docs/RESULTS.md ("Leakage on planted copies"). From the
# repository root:
#   bash docs/experiments/leakage.sh                      (the figures: KINDS, SIZES, MLP below)
#   KINDS="shift mirror" SIZES=8000 bash docs/experiments/leakage.sh
#   KINDS= MLP=5000 bash docs/experiments/leakage.sh     (the MLP store only)
# For each KIND in KINDS (default: noisy shift mirror), leakage_plant.py writes runs/leakage/data-KIND: the first TRAIN (2000) Fashion-MNIST training images
# followed by 30 KIND copies of test images 0..29 (training positions TRAIN..TRAIN+29), test split unchanged. Then a
# store of MODELS (8000) softmax models on those 2030 images and the first TARGETS (200) test images (seed 1), fits on
# the first K models for K in SIZES (default "2000 4000 8000"; K = MODELS fits all), `explore leakage` at its default
# threshold on each fit, and the evaluation (precision/recall of the flagged pairs against the planted ones, copy in
# top-10 supporters, pixel nearest-neighbour baselines). MLP=N (default 0) adds an MLP store of N models on the noisy
# copies. Every step is skipped when its output exists. Summary lines go to runs/leakage/summary.txt.
# DM (default ./datamodels) is the command line to use.
set -euo pipefail
dm=${DM:-./datamodels}
train=${TRAIN:-2000}
models=${MODELS:-8000}
targets=${TARGETS:-200}
sizes=${SIZES:-2000 4000 8000}
mlp=${MLP:-0}
d=runs/leakage
mkdir -p "$d"
plant=docs/experiments/leakage_plant.py
python3 $plant selftest
log() { echo "$*" | tee -a "$d/summary.txt"; }
run() { # TAG KIND LEARNER N
  local tag=$1 kind=$2 learner=$3 n=$4
  [ -d "$d/data-$kind" ] || python3 $plant make --src ../shared/data/fashion-mnist --out "$d/data-$kind" --kind "$kind" \
      --train "$train" --copies 30 --seed 11
  [ -f "$d/s-$tag/spec.json" ] || $dm init --store "$d/s-$tag" --data "idx:$d/data-$kind" --train all \
      --targets "$targets" --models "$n" --seed 1 --output margins
  $dm train --store "$d/s-$tag" --learner "$learner" --threads 2 | tail -n 1
  for k in $sizes; do
    [ "$k" -le "$n" ] || continue
    [ -f "$d/f-$tag-$k/fit.json" ] || $dm fit --store "$d/s-$tag" --rows "0:$k" --out "$d/f-$tag-$k" --threads 2 | tail -n 1
    [ -f "$d/l-$tag-$k/leakage.csv" ] || $dm explore leakage --fit "$d/f-$tag-$k" --out "$d/l-$tag-$k"
    log "== $tag, $k models"
    python3 $plant eval --data "$d/data-$kind" --targets "$targets" --csv "$d/l-$tag-$k/leakage.csv" \
        --w "$d/f-$tag-$k/weights.npy" | tee -a "$d/summary.txt"
  done
}
for kind in ${KINDS-noisy shift mirror}; do
  run "$kind" "$kind" softmax "$models"
done
if [ "$mlp" -gt 0 ]; then sizes="$mlp" run mlp-noisy noisy mlp "$mlp"; fi
