"""Correct answers that change an input in place.

Textbook idioms that write into an array the function was given. Every check calls a function on
private copies of its inputs, and the a03 layer contract lets a backward overwrite `dout` and what
its forward made for the cache, and an output layer's forward reuse its scores: these must pass
(a rule against changing an input is enforced only where the notebook states it:
autograder.kept_inputs). Before that, every one of them failed as "changed its input in place".
"""
from .catalogue import alternative

alternative("a04.relu_backward", "in place: dx = dout; dx[x <= 0] = 0 (CS231n)", r'''
def relu_backward(dout, cache):
    dx, x = dout, cache
    dx[x <= 0] = 0
    return dx
''')
alternative("a04.relu_backward", "in place: the 0/1 mask written into the cached x", r'''
def relu_backward(dout, cache):
    mask = cache
    mask[mask > 0] = 1.0
    mask[mask <= 0] = 0.0
    return dout * mask
''')
alternative("a03.sigmoid_backward", "in place: dout *= out (1 - out)", r'''
def sigmoid_backward(dout, cache):
    dout *= cache * (1 - cache)
    return dout
''')
alternative("a06.softmax_ce", "in place: logits = scores; logits -= max, probabilities cached and reused (CS231n)", r'''
def softmax_ce_forward(scores, y):
    logits = scores
    logits -= logits.max(axis=1, keepdims=True)
    logits -= np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    loss = -np.sum(y * logits) / logits.shape[0]
    return float(loss), (np.exp(logits), y)

def softmax_ce_backward(cache):
    dx, y = cache
    dx -= y
    dx /= dx.shape[0]
    return dx
''')
alternative("a06.mse", "in place: the cached difference scaled into the gradient", r'''
def mse_backward(cache):
    diff = cache
    diff *= 2.0 / diff.shape[0]
    return diff
''')
alternative("a06.tanh", "in place: dout *= 1 - out^2", r'''
def tanh_backward(dout, cache):
    dout *= 1.0 - cache ** 2
    return dout
''')
alternative("a06.leaky_relu", "in place: dx = dout; dx[x <= 0] *= alpha", r'''
def leaky_relu_backward(dout, cache):
    x, alpha = cache
    dx = dout
    dx[x <= 0] *= alpha
    return dx
''')
alternative("a06.elu", "in place: dout[x <= 0] *= out + alpha", r'''
def elu_backward(dout, cache):
    x, out, alpha = cache
    negative = x <= 0
    dout[negative] *= out[negative] + alpha
    return dout
''')
alternative("a07.dropout_backward", "in place: dout *= mask", r'''
def dropout_backward(dout, cache):
    dout *= cache
    return dout
''')
alternative("a07.batchnorm_backward", "in place: dout turned into dx step by step", r'''
def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dout *= gamma
    mean, projection = dout.mean(axis=0), (dout * x_hat).mean(axis=0)
    dout -= mean
    dout -= x_hat * projection
    dout *= inv_std
    return dout, dgamma, dbeta
''')
alternative("a08.rnn_step_backward", "in place: dz = dh; dz *= 1 - h^2", r'''
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    dz = dh
    dz *= 1.0 - h ** 2
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)
''')
alternative("a08.rnn_backward", "in place: the carried gradient added into dhs[:, t]", r'''
def rnn_backward(dhs, cache):
    caches, mask = cache
    _, _, Wx, Wh, _ = caches[0]
    n, steps, hidden = dhs.shape
    dxs = np.zeros((n, steps, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(hidden)
    carried = np.zeros((n, hidden))
    for t in reversed(range(steps)):
        dh = dhs[:, t]  # a view: the sums go into dhs itself
        dh += carried
        keep = mask[:, t:t + 1]
        skipped = (1.0 - keep) * dh
        dh *= keep
        dxs[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
        carried = dh_prev + skipped
    return dxs, carried, dWx, dWh, db
''')
