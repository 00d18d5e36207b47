"""Correct alternatives to the reference answers of assignment 2 (backpropagation by hand): the
forward pass, the loss, the nine partial derivatives and training."""
from .catalogue import alternative

alternative("a02.forward", "matrix form", r'''
def forward(X, w):
    W1 = np.array([[w[1], w[4]], [w[2], w[5]]])
    H = S(X @ W1 + np.array([w[0], w[3]]))
    o = S(H @ np.array([w[7], w[8]]) + w[6])
    return H[:, 0], H[:, 1], o
''')

alternative("a02.loss", "np.where with log1p", r'''
def loss(X, y, w):
    o = forward(X, w)[2]
    return float(-np.mean(np.where(y == 1, np.log(o), np.log1p(-o))))
''')
alternative("a02.loss", "sum / N", r'''
def loss(X, y, w):
    _, _, o = forward(X, w)
    return float(-(np.dot(y, np.log(o)) + np.dot(1 - y, np.log(1 - o))) / len(y))
''')
alternative("a02.loss", "from the output's logit, logaddexp", r'''
def loss(X, y, w):
    h1, h2, _ = forward(X, w)
    logit = w[6] + w[7] * h1 + w[8] * h2
    return float(np.mean(np.logaddexp(0.0, logit) - y * logit))
''')

# All nine partial derivatives from one backward pass in matrix form ...
_A02_NAMES = ("w10", "w11", "w12", "w20", "w21", "w22", "w30", "w31", "w32")
_A02_MATRIX = r'''
def _all_partials(X, y, w):
    h1, h2, o = forward(X, w)
    H = np.column_stack([h1, h2])
    delta_out = (o - y) / len(y)                               # dloss / d(output logit)
    delta_hidden = delta_out[:, None] * np.array([w[7], w[8]]) * H * (1 - H)
    XE = np.column_stack([np.ones(len(X)), X])                 # inputs with a column of ones
    HE = np.column_stack([np.ones(len(X)), H])
    grad_hidden = XE.T @ delta_hidden                          # (3, 2): column j is unit j+1's weights
    grad_out = HE.T @ delta_out
    return np.concatenate([grad_hidden[:, 0], grad_hidden[:, 1], grad_out])
''' + "".join(f"\n\ndef d_{n}(X, y, w):\n    return float(_all_partials(X, y, w)[{k}])\n"
              for k, n in enumerate(_A02_NAMES))
# ... and each one alone as a dot product of the error signal with its input.
_A02_DOT = {  # weight: (error signal reaching its unit, the input it multiplies)
    "w30": ("d", "np.ones(len(y))"), "w31": ("d", "h1"), "w32": ("d", "h2"),
    "w10": ("d * w[7] * h1 * (1 - h1)", "np.ones(len(y))"), "w11": ("d * w[7] * h1 * (1 - h1)", "X[:, 0]"),
    "w12": ("d * w[7] * h1 * (1 - h1)", "X[:, 1]"),
    "w20": ("d * w[8] * h2 * (1 - h2)", "np.ones(len(y))"), "w21": ("d * w[8] * h2 * (1 - h2)", "X[:, 0]"),
    "w22": ("d * w[8] * h2 * (1 - h2)", "X[:, 1]"),
}
for _name in _A02_NAMES:
    alternative(f"a02.d_{_name}", "matrix backward pass", _A02_MATRIX)
    _signal, _input = _A02_DOT[_name]
    alternative(f"a02.d_{_name}", "dot product / N", f'''
def d_{_name}(X, y, w):
    h1, h2, o = forward(X, w)
    d = o - y
    return float(np.dot({_signal}, {_input}) / len(y))
''')

alternative("a02.train", "loss list, in-place step on a copy", r'''
def train(X, y, w0, lr, n_iter):
    w = np.array(w0, dtype=float)
    losses = []
    for _ in range(n_iter):
        losses.append(loss(X, y, w))
        w -= lr * gradient(X, y, w)
    return w, np.array(losses, dtype=float)
''')
alternative("a02.train", "partials called by name", r'''
def train(X, y, w0, lr, n_iter):
    w = w0.astype(np.float64)
    losses = np.zeros(n_iter)
    partials = [globals()[f"d_{name}"] for name in WEIGHT_NAMES]
    for t in range(n_iter):
        losses[t] = loss(X, y, w)
        step = np.array([d(X, y, w) for d in partials])
        w = w - lr * step
    return w, losses
''')
