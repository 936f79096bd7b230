"""How much of the counterfactual shortfall is LASSO shrinkage? (docs/RESULTS.md, counterfactual section)

Refits every counterfactual target by ordinary least squares on its LASSO support (the features with non-zero
weight in the full fit), predicts each (target, k) point of `eval counterfactual` with those debiased weights over
the same removed examples (the top-k LASSO weights among the base set's members), and compares both predictions
with the measured changes.

    python3 docs/experiments/cf_debias.py runs/w1-softmax-100k [MODELS]

MODELS (default 40000): the first MODELS models of the store are used for the refit.
"""
import csv
import sys

import numpy as np

run = sys.argv[1]
n_models = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
points = list(csv.DictReader(open(f"{run}/cf/counterfactual_points.csv")))
targets = sorted({int(p["target"]) for p in points})
w = np.load(f"{run}/fit-all/weights.npy")[:, : max(targets) + 1]
x = np.asarray(np.load(f"{run}/store/masks.npy", mmap_mode="r")[:n_models]).astype(np.float32)
y = np.asarray(np.load(f"{run}/store/margins.npy", mmap_mode="r")[:n_models, : max(targets) + 1], dtype=np.float64)
xc = x - x.mean(0)
gram = (xc.T @ xc).astype(np.float64)
xty = xc.T.astype(np.float64) @ (y - y.mean(0))
w_ols = np.zeros(w.shape)
for t in targets:
    s = np.nonzero(w[:, t])[0]
    w_ols[s, t] = np.linalg.solve(gram[np.ix_(s, s)] + 1e-6 * np.eye(len(s)), xty[s, t])
# The counterfactual's work store holds the base mask first (its retrains), then the reduced masks.
base = np.asarray(np.load(f"{run}/cf.work/masks.npy", mmap_mode="r")[0]).astype(bool)
ks, actual, lasso, ols = [], [], [], []
for p in points:
    t, k = int(p["target"]), int(p["k"])
    removed = np.argsort(-np.where(base, w[:, t], -np.inf), kind="stable")[:k]
    ks.append(k)
    actual.append(float(p["actual_change"]))
    lasso.append(-w[removed, t].sum())
    ols.append(-w_ols[removed, t].sum())
ks, actual, lasso, ols = map(np.array, (ks, actual, lasso, ols))
assert np.allclose(lasso, [float(p["predicted_change"]) for p in points], atol=1e-4), "removed sets differ from eval's"


def spearman(a, b):
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return np.corrcoef(ra, rb)[0, 1]


for name, pred in (("LASSO weights", lasso), ("OLS on the LASSO support", ols)):
    per_k = " ".join(f"k={k}: {np.corrcoef(pred[ks == k], actual[ks == k])[0, 1]:.3f}/"
                     f"{np.polyfit(pred[ks == k], actual[ks == k], 1)[0]:.2f}" for k in sorted(set(ks)))
    print(f"{name}: Pearson {np.corrcoef(pred, actual)[0, 1]:.3f}, Spearman {spearman(pred, actual):.3f}, "
          f"slope of actual on predicted {np.polyfit(pred, actual, 1)[0]:.2f}; per k (Pearson/slope) {per_k}")
