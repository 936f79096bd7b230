#!/usr/bin/env bash
# The PCA component check by retraining behind docs/RESULTS.md ("PCA component check by retraining"). From the
# repository root:
#   bash docs/experiments/pca_check.sh
#   COMPONENTS="0 1 2" KS="100 250" RETRAINS=10 bash docs/experiments/pca_check.sh
# W1 with softmax regression: a store of MODELS (20000) models on the first 5,000 Fashion-MNIST training images and
# the first 1,000 test images (seed 0; the same masks and models as runs/w1-softmax of docs/experiments/w1.sh), the
# fit of all 1,000 targets (--outlier-z 50), `explore embed` (10 components), then for each component C in COMPONENTS
# (default "0 1": the first two, counted from 0 as in pca_ends.json) and each K in KS (default 100): `explore
# embed-check` removing the K training examples of highest, then of lowest loading from a random alpha-subset base set,
# RETRAINS (default 10) models per arm with the same seeds, END_TARGETS (default 50) targets at each end.
# Every step is skipped when its output exists. Summary lines go to runs/w1-softmax/pca-summary.txt.
# DM (default ./datamodels) is the command line to use.
set -euo pipefail
dm=${DM:-./datamodels}
n=${MODELS:-20000}
components=${COMPONENTS:-0 1}
ks=${KS:-100}
retrains=${RETRAINS:-10}
ends=${END_TARGETS:-50}
d=runs/w1-softmax
mkdir -p "$d"
log() { echo "$*" | tee -a "$d/pca-summary.txt"; }
[ -f "$d/store/spec.json" ] || $dm init --store "$d/store" --data idx:../shared/data/fashion-mnist --train 5000 \
    --targets 1000 --models "$n" --seed 0
$dm train --store "$d/store" --learner softmax --threads 2 | tail -n 1
[ -f "$d/fit/fit.json" ] || $dm fit --store "$d/store" --target-range 0:1000 --outlier-z 50 --threads 2 \
    --out "$d/fit" | tail -n 1
[ -f "$d/embed/embed.json" ] || $dm explore embed --fit "$d/fit" --out "$d/embed" --components 10 --clusters 10 \
    --seed 0 | tee -a "$d/pca-summary.txt"
for c in $components; do
  for k in $ks; do
    o=$d/embed-check-c$c-k$k
    if [ ! -f "$o/component_check.json" ]; then
      log "== component $c, k $k, $retrains retrains"
      $dm explore embed-check --fit "$d/fit" --embed "$d/embed" --component "$c" --k "$k" --end-targets "$ends" \
          --base random --retrains "$retrains" --seed 1 --threads 2 --out "$o" | grep -v '^retrain' \
          | tee -a "$d/pca-summary.txt"
    fi
  done
done
# The classes at each end (Fashion-MNIST: 0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt,
# 7 sneaker, 8 bag, 9 ankle boot): label counts of the removed training examples and of the end targets.
python3 - "$d" $components -- $ks <<'PY' | tee -a "$d/pca-summary.txt"
import gzip, os, struct, sys
import numpy as np
def labels(name):
    with gzip.open(os.path.join("../shared/data/fashion-mnist", name), "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=8)
train, test = labels("train-labels-idx1-ubyte.gz")[:5000], labels("t10k-labels-idx1-ubyte.gz")[:1000]
d, args = sys.argv[1], sys.argv[2:]
cut = args.index("--")
for c in args[:cut]:
    for k in args[cut + 1:]:
        o = os.path.join(d, f"embed-check-c{c}-k{k}")
        if not os.path.exists(os.path.join(o, "removed.npy")):
            continue
        rem, ends = np.load(os.path.join(o, "removed.npy")), np.load(os.path.join(o, "end_targets.npy"))
        count = lambda lab: " ".join(f"{v}:{n}" for v, n in sorted(zip(*np.unique(lab, return_counts=True)), key=lambda x: -x[1]))
        print(f"component {c}, k {k}: removed high-end examples' labels {count(train[rem[0]])}; low-end {count(train[rem[1]])}")
        print(f"component {c}, k {k}: high-end targets' labels {count(test[ends[0]])}; low-end {count(test[ends[1]])}")
PY
