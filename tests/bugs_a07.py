"""Planted bugs for assignment 7: (task, buggy definition replacing the reference one, words the
failure must contain). ``_reference_<name>`` is the reference version of every function."""

BUGS = [
    # L2: the 1/2 forgotten in the loss; the gradient of lam * W**2 with the 1/2 still in the loss.
    ("a07.l2_penalty", "def l2_penalty(weights, lam):\n"
     "    return lam * sum(float(np.sum(W ** 2)) for W in weights), [lam * W for W in weights]",
     ["l2_penalty", "expected 0.7625"]),
    ("a07.l2_penalty", "def l2_penalty(weights, lam):\n"
     "    return 0.5 * lam * sum(float(np.sum(W ** 2)) for W in weights), [2 * lam * W for W in weights]",
     ["l2_penalty", "weights[0]", "gradient check failed"]),
    # The mask: p taken as the keep probability; np.random's global state instead of rng.
    ("a07.dropout_mask", "def dropout_mask(shape, p, rng):\n"
     "    rng = np.random.default_rng(rng)\n    return (rng.random(shape) < p).astype(float)",
     ["dropout_mask", "about 70%", "probability of dropping"]),
    ("a07.dropout_mask", "def dropout_mask(shape, p, rng):\n"
     "    return (np.random.random(shape) >= p).astype(float)",
     ["dropout_mask", "same seed"]),
    # Forward: plain (not inverted) dropout; the old-style scaling by 1 - p in evaluation.
    ("a07.dropout_forward", "def dropout_forward(x, p, train, mask):\n"
     "    return (x * mask, mask) if train else (x, None)",
     ["dropout_forward", "x / (1 - p)"]),
    ("a07.dropout_forward", "def dropout_forward(x, p, train, mask):\n"
     "    if train:\n        return _reference_dropout_forward(x, p, train, mask)\n"
     "    return x * (1 - p), None",
     ["dropout_forward", "evaluation mode"]),
    # Backward: the mask without its 1 / (1 - p).
    ("a07.dropout_backward", "def dropout_backward(dout, cache):\n    return dout * (cache > 0)",
     ["dropout_backward", "`x`", "gradient check failed"]),
    # Batch norm forward: the unbiased variance; momentum the wrong way round; batch statistics in
    # evaluation; running statistics updated in evaluation.
    ("a07.batchnorm_forward", "def batchnorm_forward(x, gamma, beta, running, train, momentum=0.9, eps=1e-5):\n"
     "    if not train:\n        return _reference_batchnorm_forward(x, gamma, beta, running, train, momentum, eps)\n"
     "    mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)\n"
     "    x_hat = (x - mean) / np.sqrt(var + eps)\n"
     "    new = {'mean': momentum * running['mean'] + (1 - momentum) * mean,\n"
     "           'var': momentum * running['var'] + (1 - momentum) * var}\n"
     "    return gamma * x_hat + beta, {'x_hat': x_hat, 'running': new}",
     ["batchnorm_forward", "training mode"]),
    ("a07.batchnorm_forward", "def batchnorm_forward(x, gamma, beta, running, train, momentum=0.9, eps=1e-5):\n"
     "    return _reference_batchnorm_forward(x, gamma, beta, running, train, 1 - momentum, eps)",
     ["batchnorm_forward", "cache[\"running\"][\"mean\"]", "momentum * running mean"]),
    ("a07.batchnorm_forward", "def batchnorm_forward(x, gamma, beta, running, train, momentum=0.9, eps=1e-5):\n"
     "    out, cache = _reference_batchnorm_forward(x, gamma, beta, running, True, momentum, eps)\n"
     "    return out, (cache if train else {'running': running})",
     ["batchnorm_forward", "evaluation mode"]),
    ("a07.batchnorm_forward", "def batchnorm_forward(x, gamma, beta, running, train, momentum=0.9, eps=1e-5):\n"
     "    out, cache = _reference_batchnorm_forward(x, gamma, beta, running, train, momentum, eps)\n"
     "    if not train:\n"
     "        cache = dict(cache, running=_reference_batchnorm_forward(x, gamma, beta, running, True,\n"
     "                                                                 momentum, eps)[1]['running'])\n"
     "    return out, cache",
     ["batchnorm_forward", "unchanged"]),
    # Batch norm backward: the batch mean and variance treated as constants.
    ("a07.batchnorm_backward", "def batchnorm_backward(dout, cache):\n"
     "    dx, dgamma, dbeta = _reference_batchnorm_backward(dout, cache)\n"
     "    return dout * cache['gamma'] * cache['inv_std'], dgamma, dbeta",
     ["batchnorm_backward", "`x`", "gradient check failed"]),
    ("a07.batchnorm_backward", "def batchnorm_backward(dout, cache):\n"
     "    dx, dgamma, dbeta = _reference_batchnorm_backward(dout, cache)\n"
     "    return dx, dout.sum(axis=0), dgamma",
     ["batchnorm_backward", "`gamma`"]),
    # Layer norm forward: normalised over the batch (batch norm's axis); eps outside the square root.
    ("a07.layernorm_forward", "def layernorm_forward(x, gamma, beta, eps=1e-5):\n"
     "    mean = x.mean(axis=1, keepdims=True)\n"
     "    inv_std = 1.0 / np.sqrt(x.var(axis=1, keepdims=True) + 1e-8)\n"
     "    x_hat = (x - mean) * inv_std\n"
     "    return gamma * x_hat + beta, {'x_hat': x_hat, 'inv_std': inv_std, 'gamma': gamma}",
     ["layernorm_forward", "eps"]),                                                # eps written in
    ("a07.layernorm_forward", "def layernorm_forward(x, gamma, beta, eps=1e-5):\n"
     "    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)\n"
     "    return gamma * x_hat + beta, x_hat",
     ["layernorm_forward", "each row normalised"]),
    ("a07.layernorm_forward", "def layernorm_forward(x, gamma, beta, eps=1e-5):\n"
     "    out, cache = _reference_layernorm_forward(x, gamma, beta, 0.0)\n"
     "    return out, cache",
     ["layernorm_forward"]),
    # Layer norm backward: the mean term left out.
    ("a07.layernorm_backward", "def layernorm_backward(dout, cache):\n"
     "    x_hat, inv_std, gamma = cache['x_hat'], cache['inv_std'], cache['gamma']\n"
     "    g = dout * gamma\n"
     "    dx = inv_std * (g - x_hat * (g * x_hat).mean(axis=1, keepdims=True))\n"
     "    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)",
     ["layernorm_backward", "`x`", "gradient check failed"]),
]
