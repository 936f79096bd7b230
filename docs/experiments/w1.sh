#!/usr/bin/env bash
# The W1 experiments behind docs/RESULTS.md. Run from the repository root:
#   bash docs/experiments/w1.sh TAG LEARNER MODELS [--set KEY=VALUE ...]
# e.g. bash docs/experiments/w1.sh softmax softmax 20000
#      bash docs/experiments/w1.sh softmax-shared-noise softmax 20000 --set data_order=shared --set init=shared
# Everything lands in runs/w1-TAG/; every step resumes if interrupted. Summary lines go to runs/w1-TAG/summary.txt.
# Datamodels are fitted for the first TARGETS (default 200) of the 1,000 targets, to keep the N scan affordable.
set -euo pipefail
tag=$1; learner=$2; n=$3; shift 3
targets=${TARGETS:-200}
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
for k in 1000 2000 5000 10000 20000 50000; do
  [ "$k" -le "$n" ] || continue
  [ -f "$d/fit-$k/fit.json" ] || ./datamodels fit --store "$d/store" --models "$k" --targets 0:$targets --out "$d/fit-$k" --force | tail -n 1
  [ -f "$d/lds-$k/lds.json" ] || ./datamodels eval lds --model "$d/fit-$k" --store "$d/held-out" --out "$d/lds-$k" --force | head -n 1 \
    | sed "s/^/N=$k: /" | tee -a "$d/summary.txt"
done
[ -f "$d/cf/counterfactual.json" ] || ./datamodels eval counterfactual --model "$d/fit-$n" --store "$d/store" \
  --targets 0:50 --k 10,25,50,100 --base random --retrains 5 --threads 2 --out "$d/cf" --force | tee -a "$d/summary.txt"
[ -f "$d/support/support.json" ] || ./datamodels eval support --model "$d/fit-$n" --store "$d/store" \
  --targets 0:100 --max-k 250 --grid 10,25,50,100,250 --base random --retrains 5 --threads 2 --out "$d/support" --force \
  | tee -a "$d/summary.txt"
