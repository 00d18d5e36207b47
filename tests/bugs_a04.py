"""Planted bugs for assignment 4: (task, buggy definition replacing the reference one, words
the failure must contain). ``_reference_<name>`` is the reference version of every function."""

BUGS = [
    # momentum_descent
    ("a04.momentum_descent", "def momentum_descent(grad, x0, lr, rho, n_steps):\n"
     "    xs = [float(x0)]\n    for _ in range(n_steps - 1):\n"
     "        prev = xs[-2] if len(xs) > 1 else xs[-1]\n"
     "        xs.append(xs[-1] - lr * grad(xs[-1]) + rho * (xs[-1] - prev))\n"
     "    return np.array(xs)", ["momentum_descent", "shape"]),                   # the lesson's 30 as n_steps
    ("a04.momentum_descent", "def momentum_descent(grad, x0, lr, rho, n_steps):\n"
     "    xs = [float(x0)]\n    prev = 0.0\n    for _ in range(n_steps):\n"
     "        step = -lr * grad(xs[-1]) + rho * (xs[-1] - prev)\n"
     "        prev = xs[-1]\n        xs.append(xs[-1] + step)\n"
     "    return np.array(xs)", ["momentum_descent", "first step"]),              # x_{-1} taken as 0
    ("a04.momentum_descent", "def momentum_descent(grad, x0, lr, rho, n_steps):\n"
     "    xs = [float(x0)]\n    for t in range(n_steps):\n"
     "        prev = xs[-2] if t else xs[-1]\n"
     "        xs.append(xs[-1] - lr * grad(xs[-1]) - rho * (xs[-1] - prev))\n"
     "    return np.array(xs)", ["momentum_descent", "x_{t-2}"]),                 # momentum brakes
    ("a04.momentum_descent", "def momentum_descent(grad, x0, lr, rho, n_steps):\n"
     "    xs = [float(x0)]\n    for t in range(n_steps):\n"
     "        prev = xs[-2] if t else xs[-1]\n"
     "        xs.append(xs[-1] - lr * grad(xs[-1]) + rho * (prev - xs[-1]))\n"
     "    return np.array(xs)", ["momentum_descent", "last entry"]),              # difference reversed
    # momentum_update
    ("a04.momentum_update", "def momentum_update(w, dw, state):\n"
     "    state = dict(state)\n    state.setdefault('velocity', np.zeros_like(w))\n"
     "    return w - state['lr'] * dw, state", ["momentum_update", "velocity"]),   # plain GD
    ("a04.momentum_update", "def momentum_update(w, dw, state):\n"
     "    state = dict(state)\n    v = state.get('velocity', np.zeros_like(w))\n"
     "    state['velocity'] = state['rho'] * v - state['lr'] * dw\n"
     "    return w + v, state", ["momentum_update", "w"]),                        # steps with the old velocity
    ("a04.momentum_update", "def momentum_update(w, dw, state):\n"
     "    v = state.get('velocity', np.zeros_like(w))\n"
     "    state['velocity'] = state['rho'] * v - state['lr'] * dw\n"
     "    return w + state['velocity'], state", ["momentum_update", "in place", "`state`"]),  # edits the state
    ("a04.momentum_update", "def momentum_update(w, dw, state):\n"
     "    state = dict(state)\n    m = state.get('velocity', np.zeros_like(w))\n"
     "    state['velocity'] = state['rho'] * m + state['lr'] * dw\n"
     "    return w - state['velocity'], state", ["momentum_update", "velocity"]),  # R's sign: not the step
    ("a04.momentum_update", "def momentum_update(w, dw, state):\n"
     "    v = state['rho'] * state.get('velocity', 0.0) - state['lr'] * dw\n"
     "    return w + v, {'velocity': v}", ["momentum_update", "lr"]),             # drops the hyper-parameters
    # the sin-logit partials
    ("a04.d_b1", "def d_b1(X, y, b1, b2):\n    return _reference_d_b2(X, y, b1, b2)", ["d_b1", "b1"]),  # forgot x1
    ("a04.d_b1", "def d_b1(X, y, b1, b2):\n    x1, x2 = X[:, 0], X[:, 1]\n    a = b1 * x1 * x2 + b2 * x2\n"
     "    p = sin_logit_proba(X, b1, b2)\n    return float(np.mean((p - y) * np.sin(a) * x1 * x2))",
     ["d_b1", "b1"]),                                                                        # sin for cos
    ("a04.d_b2", "def d_b2(X, y, b1, b2):\n    return -_reference_d_b2(X, y, b1, b2)", ["d_b2", "b2"]),
    ("a04.d_b2", "def d_b2(X, y, b1, b2):\n    x1, x2 = X[:, 0], X[:, 1]\n    a = b1 * x1 * x2 + b2 * x2\n"
     "    p = sin_logit_proba(X, b1, b2)\n    return float(np.sum((p - y) * np.cos(a) * x2))",
     ["d_b2", "b2"]),                                                                        # no mean
    # ReLU
    ("a04.relu_forward", "def relu_forward(x):\n    return np.abs(x), x", ["relu_forward"]),
    ("a04.relu_forward", "def relu_forward(x):\n    x[x < 0] = 0.0\n    return x, x", ["relu_forward", "in place"]),
    ("a04.relu_backward", "def relu_backward(dout, cache):\n    return dout * (cache >= 0)",
     ["relu_backward", "x > 0"]),                                                            # slope 1 at the kink
    ("a04.relu_backward", "def relu_backward(dout, cache):\n    return (cache > 0).astype(float)",
     ["relu_backward"]),                                                                     # forgets dout
    ("a04.relu_backward", "def relu_backward(dout, cache):\n    return np.maximum(dout, 0.0)",
     ["relu_backward"]),                                                                     # gates on dout
    # init_mlp
    ("a04.init_mlp", "def init_mlp(n_inputs, hidden_sizes, seed):\n    rng = np.random.default_rng(seed)\n"
     "    sizes = [n_inputs, *hidden_sizes, 1]\n"
     "    return [(rng.normal(size=(a, b)), np.zeros(b)) for a, b in zip(sizes[:-1], sizes[1:])]",
     ["init_mlp", "standard deviation"]),                                                    # the lesson's sd 1
    ("a04.init_mlp", "def init_mlp(n_inputs, hidden_sizes, seed):\n    rng = np.random.default_rng(seed)\n"
     "    sizes = [n_inputs, *hidden_sizes, 1]\n"
     "    return [(rng.normal(0, np.sqrt(2 / b), size=(a, b)), np.zeros(b)) for a, b in zip(sizes[:-1], sizes[1:])]",
     ["init_mlp", "fan_in"]),                                                                # fan_out
    ("a04.init_mlp", "def init_mlp(n_inputs, hidden_sizes, seed):\n    rng = np.random.default_rng(seed)\n"
     "    sizes = [n_inputs, *hidden_sizes]\n"
     "    return [(rng.normal(0, np.sqrt(2 / a), size=(a, b)), np.zeros(b)) for a, b in zip(sizes[:-1], sizes[1:])]",
     ["init_mlp", "output layer"]),                                                          # no output layer
    ("a04.init_mlp", "def init_mlp(n_inputs, hidden_sizes, seed):\n    rng = np.random.default_rng()\n"
     "    sizes = [n_inputs, *hidden_sizes, 1]\n"
     "    return [(rng.normal(0, np.sqrt(2 / a), size=(a, b)), np.zeros(b)) for a, b in zip(sizes[:-1], sizes[1:])]",
     ["init_mlp", "same seed"]),                                                             # ignores the seed
    ("a04.init_mlp", "def init_mlp(n_inputs, hidden_sizes, seed):\n    rng = np.random.default_rng(seed)\n"
     "    sizes = [n_inputs, *hidden_sizes, 1]\n"
     "    return [(rng.normal(0, np.sqrt(2 / a), size=(a, b)), rng.normal(0, 0.1, size=b))\n"
     "            for a, b in zip(sizes[:-1], sizes[1:])]", ["init_mlp", "biases start at 0"]),
]
