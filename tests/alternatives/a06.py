"""Correct alternatives to the reference answers of assignment 6: one-hot labels, softmax and its
cross-entropy, mean squared error, the seven activations, the initialisers and least squares."""
from .catalogue import alternative

alternative("a06.one_hot", "rows of the identity", r'''
def one_hot(labels, k):
    return np.eye(k)[labels]
''')
alternative("a06.one_hot", "broadcast comparison", r'''
def one_hot(labels, k):
    return (np.asarray(labels)[:, None] == np.arange(k)[None, :]).astype(np.float64)
''')

alternative("a06.softmax", "log-sum-exp", r'''
def softmax(z):
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.exp(z - lse)
''')
alternative("a06.softmax", "times the reciprocal of the row sums", r'''
def softmax(z):
    e = np.exp(z - z.max(axis=1)[:, None])
    return e * (1.0 / e.sum(axis=1))[:, None]
''')

alternative("a06.softmax_ce", "log-sum-exp per row, probabilities cached", r'''
def softmax_ce_forward(scores, y):
    m = scores.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(scores - m).sum(axis=1))
    loss = np.mean(lse - np.sum(y * scores, axis=1))
    e = np.exp(scores - m)
    return float(loss), (e / e.sum(axis=1, keepdims=True), y)

def softmax_ce_backward(cache):
    p, y = cache
    return (1.0 / len(p)) * (p - y)
''')
alternative("a06.softmax_ce", "scores cached, softmax in the backward pass", r'''
def softmax_ce_forward(scores, y):
    shifted = scores - scores.max(axis=1)[:, None]
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1))[:, None]
    return float(-np.einsum("nk,nk->", y, log_probs) / len(scores)), (scores, y)

def softmax_ce_backward(cache):
    scores, y = cache
    return (softmax(scores) - y) / scores.shape[0]
''')

alternative("a06.mse", "prediction and target cached", r'''
def mse_forward(pred, y):
    return float(np.mean(np.sum((pred - y) ** 2, axis=1))), (pred, y)

def mse_backward(cache):
    pred, y = cache
    return (2.0 / len(pred)) * (pred - y)
''')
alternative("a06.mse", "einsum", r'''
def mse_forward(pred, y):
    d = pred - y
    return float(np.einsum("nk,nk->", d, d) / d.shape[0]), (pred, y)

def mse_backward(cache):
    pred, y = cache
    return 2.0 * np.subtract(pred, y) / pred.shape[0]
''')

alternative("a06.tanh", "from exp(-2|x|), x cached", r'''
def tanh_forward(x):
    e = np.exp(-2 * np.abs(x))
    return np.sign(x) * (1 - e) / (1 + e), x

def tanh_backward(dout, cache):
    x = cache
    e = np.exp(-np.abs(x))
    return dout * (2 * e / (1 + e * e)) ** 2
''')
alternative("a06.tanh", "np.tanh, (1 - out)(1 + out)", r'''
def tanh_forward(x):
    out = np.tanh(x)
    return out, {"out": out}

def tanh_backward(dout, cache):
    out = cache["out"]
    return dout * (1.0 - out) * (1.0 + out)
''')
alternative("a06.tanh", "2 sigmoid(2x) - 1", r'''
def tanh_forward(x):
    e = np.exp(-2.0 * np.abs(x))
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    out = 2.0 * s - 1.0
    return out, out

def tanh_backward(dout, cache):
    return dout * (1.0 - cache ** 2)
''')

alternative("a06.leaky_relu", "maximum(x, alpha x)", r'''
def leaky_relu_forward(x, alpha=0.01):
    return np.maximum(x, alpha * x), (x, alpha)

def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return dout * (alpha + (1.0 - alpha) * (x > 0))
''')

alternative("a06.prelu", "split into positive and negative parts", r'''
def prelu_forward(x, alpha):
    return np.maximum(x, 0) + alpha * np.minimum(x, 0), (x, alpha)

def prelu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, dout * alpha), np.einsum("ij,ij->j", dout, np.minimum(x, 0.0))
''')

alternative("a06.elu", "exp(x) - 1 inside np.where (the unused branch overflows harmlessly)", r'''
def elu_forward(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * (np.exp(x) - 1))
    return out, (x, out, alpha)
''')
alternative("a06.elu", "exp - 1 on the clipped input, x cached", r'''
def elu_forward(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1)), (x, alpha)

def elu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
''')
alternative("a06.elu", "expm1, slope recomputed", r'''
def elu_forward(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))), (x, alpha)

def elu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha * np.expm1(np.minimum(x, 0)) + alpha)
''')

alternative("a06.selu", "float constants, x cached", r'''
def selu_forward(x):
    a, l = 1.6732632423543772, 1.0507009873554805
    return np.where(x > 0, l * x, l * a * (np.exp(np.minimum(x, 0)) - 1)), x

def selu_backward(dout, cache):
    a, l = 1.6732632423543772, 1.0507009873554805
    x = cache
    return dout * np.where(x > 0, l, l * a * np.exp(np.minimum(x, 0)))
''')
alternative("a06.selu", "scaled ELU", r'''
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

def selu_forward(x):
    out, cache = elu_forward(x, SELU_ALPHA)
    return SELU_SCALE * out, cache

def selu_backward(dout, cache):
    return elu_backward(SELU_SCALE * dout, cache)
''')

alternative("a06.softplus", "max(x, 0) + log1p(exp(-|x|))", r'''
def softplus_forward(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))), x

def softplus_backward(dout, cache):
    x = cache
    e = np.exp(-np.abs(x))
    return dout * np.where(x >= 0, 1 / (1 + e), e / (1 + e))
''')
alternative("a06.softplus", "backward as dout / (1 + exp(-x)), overflowing to 0 harmlessly", r'''
def softplus_backward(dout, cache):
    return dout / (1.0 + np.exp(-cache))
''')
alternative("a06.softplus", "sigmoid through logaddexp", r'''
def softplus_forward(x):
    return np.logaddexp(0.0, x), x

def softplus_backward(dout, cache):
    return dout * np.exp(-np.logaddexp(0.0, -cache))
''')

alternative("a06.hard_sigmoid", "min/max, output cached", r'''
def hard_sigmoid_forward(x):
    out = np.minimum(1.0, np.maximum(0.0, x / 5 + 0.5))
    return out, out

def hard_sigmoid_backward(dout, cache):
    out = cache
    return dout / 5 * ((out > 0) & (out < 1))
''')
alternative("a06.hard_sigmoid", "boolean mask of the sloped part", r'''
def hard_sigmoid_forward(x):
    return np.clip(0.5 + 0.2 * x, 0, 1), (x > -2.5) & (x < 2.5)

def hard_sigmoid_backward(dout, cache):
    return 0.2 * dout * cache
''')

alternative("a06.init_basic", "np.full and scaled standard draws", r'''
def init_zeros(shape, rng):
    return np.full(shape, 0.0)

def init_ones(shape, rng):
    return np.full(shape, 1.0)

def init_normal(shape, rng):
    return INIT_STD * rng.standard_normal(shape)

def init_uniform(shape, rng):
    return INIT_LIMIT * (2.0 * rng.random(shape) - 1.0)
''')

alternative("a06.init_truncated_normal", "draw in rounds, keep the accepted", r'''
def init_truncated_normal(shape, rng):
    needed = int(np.prod(shape))
    kept = np.empty(0)
    while kept.size < needed:
        draws = rng.normal(0.0, INIT_STD, size=needed)
        kept = np.concatenate([kept, draws[np.abs(draws) <= 2 * INIT_STD]])
    return kept[:needed].reshape(shape)
''')

alternative("a06.init_orthogonal", "polar factor from the SVD", r'''
def init_orthogonal(shape, rng):
    u, _, vt = np.linalg.svd(rng.standard_normal(shape), full_matrices=False)
    return u @ vt
''')
alternative("a06.init_orthogonal", "QR of the transpose for wide shapes", r'''
def init_orthogonal(shape, rng):
    rows, cols = shape
    wide = rows < cols
    a = rng.normal(size=(cols, rows) if wide else (rows, cols))
    q, r = np.linalg.qr(a)
    q = q @ np.diag(np.where(np.diag(r) < 0, -1.0, 1.0))
    return q.T if wide else q
''')

alternative("a06.init_variance_scaling", "if chains, scaled standard draws", r'''
def init_variance_scaling(shape, rng, scale, mode, distribution):
    fan_in, fan_out = shape
    if mode == "fan_in":
        n = fan_in
    elif mode == "fan_out":
        n = fan_out
    elif mode == "fan_avg":
        n = 0.5 * (fan_in + fan_out)
    else:
        raise ValueError("bad mode " + str(mode))
    if distribution == "normal":
        return np.sqrt(scale / n) * rng.standard_normal(shape)
    elif distribution == "uniform":
        limit = np.sqrt(3.0 * scale / n)
        return limit * (2.0 * rng.random(shape) - 1.0)
    raise ValueError("bad distribution " + str(distribution))
''')

alternative("a06.least_squares", "centred data", r'''
def least_squares(X, y):
    x_mean, y_mean = X.mean(axis=0), y.mean()
    w = np.linalg.lstsq(X - x_mean, y - y_mean, rcond=None)[0]
    return w, float(y_mean - x_mean @ w)
''')
alternative("a06.least_squares", "normal equations with the ones column first", r'''
def least_squares(X, y):
    A = np.hstack([np.ones((X.shape[0], 1)), X])
    beta = np.linalg.solve(A.T @ A, A.T @ y)
    return beta[1:], float(beta[0])
''')
alternative("a06.least_squares", "pseudo-inverse", r'''
def least_squares(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    beta = np.linalg.pinv(A) @ y
    return beta[:-1], float(beta[-1])
''')
