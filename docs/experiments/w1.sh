#!/usr/bin/env bash
# The W1 experiments behind docs/RESULTS.md. Run from the repository root:
#   bash docs/experiments/w1.sh TAG LEARNER MODELS [--set KEY=VALUE ...]
# e.g. bash docs/experiments/w1.sh mlp mlp 70000
#      bash docs/experiments/w1.sh softmax-shared-noise softmax 20000 --set data_order=shared --set init=shared
#      bash docs/experiments/w1.sh softmax-avg4 softmax 5000 --set runs_per_mask=4
# Everything lands in runs/w1-TAG/; every step resumes if interrupted. Summary lines go to runs/w1-TAG/summary.txt.
#
# Steps: a store of MODELS models (seed 0) and a held-out store of 500 models on fresh masks (seed 1), both trained
# with the same learner and --set options; the LDS-vs-N scan fits the first SCAN_TARGETS (default 200) targets on
# the first K models for each K in 1k, 2k, 5k, 10k, 20k, 50k, 100k, ... up to MODELS (and MODELS itself); then all
# TARGETS (default 1000) targets are fitted on all MODELS models, and that fit is evaluated: LDS on all targets,
# counterfactual (first CF_TARGETS = 100 targets, k = 10/25/50/100, random base, 5 retrains) and support (first
# SUPPORT_TARGETS = 200 targets, k <= 250, random base, 5 retrains). TARGETS=0 skips the full fit (the scan fit on
# MODELS models is evaluated instead). SIZES="K1 K2 ..." replaces the scan's list of K. FIT_ARGS adds options to
# every fit (default "--outlier-z 50": leave out the rare diverged training runs, see RESULTS.md).
set -euo pipefail
tag=$1; learner=$2; n=$3; shift 3
scan=${SCAN_TARGETS:-200}
targets=${TARGETS:-1000}
cf_targets=${CF_TARGETS:-100}
support_targets=${SUPPORT_TARGETS:-200}
fit_args=${FIT_ARGS:---outlier-z 50}
d=runs/w1-$tag
data=idx:../shared/data/fashion-mnist
mkdir -p "$d"
log() { echo "$*" | tee -a "$d/summary.txt"; }
[ -f "$d/store/spec.json" ] || ./datamodels init --store "$d/store" --data $data --train 5000 --targets 1000 --models "$n" --seed 0
[ -f "$d/held-out/spec.json" ] || ./datamodels init --store "$d/held-out" --data $data --train 5000 --targets 1000 --models 500 --seed 1
start=$(date +%s)
./datamodels train --store "$d/store" --learner "$learner" --threads 2 "$@" | tail -n 1
log "train $tag: $(( $(date +%s) - start )) s for $n models (wall clock, including resumed parts)"
./datamodels train --store "$d/held-out" --learner "$learner" --threads 2 "$@" | tail -n 1
acc() { python3 -c "import numpy as np; m=np.load('$1/margins.npy', mmap_mode='r'); print(f'{(np.asarray(m) > 0).mean():.4f}')"; }
log "mean target (test) accuracy of the held-out models: $(acc "$d/held-out")"
sizes=${SIZES:-}
if [ -z "$sizes" ]; then
  for k in 1000 2000 5000 10000 20000 50000 100000 200000 500000; do
    [ "$k" -lt "$n" ] && sizes="$sizes $k"
  done
  sizes="$sizes $n"
fi
for k in $sizes; do
  [ -f "$d/fit-$k/fit.json" ] || ./datamodels fit --store "$d/store" --rows "$k" --target-range 0:$scan $fit_args --out "$d/fit-$k" --force | tail -n 1
  [ -f "$d/lds-$k/lds.json" ] || ./datamodels eval lds --model "$d/fit-$k" --held-out "$d/held-out" --out "$d/lds-$k" --force | head -n 1 \
    | sed "s/^/N=$k: /" | tee -a "$d/summary.txt"
done
final=$d/fit-$n
if [ "$targets" -gt 0 ]; then
  final=$d/fit-all
  if [ ! -f "$final/fit.json" ]; then
    start=$(date +%s)
    ./datamodels fit --store "$d/store" --target-range 0:$targets $fit_args --out "$final" --force | tail -n 1
    log "fit of all $targets targets on $n models: $(( $(date +%s) - start )) s"
  fi
  [ -f "$d/lds-all/lds.json" ] || ./datamodels eval lds --model "$final" --held-out "$d/held-out" --out "$d/lds-all" --force \
    | head -n 1 | sed "s/^/all targets, N=$n: /" | tee -a "$d/summary.txt"
fi
[ -f "$d/cf/counterfactual.json" ] || ./datamodels eval counterfactual --model "$final" --store "$d/store" \
  --target-range 0:$cf_targets --k 10,25,50,100 --base random --retrains 5 --threads 2 --out "$d/cf" --force | tee -a "$d/summary.txt"
[ -f "$d/support/support.json" ] || ./datamodels eval support --model "$final" --store "$d/store" \
  --target-range 0:$support_targets --max-k 250 --grid 10,25,50,100,250 --base random --retrains 5 --threads 2 \
  --out "$d/support" --force | tee -a "$d/summary.txt"
