#!/usr/bin/env bash
# Counterfactual check of every attribution method at its best budget on W1, behind docs/RESULTS.md ("Cheaper
# attribution"): after attribute-w1.sh has run for both learners, for the datamodels of the most models, influence,
# the TRAK run of the highest LDS and the gradient dot product: remove each of the first 50 targets' top-k
# supporters (k = 10, 25, 50, 100) from one random alpha-subset, retrain 5 models per set (the same base set and
# seeds for every method) and correlate the actual mean change with the method's prediction. Run from the repository
# root: bash docs/experiments/attribute-cf.sh   (DM=./datamodels by default; DM_SOFTMAX and DM_MLP name the
# datamodels folders, default runs/w1a/softmax-dm-20000 and runs/w1a/mlp-dm-2431; TRAK_SOFTMAX and TRAK_MLP the TRAK
# folders, default the highest LDS). One line per method goes to
# runs/w1a/cf-results.csv: learner,method,folder,pearson,spearman,pearson_k10,pearson_k25,pearson_k50,pearson_k100.
set -euo pipefail
dm=${DM:-./datamodels}
d=runs/w1a
csv=$d/cf-results.csv
[ -f "$csv" ] || echo "learner,method,folder,pearson,spearman,pearson_k10,pearson_k25,pearson_k50,pearson_k100" > "$csv"
best() {  # the folder of the highest LDS among the arguments
  python3 - "$@" <<'PY'
import json, os, sys
c = [(json.load(open(f + "/lds/lds.json"))["mean_spearman"], f) for f in sys.argv[1:] if os.path.exists(f + "/lds/lds.json")]
print(max(c)[1])
PY
}
for learner in softmax mlp; do
  if [ "$learner" = softmax ]; then dmf=${DM_SOFTMAX:-$d/softmax-dm-20000}; else dmf=${DM_MLP:-$d/mlp-dm-2431}; fi
  # shellcheck disable=SC2086
  trak=$(best $d/$learner-trak*)
  if [ "$learner" = softmax ]; then trak=${TRAK_SOFTMAX:-$trak}; else trak=${TRAK_MLP:-$trak}; fi
  for pair in "datamodels:$dmf" "influence:$d/$learner-influence-1" "trak:$trak" "gradient-dot:$d/$learner-graddot-1"; do
    method=${pair%%:*}; f=${pair#*:}
    [ -f "$f-cf/counterfactual.json" ] || $dm eval counterfactual --model "$f" --target-range 0:50 \
      --k 10,25,50,100 --base random --retrains 5 --threads 2 --out "$f-cf" --force > /dev/null
    python3 - "$f-cf/counterfactual.json" "$learner" "$method" "$f" >> "$csv" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(",".join([sys.argv[2], sys.argv[3], sys.argv[4], f"{j['pearson']:.4f}", f"{j['spearman']:.4f}"]
               + [f"{v:.4f}" for v in j["pearson_per_k"]]))
PY
    tail -n 1 "$csv"
  done
done
