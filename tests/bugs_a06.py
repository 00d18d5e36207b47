"""Planted bugs for assignment 6: (task, buggy definition replacing the reference one, words the
failure must contain). ``_reference_<name>`` is the reference version of every function."""

BUGS = [
    # one-hot: the width taken from the labels instead of k
    ("a06.one_hot", "def one_hot(labels, k):\n    return np.eye(labels.max() + 1)[labels]", ["one_hot", "shape"]),
    # softmax: the whole array's maximum, then no shift at all
    ("a06.softmax", "def softmax(z):\n    e = np.exp(z - np.max(z))\n    return e / e.sum(axis=1, keepdims=True)",
     ["softmax"]),
    ("a06.softmax", "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)",
     ["softmax", "warning"]),
    # softmax + cross-entropy: log of the softmax, a sum instead of a mean, a gradient without 1/N
    ("a06.softmax_ce", "def softmax_ce_forward(scores, y):\n    p = softmax(scores)\n"
     "    return float(-np.sum(y * np.log(p)) / len(p)), (p, y)", ["softmax_ce_forward", "warning"]),
    ("a06.softmax_ce", "def softmax_ce_forward(scores, y):\n    loss, cache = _reference_softmax_ce_forward(scores, y)\n"
     "    return loss * len(scores), cache", ["softmax_ce_forward", "loss"]),
    ("a06.softmax_ce", "def softmax_ce_backward(cache):\n    probs, y = cache\n    return probs - y",
     ["softmax_ce_backward", "gradient"]),
    # mean squared error: the mean over every entry (Keras's convention), a gradient without the 2
    ("a06.mse", "def mse_forward(pred, y):\n    diff = pred - y\n    return float(np.mean(diff ** 2)), diff",
     ["mse_forward", "loss"]),
    ("a06.mse", "def mse_backward(cache):\n    return cache / len(cache)", ["mse_backward"]),
    # ... and a backward averaged over every entry, its 2 in place: named as such, never "a factor 2"
    ("a06.mse", "def mse_backward(cache):\n    return 2 * cache / cache.size", ["mse_backward"]),
    # activations
    ("a06.tanh", "def tanh_backward(dout, cache):\n    return dout * (1.0 - np.tanh(cache) ** 2)",
     ["tanh_backward", "dx"]),
    ("a06.leaky_relu", "def leaky_relu_backward(dout, cache):\n    x, alpha = cache\n"
     "    return dout * (x > 0)", ["leaky_relu_backward", "dx"]),
    ("a06.prelu", "def prelu_backward(dout, cache):\n    x, alpha = cache\n"
     "    return dout * np.where(x > 0, 1.0, alpha), np.where(x > 0, 0.0, dout * x)",
     ["prelu_backward", "dalpha"]),
    ("a06.prelu", "def prelu_backward(dout, cache):\n    x, alpha = cache\n"
     "    return dout * np.where(x > 0, 1.0, alpha), np.sum(np.where(x > 0, 0.0, dout), axis=0)",
     ["prelu_backward", "dalpha"]),
    ("a06.elu", "def elu_backward(dout, cache):\n    x, out, alpha = cache\n"
     "    return dout * np.where(x > 0, 1.0, out)", ["elu_backward"]),
    ("a06.selu", "def selu_forward(x):\n    out = 1.0507 * np.where(x > 0, x, 1.6733 * np.expm1(np.minimum(x, 0.0)))\n"
     "    return out, (x, out)", ["selu_forward", "out"]),
    ("a06.softplus", "def softplus_forward(x):\n    return np.log(1.0 + np.exp(x)), x", ["softplus_forward", "warning"]),
    ("a06.hard_sigmoid", "def hard_sigmoid_backward(dout, cache):\n    return 0.2 * dout", ["hard_sigmoid_backward"]),
    # initialisers
    ("a06.init_basic", "def init_normal(shape, rng):\n    return np.random.normal(0.0, INIT_STD, size=shape)",
     ["init_normal", "seed"]),
    ("a06.init_basic", "def init_uniform(shape, rng):\n    return rng.uniform(0.0, INIT_LIMIT, size=shape)",
     ["init_uniform", "mean"]),
    ("a06.init_basic", "def init_ones(shape, rng):\n    return np.ones(shape, dtype=int)", ["init_ones", "dtype"]),
    ("a06.init_truncated_normal", "def init_truncated_normal(shape, rng):\n"
     "    return np.clip(rng.normal(0.0, INIT_STD, size=shape), -2 * INIT_STD, 2 * INIT_STD)",
     ["init_truncated_normal", "variance"]),
    ("a06.init_orthogonal", "def init_orthogonal(shape, rng):\n    rows, cols = shape\n"
     "    q, r = np.linalg.qr(rng.normal(size=(max(rows, cols), min(rows, cols))))\n"
     "    return q if rows >= cols else q.T", ["init_orthogonal", "trace"]),
    ("a06.init_orthogonal", "def init_orthogonal(shape, rng):\n"
     "    return _reference_init_orthogonal((max(shape), min(shape)), rng)", ["init_orthogonal", "shape"]),
    ("a06.init_variance_scaling", "def init_variance_scaling(shape, rng, scale, mode, distribution):\n"
     "    if mode == 'fan_in':\n        mode = 'fan_out'\n"
     "    return _reference_init_variance_scaling(shape, rng, scale, mode, distribution)",
     ["init_lecun_normal", "variance", "fan_in"]),
    ("a06.init_variance_scaling", "def init_variance_scaling(shape, rng, scale, mode, distribution):\n"
     "    if distribution == 'uniform':\n        return rng.uniform(-1.0, 1.0, size=shape) * np.sqrt(scale / shape[0])\n"
     "    return _reference_init_variance_scaling(shape, rng, scale, mode, distribution)",
     ["init_lecun_uniform", "bound"]),
    ("a06.init_variance_scaling", "def init_variance_scaling(shape, rng, scale, mode, distribution):\n"
     "    if mode == 'fan_avg':\n        return rng.normal(0.0, np.sqrt(scale / sum(shape)), size=shape)\n"
     "    return _reference_init_variance_scaling(shape, rng, scale, mode, distribution)",
     ["init_glorot_normal", "variance"]),
    # least squares without the column of ones
    ("a06.least_squares", "def least_squares(X, y):\n    return np.linalg.lstsq(X, y, rcond=None)[0], 0.0",
     ["least_squares", "intercept"]),
]
