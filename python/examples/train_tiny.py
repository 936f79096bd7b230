"""A learner that does no training, to measure what each model costs besides training (process start-up, numpy
import, files, protocol): margins[t] = the number of training examples j in the subset with j % T == t; every other
key the store asks for gets zeros of its shape.

    ./datamodels train --store S --learner external --command 'python3 python/examples/train_tiny.py'
    ./datamodels train --store S --learner external --worker 'python3 python/examples/train_tiny.py'
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datamodels_worker import run  # noqa: E402


def train(mask, seed, ctx):
    out = {}
    for key in ctx.keys:
        shape = tuple(ctx.schema[key]["shape"])
        out[key] = np.zeros(shape)
    if "margins" in out:
        t = out["margins"].shape[0]
        out["margins"] = np.array([mask[k::t].sum() for k in range(t)], dtype=np.float64)
    return out


if __name__ == "__main__":
    run(train)
