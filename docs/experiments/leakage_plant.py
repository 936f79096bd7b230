#!/usr/bin/env python3
"""Planted train-test copies for the `explore leakage` check (docs/RESULTS.md, "Leakage on planted copies").

  leakage_plant.py make  --src DIR --out DIR --kind noisy|shift|mirror --train N --copies K [--seed S]
  leakage_plant.py eval  --data DIR --csv leakage.csv --targets T [--w weights.npy]
  leakage_plant.py compare --data DIR --w weights.npy [--csv leakage.csv]
  leakage_plant.py selftest

`make` writes an IDX folder (train-*/t10k-* files, uncompressed) whose training split is the first N Fashion-MNIST
training images followed by K transformed copies of test images 0..K-1 (copy i of test image i sits at training
position N + i), and whose test split is the Fashion-MNIST test split unchanged. `planted.csv` lists the pairs
(target, train). Transforms, on pixels in [0, 255]:
  noisy:  clip(round(b * x + e)), b ~ U[0.8, 1.2] per image, e ~ N(0, 12^2) per pixel
  shift:  x moved by (dy, dx) with |dy|, |dx| in {0, 1, 2}, not both 0, vacated pixels 0
  mirror: x flipped left-right
`eval` reads the flagged pairs and prints precision/recall, top-10 hits (from weights.npy, m x T) and the pixel
nearest-neighbour baselines (Euclidean on pixels standardised per feature over the training set, and on raw pixels;
a pair is flagged when the nearest training image is closer than 0.8 x the second nearest, Lowe's ratio test).
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np


def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">i", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "i" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, arr):
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">i", 0x0800 | arr.ndim))
        f.write(struct.pack(">" + "i" * arr.ndim, *arr.shape))
        f.write(arr.tobytes())


def noisy(img, rng):
    b = rng.uniform(0.8, 1.2)
    e = rng.normal(0.0, 12.0, size=img.shape)
    return np.clip(np.rint(b * img.astype(np.float64) + e), 0, 255).astype(np.uint8)


def shift(img, dy, dx):
    h, w = img.shape
    out = np.zeros_like(img)
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = img[ys, xs]
    return out


def random_shift(img, rng):
    while True:
        dy, dx = rng.integers(-2, 3, size=2)
        if dy != 0 or dx != 0:
            return shift(img, int(dy), int(dx))


def mirror(img):
    return img[:, ::-1].copy()


def transform(kind, img, rng):
    if kind == "noisy":
        return noisy(img, rng)
    if kind == "shift":
        return random_shift(img, rng)
    if kind == "mirror":
        return mirror(img)
    raise SystemExit(f"--kind: expected noisy, shift or mirror, got {kind}")


def make(a):
    tr_x = read_idx(os.path.join(a.src, "train-images-idx3-ubyte.gz"))
    tr_y = read_idx(os.path.join(a.src, "train-labels-idx1-ubyte.gz"))
    te_x = read_idx(os.path.join(a.src, "t10k-images-idx3-ubyte.gz"))
    te_y = read_idx(os.path.join(a.src, "t10k-labels-idx1-ubyte.gz"))
    rng = np.random.default_rng(a.seed)
    copies = np.stack([transform(a.kind, te_x[i], rng) for i in range(a.copies)])
    x = np.concatenate([tr_x[:a.train], copies])
    y = np.concatenate([tr_y[:a.train], te_y[:a.copies]])
    os.makedirs(a.out, exist_ok=False)
    write_idx(os.path.join(a.out, "train-images-idx3-ubyte"), x)
    write_idx(os.path.join(a.out, "train-labels-idx1-ubyte"), y)
    write_idx(os.path.join(a.out, "t10k-images-idx3-ubyte"), te_x)
    write_idx(os.path.join(a.out, "t10k-labels-idx1-ubyte"), te_y)
    with open(os.path.join(a.out, "planted.csv"), "w") as f:
        f.write("target,train\n")
        for i in range(a.copies):
            f.write(f"{i},{a.train + i}\n")
    print(f"wrote {a.out}: {len(x)} training images ({a.copies} {a.kind} copies of test 0..{a.copies - 1})")


def read_pairs(path):
    with open(path) as f:
        lines = f.read().splitlines()[1:]
    return {(int(x.split(",")[0]), int(x.split(",")[1])) for x in lines if x}


def pr(flagged, truth):
    tp = len(flagged & truth)
    return (tp / len(flagged) if flagged else float("nan")), tp / len(truth), tp, len(flagged)


def evaluate(a):
    truth = read_pairs(os.path.join(a.data, "planted.csv"))
    tr = read_idx(os.path.join(a.data, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float64)
    te = read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte"))[:a.targets].reshape(-1, 784).astype(np.float64)
    out = {}
    if a.csv:
        js = os.path.join(os.path.dirname(a.csv), "leakage.json")
        if os.path.exists(js):
            with open(js) as f:
                j = json.load(f)
            out["threshold"] = f"{j['threshold']} (estimated fdr {j['estimated_fdr']:.3f}, {j['flagged']} flagged)"
        p, r, tp, n = pr(read_pairs(a.csv), truth)
        out["datamodels"] = f"precision {p:.3f} recall {r:.3f} ({tp} of {n} flagged pairs are planted, {len(truth)} planted)"
    if a.w:
        w = np.load(a.w)
        top10 = sum(1 for q, j in truth if j in np.argsort(-w[:, q], kind="stable")[:10])
        top1 = sum(1 for q, j in truth if np.argmax(w[:, q]) == j)
        out["top-10 supporters"] = f"{top10} of {len(truth)} (top-1: {top1})"
    mu, sd = tr.mean(0), tr.std(0)
    sd[sd == 0] = 1.0
    for name, a_tr, a_te in (("pixel NN, standardised", (tr - mu) / sd, (te - mu) / sd), ("pixel NN, raw", tr, te)):
        d2 = (a_te ** 2).sum(1)[:, None] - 2 * a_te @ a_tr.T + (a_tr ** 2).sum(1)[None, :]
        d = np.sqrt(np.maximum(d2, 0))
        order = np.argsort(d, 1, kind="stable")
        nn1 = {(q, int(order[q, 0])) for q in range(len(te))}
        ratio = d[np.arange(len(te)), order[:, 0]] / d[np.arange(len(te)), order[:, 1]]
        flagged = {(q, int(order[q, 0])) for q in range(len(te)) if ratio[q] < 0.8}
        p, r, tp, n = pr(flagged, truth)
        top10 = sum(1 for q, j in truth if j in order[q, :10])
        out[name] = (f"ratio<0.8: precision {p:.3f} recall {r:.3f} ({tp} of {n} flagged); copy in top-10: {top10} of "
                     f"{len(truth)}, top-1: {len(nn1 & truth)}")
    for k, v in out.items():
        print(f"{k}: {v}")


def loo_z(x, axis):
    """z of each value against the other values along axis (population sd of the others)."""
    n = x.shape[axis]
    mu = x.mean(axis, keepdims=True)
    dev = x - mu
    c = (dev ** 2).sum(axis, keepdims=True)
    others = np.maximum(c - dev ** 2 * n / (n - 1), 0) / (n - 1)
    sd_all = np.sqrt(c / n)
    lo, hi = x.min(axis, keepdims=True), x.max(axis, keepdims=True)
    at_lo, at_hi = (x == lo).sum(axis, keepdims=True), (x == hi).sum(axis, keepdims=True)
    alone = (lo == hi) | ((x == lo) & (at_lo == 1) & (at_hi == n - 1)) | ((x == hi) & (at_hi == 1) & (at_lo == n - 1))
    sd = np.where(alone, sd_all, np.sqrt(others))
    return np.where(sd == 0, 0, dev * n / (n - 1) / np.where(sd == 0, 1, sd))


def mad_z(x, axis):
    med = np.median(x, axis, keepdims=True)
    a = np.abs(x - med)
    mad = np.median(a, axis, keepdims=True)
    fb = np.nan_to_num(np.nanmedian(np.where(a == 0, np.nan, a), axis, keepdims=True))
    sc = 1.4826 * np.where(mad == 0, fb, mad)
    return np.where(sc == 0, 0, (x - med) / np.where(sc == 0, 1, sc))


def compare(a):
    """Ranks all pairs by each candidate score; counts planted pairs among the top 30 and the largest recall at which
    precision is still >= 0.9 (the best any threshold on that score could do)."""
    truth = read_pairs(os.path.join(a.data, "planted.csv"))
    w = np.load(a.w).astype(np.float64)
    m, t = w.shape
    is_true = np.zeros((m, t), bool)
    for q, j in truth:
        is_true[j, q] = True
    zc = loo_z(w, 0)
    chosen = np.minimum(zc, loo_z(zc, 1))
    cands = {
        "raw weight": w,
        "column z (leave-one-out)": zc,
        "min(column z, row z of raw W)": np.minimum(zc, loo_z(w, 1)),
        "min(column z, row z of column z) [default]": chosen,
        "min(column, row) median/MAD z": np.minimum(mad_z(w, 0), mad_z(w, 1)),
    }
    # Alternatives tried against the look-alikes (docs/RESULTS.md, "Leakage: other scores tried").
    labels = read_idx(os.path.join(a.data, "train-labels-idx1-ubyte"))[:m]
    zcc = np.zeros_like(w)
    for c in np.unique(labels):
        zcc[labels == c] = loo_z(w[labels == c], 0)  # against the same-class training examples only
    cands["class-conditional column z, min with its row z"] = np.minimum(zcc, loo_z(zcc, 1))
    srt = np.sort(w, 0)
    second = np.where(w >= srt[-1][None, :], srt[-2][None, :], srt[-1][None, :])
    cands["weight / the column's next largest weight"] = w / np.maximum(second, 1e-12)
    zs = np.sort(zc, 0)
    nxt = np.where(zc >= zs[-1][None, :], zs[-2][None, :], zs[-1][None, :])
    cands["min(column z minus the column's next largest, row z)"] = np.minimum(zc - nxt, loo_z(zc, 1))
    mutual = np.full_like(w, -np.inf)
    top_j, top_q = w.argmax(0), w.argmax(1)
    for q in range(t):
        if top_q[top_j[q]] == q:
            mutual[top_j[q], q] = chosen[top_j[q], q]
    cands["default, only mutual top pairs (j is q's top, q is j's top)"] = mutual
    ws_path = os.path.join(os.path.dirname(a.w), "weights_standardized.npy")
    if os.path.exists(ws_path):
        zs_c = loo_z(np.load(ws_path).astype(np.float64), 0)
        cands["default on weights_standardized.npy"] = np.minimum(zs_c, loo_z(zs_c, 1))
    for name, s in cands.items():
        o = np.argsort(-s.ravel(), kind="stable")
        hits = np.cumsum(is_true.ravel()[o])
        prec = hits / np.arange(1, len(hits) + 1)
        ok = np.where(prec >= 0.9)[0]
        print(f"{name}: planted in top 30 pairs {hits[29]}, best recall at precision >= 0.9: "
              f"{(hits[ok.max()] if len(ok) else 0) / len(truth):.3f}")
    if a.csv:
        with open(a.csv) as f:
            rows = [x.split(",") for x in f.read().splitlines()[1:] if x]
        err = max((abs(float(r[2]) - chosen[int(r[1]), int(r[0])]) / max(1, abs(float(r[2]))) for r in rows),
                  default=0.0)
        print(f"numpy score vs leakage.csv: max relative difference {err:.2e} over {len(rows)} pairs")


def selftest():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, size=(28, 28)).astype(np.uint8)
    m = mirror(img)
    assert (m[:, 0] == img[:, 27]).all() and (mirror(m) == img).all()
    s = shift(img, 1, -2)
    assert (s[1:, :26] == img[:27, 2:]).all() and (s[0] == 0).all() and (s[:, 26:] == 0).all()
    s = shift(img, -2, 2)
    assert (s[:26, 2:] == img[2:, :26]).all() and (s[26:] == 0).all() and (s[:, :2] == 0).all()
    for _ in range(50):
        r = random_shift(img, rng)
        assert not (r == img).all()
    n = noisy(img, np.random.default_rng(2))
    assert n.dtype == np.uint8 and 0 < np.abs(n.astype(int) - img).mean() < 40
    g = np.full((28, 28), 100, np.uint8)
    gn = noisy(g, np.random.default_rng(3)).astype(float)
    assert 75 <= gn.mean() <= 125 and 8 < gn.std() < 16
    print("selftest ok")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["make", "eval", "compare", "selftest"])
    ap.add_argument("--src")
    ap.add_argument("--out")
    ap.add_argument("--kind")
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--copies", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data")
    ap.add_argument("--csv")
    ap.add_argument("--w")
    ap.add_argument("--targets", type=int, default=200)
    a = ap.parse_args()
    if a.cmd == "make":
        make(a)
    elif a.cmd == "eval":
        evaluate(a)
    elif a.cmd == "compare":
        compare(a)
    else:
        selftest()


if __name__ == "__main__":
    sys.exit(main())
