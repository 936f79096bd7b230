"""A small PyTorch MLP (784-64-10) on the store's IDX data, e.g. Fashion-MNIST: the external learner's main use.

    ./datamodels train --store runs/w1 --learner external --worker 'python3 python/examples/train_torch.py'

The worker loads the data once and then trains model after model; in one-shot mode (--command) every model pays
Python and torch start-up. Each model: 5 epochs of SGD with momentum, batch 128, seeded with the model's own seed,
on the rows of its subset; writes the keys the store asks for among margins, logits, probs, correct, losses,
train_accuracy and train_loss. Set DATAMODELS_TORCH_EPOCHS to change the epochs.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datamodels_worker import load_idx, run  # noqa: E402

torch.set_num_threads(1)  # one model per runner thread; --threads sets the parallelism
_DATA = {}


def data(ctx):
    if "x" not in _DATA:
        xi, yi = load_idx(ctx.data)
        xt, yt = load_idx(ctx.target_data)
        x = torch.tensor(xi[ctx.train_indices].reshape(len(ctx.train_indices), -1), dtype=torch.float32) / 255
        g = torch.tensor(xt[ctx.target_indices].reshape(len(ctx.target_indices), -1), dtype=torch.float32) / 255
        mu, sd = x.mean(0), x.std(0) + 1e-3
        _DATA.update(x=(x - mu) / sd, y=torch.tensor(yi[ctx.train_indices]), g=(g - mu) / sd,
                     gy=torch.tensor(yt[ctx.target_indices]))
    return _DATA["x"], _DATA["y"], _DATA["g"], _DATA["gy"]


def train(mask, seed, ctx):
    x, y, g, gy = data(ctx)
    idx = torch.from_numpy(np.flatnonzero(mask))
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for _ in range(int(os.environ.get("DATAMODELS_TORCH_EPOCHS", "5"))):
        perm = idx[torch.randperm(len(idx), generator=gen)]
        for s in range(0, len(perm), 128):
            b = perm[s:s + 128]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[b]), y[b]).backward()
            opt.step()
    with torch.no_grad():
        logits = model(g)
        rows = torch.arange(len(gy))
        other = logits.clone()
        other[rows, gy] = -float("inf")
        tl = model(x[idx])
        out = {
            "margins": logits[rows, gy] - other.max(1).values,
            "logits": logits,
            "probs": logits.softmax(1)[rows, gy],
            "correct": logits.argmax(1) == gy,
            "losses": torch.nn.functional.cross_entropy(logits, gy, reduction="none"),
            "train_accuracy": (tl.argmax(1) == y[idx]).float().mean(),
            "train_loss": torch.nn.functional.cross_entropy(tl, y[idx]),
        }
    return {key: out[key] for key in ctx.keys}


if __name__ == "__main__":
    run(train)
