#!/usr/bin/env bash
# dattri's MNIST-10 recipes (TRAIS-Lab/dattri benchmark settings) with our TRAK, influence functions, gradient dot
# products and datamodels, behind docs/RESULTS.md ("dattri's MNIST-10 recipes"). Run from the repository root:
#   bash docs/experiments/dattri-mnist.sh lr|mlp STORE_MODELS HELD_OUT_SUBSETS RUNS_PER_SUBSET [TRAK_M ...]
# e.g. bash docs/experiments/dattri-mnist.sh lr 2000 100 5 10 50
# Data: the first 5,000 MNIST training images, the first 500 test images as targets, inputs (x - 0.1307) / 0.3081.
# LR: softmax regression, SGD lr 0.01 without momentum or weight decay, 20 epochs, batch 32.
# MLP: 784-128-64-10 ReLU, dropout 0.1 after each hidden layer, SGD lr 0.01 momentum 0.9, 50 epochs, batch 64.
# Ground truth: HELD_OUT_SUBSETS subsets of exactly 2,500 examples (--sampler exact), each trained RUNS_PER_SUBSET
# times and the losses averaged; LDS = mean over targets of the Spearman correlation between predicted and actual
# loss (the same as with minus the loss, dattri's output: both sides change sign). As in dattri's benchmark script
# (experiments/gather_result.py of TRAIS-Lab/dattri): influence and gradient dot products use a model trained on all
# 5,000 examples, with the damping searched over a grid on the ground truth itself and the best reported (here each
# damping is listed); TRAK uses M models trained on half subsets (here the store's own models, --train-on subsets)
# and a projection to k = 512 (a fresh projection per model, as dattri); CG stops after 10 iterations (dattri's
# max_iter). Results: runs/mnist/RECIPE-results.csv (method,budget,lds,lds_low,lds_high,cpu_seconds; for datamodels
# N times the CPU-seconds per model of the store's own training, plus the fit). DM=./datamodels by default; SIZES
# overrides the datamodels scan, DAMPINGS the influence grid; NO_TRAIN=1 uses the store's rows completed so far.
# Datamodels are fitted twice, on the loss and on the log-odds (lines datamodels and datamodels-logodds).
set -euo pipefail
recipe=$1; n=$2; subsets=$3; runs=$4; shift 4
trak_ms=${*:-10 50}
dm=${DM:-./datamodels}
d=runs/mnist
data=idx:../shared/data/mnist
common="--set normalize=false --set input_mean=0.1307 --set input_std=0.3081 --set schedule=constant --set weight_decay=0"
if [ "$recipe" = lr ]; then
  learner=softmax
  cg=""  # the exact Hessian: no conjugate gradient (attribute refuses --cg-iterations here)
  cfg="$common --set epochs=20 --set batch_size=32 --set lr=0.01 --set momentum=0"
else
  learner=mlp
  cg="--cg-iterations 10"
  cfg="$common --set hidden=[128,64] --set dropout=0.1 --set epochs=50 --set batch_size=64 --set lr=0.01 --set momentum=0.9"
fi
store=$d/$recipe-store
held=$d/$recipe-held-out
csv=$d/$recipe-results.csv
sizes=${SIZES:-250 500 1000 2000 5000}
mkdir -p "$d"
[ -f "$held/spec.json" ] || $dm init --store "$held" --data $data --train 5000 --targets 500 --models "$subsets" \
  --sampler exact --alpha 0.5 --output losses --output train_accuracy --seed 1
# shellcheck disable=SC2086
$dm train --store "$held" --learner $learner $cfg --set runs_per_mask="$runs" --threads 2 | tail -n 1
# shellcheck source=docs/experiments/attribute-lib.sh
. "$(dirname "$0")/attribute-lib.sh"
[ -f "$store/spec.json" ] || $dm init --store "$store" --data $data --train 5000 --targets 500 --models "$n" \
  --sampler exact --alpha 0.5 --output losses --output train_accuracy --seed 0
# NO_TRAIN=1 uses the store's models completed so far (rows 0 .. N-1 of an interrupted run), SIZES up to that N
# shellcheck disable=SC2086
[ -n "${NO_TRAIN:-}" ] || timed_train "$store" --learner $learner $cfg --threads 2
[ -f "$csv" ] || echo "method,budget,lds,lds_low,lds_high,cpu_seconds" > "$csv"
attr() {  # out, label, budget, method, options...
  local out=$1 label=$2 budget=$3; shift 3
  [ -f "$out/attribute.json" ] || $dm attribute --method "$@" --store "$store" --output losses --threads 2 \
      --out "$out" --force > /dev/null
  lds "$out" "$label" "$budget" "$(cpu "$out")"
}
for lam in ${DAMPINGS:-1 0.1 0.01 0.001 0.0001}; do
  # shellcheck disable=SC2086
  attr "$d/$recipe-influence-$lam" "influence-$lam" 1 influence --damping "$lam" $cg
done
for m in $trak_ms; do
  attr "$d/$recipe-trak-$m" trak "$m" trak --models "$m" --train-on subsets --proj-dim 512
done
attr "$d/$recipe-graddot-1" gradient-dot 1 gradient-dot
# CPU-seconds per model on the store's half subsets: the training time of TRAK's first model (trained by attribute on
# the store's own subsets) over its models; the store's own training time is not kept across resumed runs
m0=$(echo $trak_ms | cut -d' ' -f1)
per_model=$(python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['train_cpu_seconds']/j['models'])" \
  "$d/$recipe-trak-$m0/attribute.json")
# the store's own training (batched, as 'train' runs it), where this script trained it
store_per_model=$(per_model_train "$store")
[ "$store_per_model" = none ] || per_model=$store_per_model
# Datamodels of two outputs: the loss itself, and the log-odds of the correct class (TRAK's output; a decreasing
# function of the loss, so its ranks over models are those of minus the loss and the LDS is measured against the same
# ground truth). The log-odds live in copies of both stores whose losses are turned into minus the log-odds
# (logodds_store.py: for the held-out store, of the loss averaged over its runs, so the ranks are exactly dattri's).
logodds_copy "$store" "$d/$recipe-lo-store"
logodds_copy "$held" "$d/$recipe-lo-held-out"
loss_held=$held
for k in $sizes; do
  [ "$k" -le "$n" ] || continue
  for y in loss logodds; do
    if [ $y = loss ]; then f=$d/$recipe-dm-$k; fs=$store; held=$loss_held; label=datamodels
    else f=$d/$recipe-dm-logodds-$k; fs=$d/$recipe-lo-store; held=$d/$recipe-lo-held-out; label=datamodels-logodds; fi
    if [ ! -f "$f/fit.json" ]; then
      # no outlier rule: losses near 0 have a MAD near 0, so a robust z would call most models outliers
      /usr/bin/time -f "%U %S" -o "$f.time" $dm fit --store "$fs" --y losses --rows "$k" --threads 2 \
        --out "$f" --force > /dev/null
    fi
    fit_cpu=$(awk '{print $1 + $2}' "$f.time")
    lds "$f" $label "$k" "$(python3 -c "print($k * $per_model + $fit_cpu)")"
  done
done
held=$loss_held
