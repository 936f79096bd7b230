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
