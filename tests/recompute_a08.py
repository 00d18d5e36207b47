"""Assignment 8's fixed numbers, recomputed at 40 digits from the definitions (never from the
notebook's code): one-hot rows by the character's place in the alphabet; the cell as
tanh(sum_d x_d Wx_dj + sum_k h_k Wh_kj + b_j); a padded step keeping the state it was given;
clipping as a scale of min(1, max_norm / norm) on the global norm."""
from __future__ import annotations

import mpmath as mp
import numpy as np

mp.mp.dps = 40


def _f(v):
    return mp.mpf(float(v))


def one_hot(p):
    steps = max(len(w) for w in p["words"])
    return np.array([[[1.0 if t < len(w) and w[t] == letter else 0.0 for letter in p["alphabet"]]
                      for t in range(steps)] for w in p["words"]])


def mask(p):
    steps = max(len(w) for w in p["words"])
    return np.array([[1.0 if t < len(w) else 0.0 for t in range(steps)] for w in p["words"]])


def _cell(x, h, Wx, Wh, b):
    """One step for one sample, in mpmath: x and h lists of mpf."""
    Wx, Wh = np.asarray(Wx, dtype=float), np.asarray(Wh, dtype=float)
    return [mp.tanh(mp.fsum(x[d] * _f(Wx[d, j]) for d in range(len(x)))
                    + mp.fsum(h[k] * _f(Wh[k, j]) for k in range(len(h))) + _f(b[j]))
            for j in range(Wh.shape[1])]


def step(p):
    return np.array([[float(v) for v in _cell([_f(v) for v in x], [_f(v) for v in h], p["Wx"], p["Wh"], p["b"])]
                     for x, h in zip(np.asarray(p["x"]), np.asarray(p["h_prev"]))])


def sequence(p):
    xs = np.asarray(p["xs"], dtype=float)
    keep = np.ones(xs.shape[:2]) if p["mask"] is None else np.asarray(p["mask"])
    out = []
    for n in range(xs.shape[0]):
        h, row = [_f(v) for v in np.asarray(p["h0"])[n]], []
        for t in range(xs.shape[1]):
            if keep[n, t]:
                h = _cell([_f(v) for v in xs[n, t]], h, p["Wx"], p["Wh"], p["b"])
            row.append([float(v) for v in h])
        out.append(row)
    return np.array(out)


def clipped(p):
    entries = [_f(v) for g in p["grads"] for v in np.ravel(g)]
    norm = mp.sqrt(mp.fsum(v * v for v in entries))
    scale = min(mp.mpf(1), _f(p["max_norm"]) / norm) if norm > 0 else mp.mpf(1)
    return np.array([float(v * scale) for v in entries] + [float(norm)])


RECOMPUTE = {
    "a08.encode_batch.one_hot": one_hot,
    "a08.encode_batch.mask": mask,
    "a08.rnn_step_forward.values": step,
    "a08.rnn_forward.values": sequence,
    "a08.rnn_forward.no_mask": sequence,
    "a08.clip_gradients.below": clipped,
    "a08.clip_gradients.above": clipped,
}
