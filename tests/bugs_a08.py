"""Planted bugs for assignment 8: (task, buggy definition replacing the reference one, words the
failure must contain). ``_reference_<name>`` is the reference version of every function."""

BUGS = [
    # One-hot: the padding put before each word (right-aligned); the mask of ones everywhere; the
    # index off by one (alphabet positions counted from 1).
    ("a08.encode_batch", "def encode_batch(words, alphabet):\n"
     "    steps = max(len(w) for w in words)\n"
     "    xs, mask = np.zeros((len(words), steps, len(alphabet))), np.zeros((len(words), steps))\n"
     "    for n, w in enumerate(words):\n"
     "        for t, ch in enumerate(w):\n"
     "            xs[n, steps - len(w) + t, alphabet.index(ch)] = 1.0\n"
     "        mask[n, steps - len(w):] = 1.0\n"
     "    return xs, mask",
     ["encode_batch", "padding put before each sequence"]),
    ("a08.encode_batch", "def encode_batch(words, alphabet):\n"
     "    xs, mask = _reference_encode_batch(words, alphabet)\n"
     "    return xs, np.ones_like(mask)",
     ["encode_batch", "mask (1.0 at each of a word's characters"]),
    ("a08.encode_batch", "def encode_batch(words, alphabet):\n"
     "    xs, mask = _reference_encode_batch(words, alphabet)\n"
     "    return np.roll(xs, 1, axis=2) * mask[:, :, None], mask",
     ["encode_batch", "one-hot vector of word n's character t"]),
    # The cell: the state multiplied by Wh transposed; the bias left out; no tanh.
    ("a08.rnn_step_forward", "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
     "    h = np.tanh(x @ Wx + h_prev @ Wh.T + b)\n"
     "    return h, (x, h_prev, Wx, Wh, h)",
     ["rnn_step_forward", "multiplied by Wh.T"]),
    ("a08.rnn_step_forward", "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
     "    h = np.tanh(x @ Wx + h_prev @ Wh)\n"
     "    return h, (x, h_prev, Wx, Wh, h)",
     ["rnn_step_forward", "the bias is not added"]),
    ("a08.rnn_step_forward", "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
     "    z = x @ Wx + h_prev @ Wh + b\n"
     "    return z, (x, h_prev, Wx, Wh, np.tanh(z))",
     ["rnn_step_forward", "the sum before tanh"]),
    # Backward through a step: tanh's derivative as 1 - h; Wh not transposed for dh_prev; dWh from x.
    ("a08.rnn_step_backward", "def rnn_step_backward(dh, cache):\n"
     "    x, h_prev, Wx, Wh, h = cache\n"
     "    dz = dh * (1.0 - h)\n"
     "    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)",
     ["rnn_step_backward", "gradient check failed"]),
    ("a08.rnn_step_backward", "def rnn_step_backward(dh, cache):\n"
     "    x, h_prev, Wx, Wh, h = cache\n"
     "    dz = dh * (1.0 - h * h)\n"
     "    return dz @ Wx.T, dz @ Wh, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)",
     ["rnn_step_backward", "`h_prev`", "gradient check failed"]),
    ("a08.rnn_step_backward", "def rnn_step_backward(dh, cache):\n"
     "    dx, dh_prev, dWx, dWh, db = _reference_rnn_step_backward(dh, cache)\n"
     "    return dx, dh_prev, dWx, dWh, db / dh.shape[0]",
     ["rnn_step_backward", "`b`", "gradient check failed"]),
    # Through time: the mask ignored; padded states set to 0; every step started from h0.
    ("a08.rnn_forward", "def rnn_forward(xs, h0, Wx, Wh, b, mask=None):\n"
     "    return _reference_rnn_forward(xs, h0, Wx, Wh, b, None)",
     ["rnn_forward", "padding taken for real steps"]),
    ("a08.rnn_forward", "def rnn_forward(xs, h0, Wx, Wh, b, mask=None):\n"
     "    hs, cache = _reference_rnn_forward(xs, h0, Wx, Wh, b, mask)\n"
     "    if mask is not None:\n"
     "        hs = hs * mask[:, :, None]\n"
     "    return hs, cache",
     ["rnn_forward", "states set to 0 at padded steps"]),
    ("a08.rnn_forward", "def rnn_forward(xs, h0, Wx, Wh, b, mask=None):\n"
     "    if mask is None:\n"
     "        mask = np.ones(xs.shape[:2])\n"
     "    hs, caches = np.zeros((xs.shape[0], xs.shape[1], h0.shape[1])), []\n"
     "    h = h0\n"
     "    for t in range(xs.shape[1]):\n"
     "        h_new, cache = rnn_step_forward(xs[:, t], h0, Wx, Wh, b)\n"
     "        h = mask[:, t:t + 1] * h_new + (1 - mask[:, t:t + 1]) * h\n"
     "        hs[:, t] = h\n"
     "        caches.append(cache)\n"
     "    return hs, (caches, mask)",
     ["rnn_forward", "every step started from h0"]),
    # Backward through time: dhs[:, t] replacing the carried gradient instead of adding to it;
    # padded steps still sending gradient into the cell; the weight gradients of the last step only.
    ("a08.rnn_backward", "def rnn_backward(dhs, cache):\n"
     "    caches, mask = cache\n"
     "    n, steps, hidden = dhs.shape\n"
     "    Wx, Wh = caches[0][2], caches[0][3]\n"
     "    dxs, dWx, dWh, db = np.zeros((n, steps, Wx.shape[0])), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(hidden)\n"
     "    dh = np.zeros((n, hidden))\n"
     "    for t in reversed(range(steps)):\n"
     "        dh = dhs[:, t]\n"
     "        keep = mask[:, t:t + 1]\n"
     "        dx, dh_prev, a, c, d = rnn_step_backward(keep * dh, caches[t])\n"
     "        dxs[:, t] = dx\n"
     "        dWx, dWh, db = dWx + a, dWh + c, db + d\n"
     "        dh = dh_prev + (1 - keep) * dh\n"
     "    return dxs, dh, dWx, dWh, db",
     ["rnn_backward", "gradient check failed"]),
    ("a08.rnn_backward", "def rnn_backward(dhs, cache):\n"
     "    caches, mask = cache\n"
     "    return _reference_rnn_backward(dhs, (caches, np.ones_like(mask)))",
     ["rnn_backward", "gradient check failed"]),
    ("a08.rnn_backward", "def rnn_backward(dhs, cache):\n"
     "    caches, mask = cache\n"
     "    n, steps, hidden = dhs.shape\n"
     "    Wx, Wh = caches[0][2], caches[0][3]\n"
     "    dxs = np.zeros((n, steps, Wx.shape[0]))\n"
     "    dh = np.zeros((n, hidden))\n"
     "    for t in reversed(range(steps)):\n"
     "        dh = dh + dhs[:, t]\n"
     "        keep = mask[:, t:t + 1]\n"
     "        dx, dh_prev, dWx, dWh, db = rnn_step_backward(keep * dh, caches[t])\n"
     "        dxs[:, t] = dx\n"
     "        dh = dh_prev + (1 - keep) * dh\n"
     "    return dxs, dh, dWx, dWh, db",
     ["rnn_backward", "`Wx`", "gradient check failed"]),
    # Clipping: each array clipped on its own; always scaled to max_norm; Python's float division by a
    # norm of 0 (numpy's gives inf, and then min(1, inf) = 1: right; Python's raises).
    ("a08.clip_gradients", "def clip_gradients(grads, max_norm):\n"
     "    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))\n"
     "    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], norm",
     ["clip_gradients", "each array clipped on its own"]),
    ("a08.clip_gradients", "def clip_gradients(grads, max_norm):\n"
     "    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))\n"
     "    return [g * max_norm / max(norm, 1e-12) for g in grads], norm",
     ["clip_gradients", "even below it"]),
    ("a08.clip_gradients", "def clip_gradients(grads, max_norm):\n"
     "    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))\n"
     "    return [g * min(1.0, max_norm / norm) for g in grads], norm",
     ["clip_gradients", "ZeroDivisionError"]),
]
