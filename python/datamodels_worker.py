"""The training side of ``datamodels train --learner external``, for a user's Python (e.g. PyTorch) function.

Write ``def train(mask, seed, ctx) -> dict`` and call ``run(train)``:

* ``mask``: numpy bool array (m,), ``mask[j]`` true iff training example ``ctx.train_indices[j]`` of ``ctx.data``
  is in this model's subset;
* ``seed``: the model's own seed (a non-negative int below 2**63), derived by datamodels from (root seed, index);
* ``ctx``: a :class:`Context` (index, root_seed, keys, schema, data specs, index arrays, the store folder);
* return: one array per key in ``ctx.keys`` (``margins``: (T,), ``train_loss``: a scalar, ...). Each is converted
  to the store's dtype (only same-kind casts, e.g. float64 to float32, never float to int) and checked against the
  store's shape; a missing key or a wrong shape raises before anything is written.

One script serves both modes. ``datamodels train --learner external --command 'python3 train.py'`` runs it once
per model (everything comes through ``DATAMODELS_*`` environment variables); ``--worker 'python3 train.py'`` starts
it once per runner thread and it trains model after model, speaking the line protocol of the README on stdin and
stdout (the helper points ``sys.stdout`` and file descriptor 1 at stderr while ``train`` runs, so prints cannot
break the protocol). Only numpy is needed.
"""
import json
import os
import sys
import traceback

import numpy as np

__all__ = ["Context", "run", "save_outputs", "load_idx"]


class Context:
    """What datamodels tells the training function about one model and its store."""

    def __init__(self, index, seed, root_seed, mask_path, out, keys, schema, env):
        self.index = int(index)
        self.seed = int(seed)
        self.root_seed = int(root_seed)
        self.mask_path = mask_path
        self.out = out
        self.keys = list(keys)
        self.schema = schema
        self.store = env.get("DATAMODELS_STORE")
        self.data = env.get("DATAMODELS_DATA")
        self.target_data = env.get("DATAMODELS_TARGET_DATA")
        self.data_path = env.get("DATAMODELS_DATA_PATH")
        self.train_indices_path = env.get("DATAMODELS_TRAIN_INDICES")
        self.target_indices_path = env.get("DATAMODELS_TARGET_INDICES")

    @property
    def train_indices(self):
        """int64 (m,): mask position j is example train_indices[j] of ``data``."""
        return _load_cached(self.train_indices_path, "DATAMODELS_TRAIN_INDICES")

    @property
    def target_indices(self):
        """int64 (T,): output column t is example target_indices[t] of ``target_data``."""
        return _load_cached(self.target_indices_path, "DATAMODELS_TARGET_INDICES")

    def rng(self):
        """A numpy Generator seeded with this model's seed."""
        return np.random.default_rng(self.seed)


_CACHE = {}


def _load_cached(path, var):
    if path is None:
        raise RuntimeError(var + " is not set: the store has no dataset record (stores made by 'datamodels init' "
                           "have one)")
    if path not in _CACHE:
        _CACHE[path] = np.load(path)
    return _CACHE[path]


def _dtype(name):
    return np.dtype(np.bool_) if name in ("bool", "bool_") else np.dtype(name)


def save_outputs(outputs, ctx):
    """Writes ``KEY.npy`` into ``ctx.out`` for each of ``ctx.keys``, converted to the store's dtype where that is a
    same-kind cast (float64 to float32, a torch tensor to numpy). A missing key, a wrong shape or a dtype that does not
    convert is reported on stderr and left to datamodels' own output checks (written as it is, or not at all), which
    fail the model without retrying it: a seeded rerun would return the same."""
    if not isinstance(outputs, dict):
        raise TypeError("train() must return a dict of arrays by key, got %s" % type(outputs).__name__)
    arrays = {}
    for key in ctx.keys:
        if key not in outputs:
            print("datamodels_worker: train() returned no '%s' (the store asks for %s, got %s)"
                  % (key, ctx.keys, sorted(outputs)), file=sys.stderr)
            continue
        spec = ctx.schema[key]
        want_dtype = _dtype(spec["dtype"])
        want_shape = tuple(spec["shape"])
        v = outputs[key]
        a = v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)  # a torch tensor, or array-like
        if np.can_cast(a.dtype, want_dtype, casting="same_kind"):
            a = a.astype(want_dtype, copy=False)
        else:
            print("datamodels_worker: %s: dtype: expected %s (or a same-kind type), got %s"
                  % (key, want_dtype, a.dtype), file=sys.stderr)
        if a.shape != want_shape and not (want_shape == () and a.shape == (1,)):
            print("datamodels_worker: %s: shape: expected %s, got %s" % (key, want_shape, a.shape), file=sys.stderr)
        arrays[key] = np.ascontiguousarray(a)
    for key, a in arrays.items():
        tmp = os.path.join(ctx.out, "." + key + ".tmp.npy")
        np.save(tmp, a)
        os.replace(tmp, os.path.join(ctx.out, key + ".npy"))


def _train_one(train, ctx):
    mask = np.load(ctx.mask_path)
    save_outputs(train(mask, ctx.seed, ctx), ctx)


def _one_shot(train, env):
    ctx = Context(env["DATAMODELS_INDEX"], env["DATAMODELS_SEED"], env["DATAMODELS_ROOT_SEED"],
                  env["DATAMODELS_MASK"], env["DATAMODELS_OUT"], _keys(env), json.loads(env["DATAMODELS_SCHEMA"]),
                  env)
    _train_one(train, ctx)


def _keys(env):
    k = env.get("DATAMODELS_KEYS", "")
    return [s for s in k.split(",") if s]


def _worker(train, env):
    # Protocol lines go to a private copy of fd 1; fd 1 and sys.stdout then point at stderr, so prints of the user's
    # code (and of native libraries) land in the worker's log, not in the protocol.
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    schema = json.loads(env["DATAMODELS_SCHEMA"])
    for line in sys.stdin:
        if not line.strip():
            continue
        index = None
        try:
            req = json.loads(line)
            index = req.get("index")
            ctx = Context(req["index"], req["seed"], req["root_seed"], req["mask"], req["out"],
                          req.get("keys", _keys(env)), schema, env)
            _train_one(train, ctx)
            reply = {"index": index, "status": "done"}
        except Exception as e:  # the model fails, the worker lives on
            traceback.print_exc(file=sys.stderr)
            reply = {"index": index, "status": "error", "message": "%s: %s" % (type(e).__name__, e)}
        sys.stderr.flush()
        proto.write(json.dumps(reply) + "\n")
        proto.flush()


def run(train, argv=None, env=None):
    """Trains one model (one-shot) or serves requests until stdin ends (worker: ``--worker`` or DATAMODELS_WORKER=1)."""
    argv = sys.argv[1:] if argv is None else argv
    env = os.environ if env is None else env
    if "--worker" in argv or env.get("DATAMODELS_WORKER") == "1":
        _worker(train, env)
    else:
        _one_shot(train, env)


def load_idx(spec):
    """(images uint8 (n, h, w), labels int64 (n,)) of an ``idx:DIR[#split=train|test]`` spec, as datamodels reads it."""
    import gzip
    if not spec.startswith("idx:"):
        raise ValueError("load_idx: expected an idx:DIR spec, got '%s'" % spec)
    body, _, opts = spec[4:].partition("#")
    split = dict(o.split("=", 1) for o in opts.split(",") if "=" in o).get("split", "train")
    prefix = {"train": "train", "test": "t10k"}[split]

    def read(kind, ndim):
        for name in ("%s-%s-idx%d-ubyte" % (prefix, kind, ndim), "%s-%s.idx%d-ubyte" % (prefix, kind, ndim)):
            for ext, opener in (("", open), (".gz", gzip.open)):
                p = os.path.join(body, name + ext)
                if os.path.exists(p):
                    with opener(p, "rb") as f:
                        raw = f.read()
                    dims = [int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim)]
                    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
        raise FileNotFoundError("%s: no %s-%s-idx%d-ubyte[.gz]" % (body, prefix, kind, ndim))

    return read("images", 3), read("labels", 1).astype(np.int64)
