#!/usr/bin/env bash
# Two checks behind docs/RESULTS.md ("dattri's MNIST-10 recipes"), after dattri-mnist.sh has run for both recipes.
# Run from the repository root: bash docs/experiments/dattri-check.sh   (DM=./datamodels by default)
# 1. Ground truth of one run per subset (R = 1): held-out stores on the same 100 masks (seed 1), trained once each,
#    and the LDS of the recipes' attributions and datamodels on them (runs/mnist/RECIPE-X/lds-r1).
# 2. LR datamodels past 2,000 models: a store of 20,000 (seed 0: its first 2,000 rows are the recipe store's), fitted
#    on the first 5,000, 10,000 and 20,000 on the loss and the log-odds (lines in runs/mnist/lr-results.csv).
# One line per LDS goes to runs/mnist/check-results.csv: what,held_out,lds,lds_low,lds_high.
set -euo pipefail
dm=${DM:-./datamodels}
d=runs/mnist
here=$(dirname "$0")
common="--set normalize=false --set input_mean=0.1307 --set input_std=0.3081 --set schedule=constant --set weight_decay=0"
lr_cfg="$common --set epochs=20 --set batch_size=32 --set lr=0.01 --set momentum=0"
mlp_cfg="$common --set hidden=[128,64] --set dropout=0.1 --set epochs=50 --set batch_size=64 --set lr=0.01 --set momentum=0.9"
# shellcheck source=docs/experiments/attribute-lib.sh
. "$here/attribute-lib.sh"
out=$d/check-results.csv
[ -f "$out" ] || echo "what,held_out,lds,lds_low,lds_high" > "$out"
score() {  # FOLDER HELD_OUT TAG
  [ -f "$1/lds-$3/lds.json" ] || $dm eval lds --model "$1" --held-out "$2" --out "$1/lds-$3" --force > /dev/null
  python3 - "$1/lds-$3/lds.json" "$1" "$2" >> "$out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]},{sys.argv[3]},{j['mean_spearman']:.4f},{j['spearman_ci95'][0]:.4f},{j['spearman_ci95'][1]:.4f}")
PY
  tail -n 1 "$out"
}
for recipe in lr mlp; do
  if [ $recipe = lr ]; then learner=softmax; cfg=$lr_cfg; else learner=mlp; cfg=$mlp_cfg; fi
  h=$d/$recipe-held-out-r1
  [ -f "$h/spec.json" ] || $dm init --store "$h" --data idx:../shared/data/mnist --train 5000 --targets 500 \
    --models 100 --sampler exact --alpha 0.5 --output losses --output train_accuracy --seed 1
  # shellcheck disable=SC2086
  $dm train --store "$h" --learner $learner $cfg --threads 2 | tail -n 1
  logodds_copy "$h" "$d/$recipe-lo-held-out-r1"
  for f in "$d/$recipe"-influence-* "$d/$recipe"-trak-* "$d/$recipe"-graddot-1 "$d/$recipe"-dm-[0-9]*; do
    if [ -f "$f/fit.json" ]; then score "$f" "$h" r1; fi
  done
  for f in "$d/$recipe"-dm-logodds-[0-9]*; do
    if [ -f "$f/fit.json" ]; then score "$f" "$d/$recipe-lo-held-out-r1" r1; fi
  done
done
s=$d/lr20k-store
[ -f "$s/spec.json" ] || $dm init --store "$s" --data idx:../shared/data/mnist --train 5000 --targets 500 \
  --models 20000 --sampler exact --alpha 0.5 --output losses --output train_accuracy --seed 0
held=$d/lr-held-out; csv=$d/lr-results.csv
# shellcheck disable=SC2086
timed_train "$s" --learner softmax $lr_cfg --threads 2
logodds_copy "$s" "$d/lr20k-lo-store"
per_model=$(per_model_train "$s")
for k in ${SIZES:-5000 10000 20000}; do
  for y in loss logodds; do
    if [ $y = loss ]; then f=$d/lr-dm-$k; fs=$s; held=$d/lr-held-out; label=datamodels
    else f=$d/lr-dm-logodds-$k; fs=$d/lr20k-lo-store; held=$d/lr-lo-held-out; label=datamodels-logodds; fi
    [ -f "$f/fit.json" ] || /usr/bin/time -f "%U %S" -o "$f.time" $dm fit --store "$fs" --y losses --rows "$k" \
      --threads 2 --out "$f" --force > /dev/null
    lds "$f" $label "$k" "$(python3 -c "print($k * $per_model + $(awk '{print $1 + $2}' "$f.time"))")"
  done
done
