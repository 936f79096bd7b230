#!/usr/bin/env bash
# LDS against compute on W1 (Fashion-MNIST, 5,000 training images, the first 200 of 1,000 test targets): datamodels
# at N models against TRAK, influence functions and gradient dot products, behind docs/RESULTS.md ("Cheaper
# attribution"). Run from the repository root:
#   bash docs/experiments/attribute-w1.sh LEARNER STORE_MODELS [TRAK_M ...]
# e.g. bash docs/experiments/attribute-w1.sh softmax 20000 1 5 10 50
#      bash docs/experiments/attribute-w1.sh mlp 5000 1 5 10
# Everything lands in runs/w1a/LEARNER-*; each step is skipped when its output exists. One line per result goes to
# runs/w1a/LEARNER-results.csv: method,budget,lds,lds_low,lds_high,cpu_seconds (cpu_seconds: training + attribution
# or fit; for datamodels N times the CPU-seconds per model of the store's own training, 'train' with its batched
# learners, recorded in runs/w1a/LEARNER-store.train-cpu, plus the fit's CPU time; where the store was trained
# elsewhere, the CPU-seconds per model of the attribution runs' own trainings on the store's subsets). DM=./datamodels by default; SIZES and TARGETS override the scan; TRAK_ARGS and
# INFLUENCE_ARGS add options to those runs (e.g. TRAK_ARGS="--proj-dim 512", INFLUENCE_ARGS="--cg-iterations 10");
# TRAK_TAG=K names a second TRAK series (folders LEARNER-trakK-M, label trak-kK); ROWS=A:B trains only those rows.
set -euo pipefail
learner=$1; n=$2; shift 2
trak_ms=${*:-1 5 10}
dm=${DM:-./datamodels}
d=runs/w1a
targets=${TARGETS:-0:200}
sizes=${SIZES:-100 200 500 1000 2000 5000 10000 20000}
data=idx:../shared/data/fashion-mnist
store=$d/$learner-store
held=$d/$learner-held-out
csv=$d/$learner-results.csv
mkdir -p "$d"
# shellcheck source=docs/experiments/attribute-lib.sh
. "$(dirname "$0")/attribute-lib.sh"
[ -f "$held/spec.json" ] || $dm init --store "$held" --data $data --train 5000 --targets 1000 --models 500 --seed 1
$dm train --store "$held" --learner "$learner" --threads 2 | tail -n 1
[ -f "$store/spec.json" ] || $dm init --store "$store" --data $data --train 5000 --targets 1000 --models "$n" --seed 0
# NO_TRAIN=1 uses the models completed so far (rows 0 .. N-1 of an interrupted run), SIZES up to that N
[ -n "${NO_TRAIN:-}" ] || timed_train "$store" --learner "$learner" --threads 2 ${ROWS:+--rows "$ROWS"}
[ -f "$csv" ] || echo "method,budget,lds,lds_low,lds_high,cpu_seconds" > "$csv"
attr() {  # out, label, budget, method, options...
  local out=$1 label=$2 budget=$3; shift 3
  [ -f "$out/attribute.json" ] || $dm attribute --method "$@" --store "$store" --target-range "$targets" \
      --threads 2 --out "$out" --force > /dev/null
  lds "$out" "$label" "$budget" "$(cpu "$out")"
}
# CPU-seconds per model of this learner on the store's subsets: gradient dot products of 10 of the store's own
# models (train_on subsets); its attribution is cheap and counted apart.
attr "$d/$learner-graddot-subsets-10" gradient-dot-subsets 10 gradient-dot --models 10 --train-on subsets
per_model=$(python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['train_cpu_seconds']/j['models'])" \
  "$d/$learner-graddot-subsets-10/attribute.json")
echo "training: $per_model CPU-s per model (one at a time, as attribute trains)"
store_per_model=$(per_model_train "$store")
[ "$store_per_model" = none ] || per_model=$store_per_model
echo "datamodels: $per_model CPU-s per model"
for m in $trak_ms; do
  # shellcheck disable=SC2086
  attr "$d/$learner-trak${TRAK_TAG:+$TRAK_TAG}-$m" "trak${TRAK_TAG:+-k$TRAK_TAG}" "$m" trak --models "$m" ${TRAK_ARGS:-}
done
attr "$d/$learner-graddot-1" gradient-dot 1 gradient-dot
# shellcheck disable=SC2086
attr "$d/$learner-influence-1" influence 1 influence ${INFLUENCE_ARGS:-}
for k in $sizes; do
  [ "$k" -le "$n" ] || continue
  f=$d/$learner-dm-$k
  if [ ! -f "$f/fit.json" ]; then
    /usr/bin/time -f "%U %S" -o "$f.time" $dm fit --store "$store" --rows "$k" --target-range "$targets" \
      --outlier-z 50 --threads 2 --out "$f" --force > /dev/null
  fi
  fit_cpu=$(awk '{print $1 + $2}' "$f.time")
  lds "$f" datamodels "$k" "$(python3 -c "print($k * $per_model + $fit_cpu)")"
done
