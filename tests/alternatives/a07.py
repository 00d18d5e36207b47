"""Correct alternatives to the reference answers of assignment 7 (regularisation): the L2
penalty, dropout, batch norm and layer norm."""
from .catalogue import alternative

alternative("a07.l2_penalty", "vdot per array", r'''
def l2_penalty(weights, lam):
    return lam / 2 * sum(float(np.vdot(w, w)) for w in weights), [lam * w for w in weights]
''')
alternative("a07.l2_penalty", "squares of the flattened arrays", r'''
def l2_penalty(weights, lam):
    flat = np.concatenate([np.ravel(W) for W in weights]) if weights else np.zeros(0)
    return float(lam * np.sum(np.square(flat)) / 2.0), [W * lam for W in weights]
''')
alternative("a07.l2_penalty", "norm squared", r'''
def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.linalg.norm(W) ** 2 for W in weights), [lam * W for W in weights]
''')

alternative("a07.dropout_mask", "uniform below the keep probability", r'''
def dropout_mask(shape, p, rng):
    rng = np.random.default_rng(rng)
    return np.where(rng.uniform(size=shape) < 1.0 - p, 1.0, 0.0)
''')
alternative("a07.dropout_mask", "binomial draws", r'''
def dropout_mask(shape, p, rng):
    rng = np.random.default_rng(rng)
    return rng.binomial(1, 1.0 - p, size=shape).astype(float)
''')

alternative("a07.dropout_forward", "mask and p cached, copy in evaluation", r'''
def dropout_forward(x, p, train, mask):
    if train:
        return x * mask / (1.0 - p), (mask, p)
    return x.copy(), None

def dropout_backward(dout, cache):
    mask, p = cache
    return dout * mask / (1.0 - p)
''')
alternative("a07.dropout_backward", "mask and p cached", r'''
def dropout_forward(x, p, train, mask):
    if not train:
        return x, None
    return np.where(mask == 1.0, x / (1.0 - p), 0.0), {"mask": mask, "keep": 1.0 - p}

def dropout_backward(dout, cache):
    return np.where(cache["mask"] == 1.0, dout / cache["keep"], 0.0)
''')

# Batch norm: one forward with the cache the staged (computational-graph) backward reads.
_A07_BATCHNORM_STAGED = r'''
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.9, eps=1e-5):
    if train:
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).sum(axis=0) / x.shape[0]
        new = {"mean": momentum * running["mean"] + (1 - momentum) * mean,
               "var": momentum * running["var"] + (1 - momentum) * var}
    else:
        mean, var, new = running["mean"], running["var"], running
    scale = gamma / np.sqrt(var + eps)
    cache = {"running": new, "x": x, "mean": mean, "var": var, "gamma": gamma, "eps": eps}
    return x * scale + (beta - mean * scale), cache

def batchnorm_backward(dout, cache):
    x, mean, var, gamma, eps = cache["x"], cache["mean"], cache["var"], cache["gamma"], cache["eps"]
    n = x.shape[0]
    centred = x - mean
    std = np.sqrt(var + eps)
    x_hat = centred / std
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * centred, axis=0) * -0.5 * std ** -3
    dmean = -np.sum(dx_hat, axis=0) / std + dvar * -2.0 * np.mean(centred, axis=0)
    dx = dx_hat / std + dvar * 2.0 * centred / n + dmean / n
    return dx, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)
'''
alternative("a07.batchnorm_forward", "one scale and shift per column", _A07_BATCHNORM_STAGED)
alternative("a07.batchnorm_backward", "staged: dvar, dmean, dx", _A07_BATCHNORM_STAGED)
alternative("a07.batchnorm_forward", "variance as mean of squares minus squared mean", r'''
def batchnorm_forward(x, gamma, beta, running, train, momentum=0.9, eps=1e-5):
    if train:
        mean = np.sum(x, axis=0) / len(x)
        var = np.mean(x ** 2, axis=0) - mean ** 2
        new = {"mean": running["mean"] + (1 - momentum) * (mean - running["mean"]),
               "var": running["var"] + (1 - momentum) * (var - running["var"])}
    else:
        mean, var, new = running["mean"], running["var"], dict(running)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, {"running": new, "x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}
''')

alternative("a07.layernorm_forward", "transposed batch statistics", r'''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    xt = x.T
    mean = xt.mean(axis=0)
    var = ((xt - mean) ** 2).mean(axis=0)
    x_hat = ((xt - mean) / np.sqrt(var + eps)).T
    return gamma * x_hat + beta, {"x_hat": x_hat, "inv_std": (1.0 / np.sqrt(var + eps))[:, None], "gamma": gamma}
''')
alternative("a07.layernorm_forward", "centred rows, power -0.5", r'''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    c = x - x.mean(axis=1)[:, None]
    inv_std = (np.mean(c * c, axis=1)[:, None] + eps) ** -0.5
    return gamma * c * inv_std + beta, {"x_hat": c * inv_std, "inv_std": inv_std, "gamma": gamma}
''')
alternative("a07.layernorm_forward", "variance as mean of squares minus squared mean", r'''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = (x ** 2).mean(axis=1, keepdims=True) - mean ** 2
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return x_hat * gamma + beta, {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}
''')
alternative("a07.layernorm_backward", "staged: dvar, dmean, dx over each row", r'''
def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, (x, mean, var, gamma, eps)

def layernorm_backward(dout, cache):
    x, mean, var, gamma, eps = cache
    d = x.shape[1]
    centred = x - mean
    std = np.sqrt(var + eps)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * centred, axis=1, keepdims=True) * -0.5 / std ** 3
    dmean = -np.sum(dx_hat, axis=1, keepdims=True) / std + dvar * -2.0 * centred.mean(axis=1, keepdims=True)
    dx = dx_hat / std + dvar * 2.0 * centred / d + dmean / d
    return dx, np.sum(dout * centred / std, axis=0), np.sum(dout, axis=0)
''')
