"""Copy of a store whose `losses` hold the log-odds of the correct class instead of the cross-entropy.

python3 docs/experiments/logodds_store.py SRC_STORE DST_STORE

For one target, the cross-entropy loss = -log p and the log-odds f = log(p / (1 - p)) = -loss - log(1 - exp(-loss))
are decreasing functions of each other, so the Spearman correlation of any prediction with f equals its correlation
with -loss: an LDS measured on the copies is the LDS against dattri's output (minus the loss), and a datamodel fitted
on the copy is a linear model of f, TRAK's output function (docs/RESULTS.md, "dattri's MNIST-10 recipes"). Every
other file is copied unchanged; the key keeps its name `losses` so that `fit` and `eval lds` read the copy as a store.
"""
import os
import shutil
import sys

import numpy as np

src, dst = sys.argv[1], sys.argv[2]
if os.path.exists(dst):
    sys.exit(f"{dst}: already exists")
shutil.copytree(src, dst)
path = os.path.join(dst, "losses.npy")
loss = np.load(path).astype(np.float64)
if np.any(loss < 0) or not np.all(np.isfinite(loss)):
    sys.exit(f"{path}: expected finite cross-entropy losses >= 0")
# -expm1(-loss) = 1 - p, exact for small losses; loss == 0 (p == 1 in float32) gets the largest finite log-odds
one_minus_p = np.maximum(-np.expm1(-loss), np.finfo(np.float64).tiny)
f = -loss - np.log(one_minus_p)
out = np.lib.format.open_memmap(path + ".tmp", mode="w+", dtype=np.float32, shape=loss.shape)
out[...] = (-f).astype(np.float32)  # stored as minus the log-odds: increasing in the loss, like the loss itself
out.flush()
del out
os.replace(path + ".tmp", path)
print(f"{dst}: losses replaced by minus the log-odds of the correct class ({loss.size} values)")
