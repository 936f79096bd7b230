"""Markdown table of LDS against compute from results.csv files of attribute-w1.sh / dattri-mnist.sh.

python3 docs/experiments/attribute_table.py runs/w1a/softmax-results.csv [more.csv ...]
A (method, budget) measured twice (a rerun of the script) keeps its last line.
"""
import csv
import sys

for path in sys.argv[1:]:
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            rows[(r["method"], r["budget"])] = r
    print(f"\n{path}\n")
    print("| method | models (budget) | LDS (95% CI) | CPU-seconds |")
    print("|---|---|---|---|")
    for (method, budget), r in rows.items():
        print(f"| {method} | {int(budget):,} | {float(r['lds']):.3f} ({float(r['lds_low']):.3f}..{float(r['lds_high']):.3f}) "
              f"| {float(r['cpu_seconds']):,.1f} |")
