"""Softmax regression in numpy on the store's IDX data (e.g. Fashion-MNIST): a numpy-only external learner.

    ./datamodels train --store runs/w1 --learner external --command 'python3 python/examples/train_numpy.py'
    ./datamodels train --store runs/w1 --learner external --worker 'python3 python/examples/train_numpy.py'

Full-batch gradient descent, 100 steps, on the model's subset (mask), standardised pixels; writes the keys the
store asks for among margins, logits, probs, correct, losses, train_accuracy and train_loss.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datamodels_worker import load_idx, run  # noqa: E402

_DATA = {}


def data(ctx):
    """(x_train (m, d), y_train (m,), x_targets (T, d), y_targets (T,)), loaded once per process."""
    if "x" not in _DATA:
        xi, yi = load_idx(ctx.data)
        xt, yt = load_idx(ctx.target_data)
        x = xi[ctx.train_indices].reshape(len(ctx.train_indices), -1).astype(np.float64) / 255.0
        g = xt[ctx.target_indices].reshape(len(ctx.target_indices), -1).astype(np.float64) / 255.0
        mu, sd = x.mean(0), x.std(0) + 1e-3
        _DATA.update(x=(x - mu) / sd, y=yi[ctx.train_indices], g=(g - mu) / sd, gy=yt[ctx.target_indices])
    return _DATA["x"], _DATA["y"], _DATA["g"], _DATA["gy"]


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def train(mask, seed, ctx):
    x, y, g, gy = data(ctx)
    xs, ys = x[mask], y[mask]
    k = 10
    rng = ctx.rng()
    w = rng.normal(0, 0.01, (x.shape[1], k))
    b = np.zeros(k)
    onehot = np.eye(k)[ys]
    for _ in range(100):
        p = softmax(xs @ w + b)
        grad = (p - onehot) / len(xs)
        w -= 0.5 * (xs.T @ grad + 1e-3 * w)
        b -= 0.5 * grad.sum(0)
    p = softmax(xs @ w + b)
    logits = g @ w + b
    probs = softmax(logits)
    rows = np.arange(len(gy))
    other = logits.copy()
    other[rows, gy] = -np.inf
    out = {
        "margins": logits[rows, gy] - other.max(1),
        "logits": logits,
        "probs": probs[rows, gy],
        "correct": logits.argmax(1) == gy,
        "losses": -np.log(probs[rows, gy] + 1e-12),
        "train_accuracy": np.float64((p.argmax(1) == ys).mean()),
        "train_loss": np.float64(-np.log(p[np.arange(len(ys)), ys] + 1e-12).mean()),
    }
    return {key: out[key] for key in ctx.keys}


if __name__ == "__main__":
    run(train)
