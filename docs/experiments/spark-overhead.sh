#!/usr/bin/env bash
# Spark's overhead on W1 (BENCHMARKS.md): plain 'train --threads 2' against 'spark train --master local[2]', the same
# softmax training of a fresh copy of one store, alternating, ROUNDS rounds. Prints each run's rate as the command
# reports it (models over the training loop or job) and over the whole command's wall time, the medians, and checks
# that both stores end byte-identical.
# Usage: bash docs/experiments/spark-overhead.sh [MODELS=3000] [ROUNDS=3] [WORK=/tmp/spark-overhead]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
models="${1:-3000}"
rounds="${2:-3}"
work="${3:-/tmp/spark-overhead}"
dm="$root/datamodels"
mkdir -p "$work"
"$dm" init --store "$work/w1" --data "idx:$root/../shared/data/fashion-mnist" --train 5000 --targets 1000 \
  --models "$models" --seed 0 --force >/dev/null
"$dm" spark --help >/dev/null   # builds the Spark jar if needed, outside the timings
rate() { sed -n 's/^trained \([0-9]*\) models in \([0-9.]*\) s (\([0-9]*\) models\/hour).*/\3/p' "$1"; }
wall_rate() { awk -v n="$models" -v s="$(cat "$1")" 'BEGIN { printf "%.0f", n / s * 3600 }'; }
printf 'round\tplain job\tplain wall\tspark job\tspark wall\n'
: >"$work/rates.tsv"
for r in $(seq 1 "$rounds"); do
  for kind in plain spark; do
    rm -rf "$work/$kind"
    cp -r "$work/w1" "$work/$kind"
    start=$(date +%s.%N)
    if [ "$kind" = plain ]; then
      "$dm" train --store "$work/$kind" --learner softmax --threads 2 >"$work/$kind.out"
    else
      "$dm" spark train --store "$work/$kind" --learner softmax --master 'local[2]' >"$work/$kind.out"
    fi
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }' >"$work/$kind.wall"
  done
  for f in "$work"/plain/*.npy; do
    cmp -s "$f" "$work/spark/$(basename "$f")" || { echo "round $r: $(basename "$f") differs" >&2; exit 1; }
  done
  line="$r\t$(rate "$work/plain.out")\t$(wall_rate "$work/plain.wall")\t$(rate "$work/spark.out")\t$(wall_rate "$work/spark.wall")"
  printf "$line\n" | tee -a "$work/rates.tsv"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
pj=$(cut -f2 "$work/rates.tsv" | median); pw=$(cut -f3 "$work/rates.tsv" | median)
sj=$(cut -f4 "$work/rates.tsv" | median); sw=$(cut -f5 "$work/rates.tsv" | median)
printf 'median\t%s\t%s\t%s\t%s\n' "$pj" "$pw" "$sj" "$sw"
awk -v pj="$pj" -v pw="$pw" -v sj="$sj" -v sw="$sw" 'BEGIN {
  printf "Spark overhead in models/hour: %.1f%% over the training job, %.1f%% over the whole command\n",
    (1 - sj / pj) * 100, (1 - sw / pw) * 100 }'
echo "stores byte-identical in every round; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
