"""Correct alternatives to the reference answers of assignment 4: momentum, ReLU, the two-layer
network's bias gradients and ``init_mlp``."""
from .catalogue import alternative

alternative("a04.momentum_descent", "velocity", r'''
def momentum_descent(grad, x0, lr, rho, n_steps):
    x = np.array(x0, dtype=float)
    v = np.zeros_like(x)
    path = [x.copy()]
    for _ in range(n_steps):
        v = rho * v - lr * grad(x)
        x = x + v
        path.append(x.copy())
    return np.array(path)
''')
alternative("a04.momentum_descent", "expanded three-term recurrence", r'''
def momentum_descent(grad, x0, lr, rho, n_steps):
    x0 = np.asarray(x0, dtype=float)
    path = np.empty((n_steps + 1,) + x0.shape)
    path[0] = x0
    if n_steps:
        path[1] = x0 - lr * grad(x0)
    for t in range(2, n_steps + 1):
        path[t] = (1 + rho) * path[t - 1] - lr * grad(path[t - 1]) - rho * path[t - 2]
    return path
''')
alternative("a04.momentum_descent", "previous step carried over", r'''
def momentum_descent(grad, x0, lr, rho, n_steps):
    xs = [np.array(x0, dtype=float)]
    previous_step = 0.0
    for _ in range(n_steps):
        step = -lr * grad(xs[-1]) + rho * previous_step
        xs.append(xs[-1] + step)
        previous_step = step
    return np.array(xs)
''')

alternative("a04.momentum_update", "new dict, step inline", r'''
def momentum_update(w, dw, state):
    v = state.get("velocity", np.zeros_like(w))
    new_w = w + state["rho"] * v - state["lr"] * dw
    return new_w, {"lr": state["lr"], "rho": state["rho"], "velocity": new_w - w}
''')
alternative("a04.momentum_update", "velocity from 0 * w", r'''
def momentum_update(w, dw, state):
    state = dict(state)
    v = state.get("velocity", 0.0 * w)
    state["velocity"] = -state["lr"] * dw + state["rho"] * v
    return w + state["velocity"], state
''')

alternative("a04.d_b1", "sum / N, logistic written out", r'''
def d_b1(X, y, b1, b2):
    x1, x2 = X[:, 0], X[:, 1]
    a = b1 * x1 * x2 + b2 * x2
    p = 1 / (1 + np.exp(-np.sin(a)))
    return float(np.sum((p - y) * np.cos(a) * x1 * x2) / len(y))
''')
alternative("a04.d_b1", "dot product, tanh sigmoid", r'''
def d_b1(X, y, b1, b2):
    x1, x2 = X[:, 0], X[:, 1]
    a = b1 * x1 * x2 + b2 * x2
    p = 0.5 * (1.0 + np.tanh(0.5 * np.sin(a)))
    return float(np.dot(p - y, np.cos(a) * x1 * x2) / len(y))
''')
alternative("a04.d_b2", "sum / N, logistic written out", r'''
def d_b2(X, y, b1, b2):
    x1, x2 = X[:, 0], X[:, 1]
    a = b1 * x1 * x2 + b2 * x2
    p = 1 / (1 + np.exp(-np.sin(a)))
    return float(np.sum((p - y) * np.cos(a) * x2) / len(y))
''')
alternative("a04.d_b2", "chain rule through the logit", r'''
def d_b2(X, y, b1, b2):
    x1, x2 = X[:, 0], X[:, 1]
    a = x2 * (b1 * x1 + b2)
    dloss_dlogit = (sin_logit_proba(X, b1, b2) - y) / len(y)
    dlogit_db2 = np.cos(a) * x2
    return float(np.sum(dloss_dlogit * dlogit_db2))
''')

alternative("a04.relu_forward", "x * mask, mask as cache", r'''
def relu_forward(x):
    return x * (x > 0), x > 0

def relu_backward(dout, cache):
    return dout * cache
''')
alternative("a04.relu_forward", "np.where", r'''
def relu_forward(x):
    return np.where(x > 0, x, 0.0), x
''')
alternative("a04.relu_forward", "(x + |x|) / 2", r'''
def relu_forward(x):
    x = np.asarray(x, dtype=float)
    return (x + np.abs(x)) / 2, x
''')

alternative("a04.relu_backward", "mask cache", r'''
def relu_forward(x):
    mask = (x > 0).astype(np.float64)
    return x * mask, mask

def relu_backward(dout, cache):
    return dout * cache
''')
alternative("a04.relu_backward", "1-tuple of np.where", r'''
def relu_backward(dout, cache):
    return (np.where(cache > 0, dout, 0.0),)
''')
alternative("a04.relu_backward", "heaviside", r'''
def relu_backward(dout, cache):
    return dout * np.heaviside(cache, 0.0)
''')

alternative("a04.init_mlp", "standard normal times the scale", r'''
def init_mlp(n_inputs, hidden_sizes, seed):
    rng = np.random.default_rng(seed)
    sizes = [n_inputs] + list(hidden_sizes) + [1]
    params = []
    for i in range(len(sizes) - 1):
        W = rng.standard_normal((sizes[i], sizes[i + 1])) * np.sqrt(2.0 / sizes[i])
        params.append((W, np.zeros(sizes[i + 1])))
    return params
''')
