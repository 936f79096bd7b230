#!/usr/bin/env bash
# Our training throughput beside the PyTorch peer, back to back on this machine. Run from the repository root:
#   bash docs/experiments/peer.sh LEARNER [OURS] [PEER] [REPEATS]
# LEARNER: mlp (784-64-10) or softmax. OURS: models per run of `datamodels bench train` (default 512; median of
# REPEATS runs, default 3). PEER: models per PyTorch process (default 48); the peer runs as two processes with one
# thread each, its best setting on 2 cores (../shared/peers/README.md), and their models/hour are summed.
# Both train W1: the first M = 5000 Fashion-MNIST training images, alpha 0.5, 10 epochs, batch 128, margins on the
# first T = 1000 test images (M, T, EPOCHS and THREADS from the environment change that, e.g. for a quick check).
# Prints the CPU model, both models/hour and their ratio. Absolute figures move by 30% or more between runs on a
# shared host; the ratio of two runs back to back much less.
set -euo pipefail
learner=${1:?usage: peer.sh mlp|softmax [OURS] [PEER] [REPEATS]}
ours=${2:-512}
peer=${3:-48}
repeats=${4:-3}
m=${M:-5000}
t=${T:-1000}
epochs=${EPOCHS:-10}
threads=${THREADS:-2}
case "$learner" in
  mlp) hidden=64 ;;
  softmax) hidden=0 ;;
  *) echo "peer.sh: LEARNER must be mlp or softmax, got '$learner'" >&2; exit 2 ;;
esac
root=$(pwd)
peers="$root/../shared/peers"
data="$root/../shared/data/fashion-mnist"
py=/usr/bin/python3
[ -f "$peers/torch_w1.py" ] || { echo "peer.sh: $peers/torch_w1.py not found (run from the repository root)" >&2; exit 3; }
[ -d "$data" ] || { echo "peer.sh: $data not found" >&2; exit 3; }
"$py" -c 'import torch' 2>/dev/null || { echo "peer.sh: $py has no torch" >&2; exit 3; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "CPU: ${cpu:-$(uname -m)}, $(nproc) cores"

echo "== datamodels bench train --learner $learner --models $ours --repeats $repeats"
./datamodels bench train --learner "$learner" --models "$ours" --repeats "$repeats" --threads "$threads" \
  --train "$m" --targets "$t" --set epochs="$epochs" --data "idx:$data" | tee "$work/ours.txt"
ours_rate=$(sed -n 's/.*: median \([0-9]*\) models\/hour.*/\1/p' "$work/ours.txt")
[ -n "$ours_rate" ] || { echo "peer.sh: no 'median N models/hour' line from bench train" >&2; exit 70; }

echo "== PyTorch peer: 2 processes x 1 thread, $peer models each"
for i in 1 2; do
  (cd "$peers" && FMNIST_DIR="$data" "$py" torch_w1.py "$peer" "$hidden" "$epochs" "$m" "$t" 1 >"$work/peer$i.txt") &
done
wait
cat "$work/peer1.txt" "$work/peer2.txt"
peer_rate=$(sed -n 's/.*models_per_hour=\([0-9]*\).*/\1/p' "$work/peer1.txt" "$work/peer2.txt" | awk '{s += $1} END {print s}')
[ -n "$peer_rate" ] && [ "$peer_rate" -gt 0 ] || { echo "peer.sh: no models_per_hour from the peer" >&2; exit 70; }

awk -v l="$learner" -v o="$ours_rate" -v p="$peer_rate" -v c="${cpu:-$(uname -m)}" 'BEGIN {
  printf "%s on %s: datamodels %d models/hour, PyTorch peer %d models/hour, ratio %.2fx\n", l, c, o, p, o / p }'
