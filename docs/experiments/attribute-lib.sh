# Shared by attribute-w1.sh and dattri-mnist.sh (sourced; expects $dm, $held and $csv to be set).
# lds FOLDER LABEL BUDGET CPU_SECONDS: eval lds of a fit folder on $held (once), one line "label,budget,lds,low,high,
# cpu" appended to $csv and printed.
lds() {
  [ -f "$1/lds/lds.json" ] || $dm eval lds --model "$1" --held-out "$held" --out "$1/lds" --force > /dev/null
  python3 - "$1/lds/lds.json" "$2" "$3" "$4" >> "$csv" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
ci = j["spearman_ci95"]
print(f"{sys.argv[2]},{sys.argv[3]},{j['mean_spearman']:.4f},{ci[0]:.4f},{ci[1]:.4f},{float(sys.argv[4]):.1f}")
PY
  tail -n 1 "$csv"
}
# cpu FOLDER: CPU-seconds of an attribute folder's trainings plus its attribution
cpu() {
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['train_cpu_seconds']+j['attribute_cpu_seconds'])" \
    "$1/attribute.json"
}
# timed_train STORE ARGS...: 'datamodels train' on STORE, appending "rows_trained cpu_seconds" to STORE.train-cpu
# (rows completed by this run, user + system CPU of the run), so that resumed runs add up.
timed_train() {
  local store=$1; shift
  local before after
  before=$(completed "$store")
  /usr/bin/time -f "%U %S" -o "$store.time.tmp" $dm train --store "$store" "$@" | tail -n 1
  after=$(completed "$store")
  echo "$((after - before)) $(awk '{print $1 + $2}' "$store.time.tmp")" >> "$store.train-cpu"
  rm -f "$store.time.tmp"
}
# completed STORE: rows completed
completed() {
  python3 -c "import numpy as np,sys; print(int(np.asarray(np.load(sys.argv[1] + '/_completed.npy', mmap_mode='r')).sum()))" "$1"
}
# per_model_train STORE: CPU-seconds per model of the store's own training (batched, as 'train' runs it)
per_model_train() {
  awk '{r += $1; c += $2} END {if (r > 0) print c / r; else print "none"}' "$1.train-cpu" 2>/dev/null || echo none
}
# logodds_copy STORE COPY: COPY = STORE with its losses turned into minus the log-odds (logodds_store.py), made again
# when STORE has completed rows the copy lacks (a copy of an interrupted store would leave models out of later fits)
logodds_copy() {
  if [ -d "$2" ] && ! cmp -s "$1/_completed.npy" "$2/_completed.npy"; then rm -rf "$2"; fi
  [ -d "$2" ] || python3 "$(dirname "${BASH_SOURCE[0]}")/logodds_store.py" "$1" "$2"
}
