#!/usr/bin/env python3
"""The flagged pairs of `explore leakage` on the real W1 fit, looked at in pixel space and drawn as images
(docs/RESULTS.md, "Leakage on the real W1 fit").

  leakage_w1.py --leakage DIR --src DIR --fit DIR [--top N] [--png FILE] [--png-near FILE] [--near D]
  leakage_w1.py selftest

Reads DIR/leakage.csv (header target,train,score: positions in the fit's target and training selections) and the
fit's fit.json, whose selections must be first-N forms (e.g. "5000", "1000") of the Fashion-MNIST IDX folder --src;
prints one row per pair among the top N (default 16): target and training position, labels, score, raw pixel L2
distance, the rank of that training image among the target's pixel nearest neighbours (1 = nearest) and the distance
to the target's nearest training image; then a summary over all flagged pairs, and the pixel near-duplicates (target
whose nearest training image is closer than --near, default 500 on 0-255 pixels) with whether leakage flagged them.
--png writes the top N pairs as a grid: each cell a target (left) beside its training image (right), 3x enlarged,
pairs in CSV order left to right, top to bottom, 4 per row; a grey bar under a pair whose labels differ; pixels as
stored (light garment on black). --png-near draws the pixel near-duplicates the same way, closest first.
No imaging library is needed: the PNG is written with zlib.
"""
import argparse
import csv
import json
import os
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leakage_plant import read_idx  # noqa: E402 (the IDX reader of the planted-copy check)


def find(src, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(src, name)):
            return os.path.join(src, name)
    sys.exit(f"{src}: {stem}[.gz]: file does not exist")


def png_bytes(gray):
    """An 8-bit greyscale PNG of the uint8 array gray (h x w)."""
    h, w = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def grid(pairs, per_row=4, scale=3, gap=4, pad=10):
    """pairs: list of (target image, train image, same label); returns the uint8 canvas."""
    cell_w = 2 * 28 * scale + gap
    cell_h = 28 * scale + 6
    rows = (len(pairs) + per_row - 1) // per_row
    canvas = np.full((rows * (cell_h + pad) + pad, per_row * (cell_w + pad) + pad), 255, np.uint8)  # white margins
    for i, (a, b, same) in enumerate(pairs):
        y0 = pad + (i // per_row) * (cell_h + pad)
        x0 = pad + (i % per_row) * (cell_w + pad)
        for k, img in enumerate((a, b)):
            big = np.kron(img.reshape(28, 28), np.ones((scale, scale), np.uint8))  # as stored: light on black
            x = x0 + k * (28 * scale + gap)
            canvas[y0:y0 + 28 * scale, x:x + 28 * scale] = big
        if not same:
            canvas[y0 + 28 * scale + 2:y0 + 28 * scale + 5, x0:x0 + cell_w] = 128
    return canvas


def distances(te, tr):
    d2 = (te ** 2).sum(1)[:, None] - 2 * te @ tr.T + (tr ** 2).sum(1)[None, :]
    return np.sqrt(np.maximum(d2, 0))


def first_n(sel, field):
    try:
        return int(sel)
    except (TypeError, ValueError):
        sys.exit(f"fit.json: {field}: expected a first-N selection such as \"5000\", got {sel!r}")


def main(a):
    with open(os.path.join(a.fit, "fit.json")) as f:
        fit = json.load(f)
    ds = fit.get("dataset") or sys.exit("fit.json: dataset: expected the dataset record, got none")
    n_train = first_n(ds.get("train"), "dataset.train")
    n_targets = first_n(ds.get("targets"), "dataset.targets")
    tr = read_idx(find(a.src, "train-images-idx3-ubyte"))[:n_train].reshape(-1, 784).astype(np.float64)
    trl = read_idx(find(a.src, "train-labels-idx1-ubyte"))[:n_train]
    te = read_idx(find(a.src, "t10k-images-idx3-ubyte"))[:n_targets].reshape(-1, 784).astype(np.float64)
    tel = read_idx(find(a.src, "t10k-labels-idx1-ubyte"))[:n_targets]
    with open(os.path.join(a.leakage, "leakage.csv")) as f:
        rows = [(int(r["target"]), int(r["train"]), float(r["score"])) for r in csv.DictReader(f)]
    d = distances(te, tr)
    order = np.argsort(d, 1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(len(te))[:, None], order] = np.arange(tr.shape[0])[None, :] + 1
    nn = d[np.arange(len(te)), order[:, 0]]
    print(f"{len(rows)} flagged pairs; median distance of a target to its nearest training image {np.median(nn):.0f}")
    print("rank,target,train,target_label,train_label,score,pixel_l2,pixel_rank,target_nn_l2")
    for i, (q, j, s) in enumerate(rows[:a.top]):
        print(f"{i + 1},{q},{j},{tel[q]},{trl[j]},{s:.2f},{d[q, j]:.0f},{rank[q, j]},{nn[q]:.0f}")
    if rows:
        ranks = np.array([rank[q, j] for q, j, _ in rows])
        same = np.mean([tel[q] == trl[j] for q, j, _ in rows])
        print(f"all flagged: same label {same:.3f}; pixel rank 1: {np.sum(ranks == 1)}, <= 10: {np.sum(ranks <= 10)},"
              f" median rank {np.median(ranks):.0f}; median pair distance "
              f"{np.median([d[q, j] for q, j, _ in rows]):.0f}")
    flagged = {(q, j) for q, j, _ in rows}
    near = [(q, int(order[q, 0])) for q in range(len(te)) if nn[q] < a.near]
    print(f"pixel near-duplicates (nearest training image closer than {a.near:g}): {len(near)}; flagged by leakage: "
          f"{sum(p in flagged for p in near)}")
    for q, j in sorted(near, key=lambda p: d[p])[:a.top]:
        print(f"  target {q} (label {tel[q]}) ~ train {j} (label {trl[j]}): l2 {d[q, j]:.0f}, flagged "
              f"{(q, j) in flagged}")
    if a.png:
        top = rows[:a.top]
        img = grid([(te[q].astype(np.uint8), tr[j].astype(np.uint8), tel[q] == trl[j]) for q, j, _ in top])
        with open(a.png, "wb") as f:
            f.write(png_bytes(img))
        print(f"wrote {a.png} ({img.shape[1]} x {img.shape[0]}, {len(top)} pairs)")
    if a.png_near:
        top = sorted(near, key=lambda p: d[p])[:a.top]
        img = grid([(te[q].astype(np.uint8), tr[j].astype(np.uint8), tel[q] == trl[j]) for q, j in top])
        with open(a.png_near, "wb") as f:
            f.write(png_bytes(img))
        print(f"wrote {a.png_near} ({img.shape[1]} x {img.shape[0]}, {len(top)} pairs)")


def selftest():
    g = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    b = png_bytes(g)
    assert b[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", b[16:24])
    assert (w, h) == (4, 3)
    idat_len, = struct.unpack(">I", b[33:37])
    raw = zlib.decompress(b[41:41 + idat_len])
    back = np.frombuffer(raw, np.uint8).reshape(3, 5)[:, 1:]
    assert (back == g).all()
    te = np.array([[0.0, 0.0], [3.0, 4.0]])
    tr = np.array([[0.0, 0.0], [6.0, 8.0], [3.0, 4.0]])
    assert np.allclose(distances(te, tr), [[0, 10, 5], [5, 5, 0]])
    print("selftest OK")


if __name__ == "__main__":
    if sys.argv[1:] == ["selftest"]:
        selftest()
        sys.exit(0)
    p = argparse.ArgumentParser()
    p.add_argument("--leakage", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--fit", required=True)
    p.add_argument("--top", type=int, default=16)
    p.add_argument("--png")
    p.add_argument("--png-near")
    p.add_argument("--near", type=float, default=500)
    main(p.parse_args())
