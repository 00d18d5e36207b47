"""Correct alternatives to the reference answers of assignment 3 (matrix backpropagation): the
affine and sigmoid layers, the sigmoid cross-entropy output and ``backprop_one_hidden``'s gradients."""
from .catalogue import alternative

alternative("a03.affine_forward", "einsum", r'''
def affine_forward(x, W, b):
    return np.einsum("nd,dm->nm", x, W) + b, (x, W)
''')
alternative("a03.affine_forward", "loops", r'''
def affine_forward(x, W, b):
    out = np.zeros((x.shape[0], W.shape[1]))
    for n in range(x.shape[0]):
        for m in range(W.shape[1]):
            out[n, m] = b[m] + sum(x[n, d] * W[d, m] for d in range(W.shape[0]))
    return out, (x, W)
''')

alternative("a03.affine_backward", "einsum and a row of ones", r'''
def affine_backward(dout, cache):
    x, W = cache
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = np.einsum("nd,nm->dm", x, dout)
    db = np.ones(dout.shape[0]) @ dout
    return dx, dW, db
''')
alternative("a03.affine_backward", "np.dot and transposes", r'''
def affine_backward(dout, cache):
    x, W = cache
    return np.dot(dout, np.transpose(W)), np.dot(np.transpose(x), dout), np.sum(dout, axis=0)
''')

alternative("a03.sigmoid_forward", "textbook 1 / (1 + exp(-x)), overflowing harmlessly", r'''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    return out, out
''')
alternative("a03.sigmoid_forward", "exp(-|x|) and np.where", r'''
def sigmoid_forward(x):
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out
''')
alternative("a03.sigmoid_forward", "logaddexp", r'''
def sigmoid_forward(x):
    out = np.exp(-np.logaddexp(0.0, -x))
    return out, out
''')

alternative("a03.sigmoid_backward", "dout (out - out^2)", r'''
def sigmoid_backward(dout, cache):
    return dout * (cache - cache ** 2)
''')

alternative("a03.sigmoid_ce_forward", "logaddexp", r'''
def sigmoid_ce_forward(scores, y):
    loss = float(np.mean(np.logaddexp(0.0, scores) - y * scores))
    return loss, (sigmoid_forward(scores)[0], y)
''')
alternative("a03.sigmoid_ce_forward", "log-sigmoid of both classes", r'''
def sigmoid_ce_forward(scores, y):
    def log_sigmoid(s):
        return -np.logaddexp(0.0, -s)
    loss = float(np.mean(-y * log_sigmoid(scores) - (1 - y) * log_sigmoid(-scores)))
    return loss, (sigmoid_forward(scores)[0], y)
''')

alternative("a03.sigmoid_ce_backward", "difference times 1/N", r'''
def sigmoid_ce_backward(cache):
    o, y = cache
    return np.subtract(o, y) * (1.0 / o.shape[0])
''')

# backprop_one_hidden written out in matrices, without the layer functions; one source, six tasks.
_A03_BACKPROP = r'''
def backprop_one_hidden(X, y, W1, W2):
    n = X.shape[0]
    XE = np.hstack([np.ones((n, 1)), X])
    h1 = 0.5 * (1.0 + np.tanh(0.5 * (XE @ W1)))
    h1E = np.hstack([np.ones((n, 1)), h1])
    o = 0.5 * (1.0 + np.tanh(0.5 * (h1E @ W2)))
    grad_o = (-(y / o) + (1.0 - y) / (1.0 - o)) / n
    grad_l2 = (o - y) / n
    grad_W2 = h1E.T @ grad_l2
    grad_h1 = grad_l2 @ W2[1:].T
    grad_l1 = grad_h1 * h1 * (1.0 - h1)
    grad_W1 = XE.T @ grad_l1
    return dict(grad_o=grad_o, grad_l2=grad_l2, grad_W2=grad_W2, grad_h1=grad_h1, grad_l1=grad_l1,
                grad_W1=grad_W1)
'''
for _name in ("grad_o", "grad_l2", "grad_W2", "grad_h1", "grad_l1", "grad_W1"):
    alternative(f"a03.{_name}", "explicit matrices, bias rows", _A03_BACKPROP)
alternative("a03.grad_l2", "grad_o times the sigmoid's slope", r'''
def backprop_one_hidden(X, y, W1, W2):
    l1, affine1 = affine_forward(X, W1[1:], W1[0])
    h1, sigmoid1 = sigmoid_forward(l1)
    l2, affine2 = affine_forward(h1, W2[1:], W2[0])
    o, sigmoid2 = sigmoid_forward(l2)
    grad_o = (o - y) / (o * (1.0 - o)) / len(X)
    grad_l2 = sigmoid_backward(grad_o, sigmoid2)
    grad_h1, dW2, db2 = affine_backward(grad_l2, affine2)
    grad_l1 = sigmoid_backward(grad_h1, sigmoid1)
    _, dW1, db1 = affine_backward(grad_l1, affine1)
    return {"grad_o": grad_o, "grad_l2": grad_l2, "grad_W2": np.vstack([db2, dW2]),
            "grad_h1": grad_h1, "grad_l1": grad_l1, "grad_W1": np.vstack([db1, dW1])}
''')

alternative("a03.parameter_count", "the lesson's matrices with their bias row, (n_in + 1) x n_out", r'''
def parameter_count(sizes):
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))
''')
alternative("a03.parameter_count", "numpy arrays, a numpy integer returned", r'''
def parameter_count(sizes):
    widths = np.array(sizes)
    return (widths[:-1] * widths[1:] + widths[1:]).sum()
''')
alternative("a03.parameter_count", "the sizes of arrays shaped like W and b", r'''
def parameter_count(sizes):
    total = 0
    for k in range(1, len(sizes)):
        total += np.empty((sizes[k - 1], sizes[k])).size + np.empty(sizes[k]).size
    return total
''')
