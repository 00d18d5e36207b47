"""Correct alternatives to the reference answers of assignment 5: mini-batches, the five
optimizers' updates and ``get_optimizer``."""
from .catalogue import alternative

alternative("a05.minibatches", "pop the short batch", r'''
def minibatches(n, batch_size, rng, drop_last=False):
    order = rng.permutation(n)
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if drop_last and batches and len(batches[-1]) < batch_size:
        batches.pop()
    return batches
''')
alternative("a05.minibatches", "shuffle and np.split", r'''
def minibatches(n, batch_size, rng, drop_last=False):
    order = np.arange(n)
    rng.shuffle(order)
    if drop_last:
        order = order[:(n // batch_size) * batch_size]
    return [b for b in np.split(order, range(batch_size, len(order), batch_size)) if len(b)]
''')
alternative("a05.minibatches", "choice without replacement", r'''
def minibatches(n, batch_size, rng, drop_last=False):
    order = rng.choice(n, size=n, replace=False)
    stop = n - n % batch_size if drop_last else n
    return [order[i:min(i + batch_size, stop)] for i in range(0, stop, batch_size)]
''')

alternative("a05.sgd_update", "np.subtract, same state back", r'''
def sgd_update(w, dw, state):
    return np.subtract(w, state["lr"] * dw), state
''')

alternative("a05.nesterov_update", "in terms of the old velocity", r'''
def nesterov_update(w, dw, state):
    s = dict(state); rho, lr = s["rho"], s["lr"]
    old = s.get("velocity", np.zeros(np.shape(w)))
    s["velocity"] = rho * old - lr * dw
    return w + rho ** 2 * old - (1 + rho) * lr * dw, s
''')
alternative("a05.nesterov_update", "plain step plus rho * velocity", r'''
def nesterov_update(w, dw, state):
    s = dict(state)
    v = s["rho"] * s.get("velocity", 0.0) - s["lr"] * dw
    s["velocity"] = np.asarray(v, float)
    return (w - s["lr"] * dw) + s["rho"] * v, s
''')

alternative("a05.adagrad_update", "step times rsqrt", r'''
def adagrad_update(w, dw, state):
    s = dict(state)
    s["v"] = s.get("v", np.zeros(np.shape(w))) + dw ** 2
    return w - s["lr"] / np.sqrt(s["v"] + s["eps"]) * dw, s
''')
alternative("a05.adagrad_update", "dict unpacking, np.square, power -0.5", r'''
def adagrad_update(w, dw, state):
    v = np.square(dw) + (state["v"] if "v" in state else 0.0)
    return w - state["lr"] * dw * np.power(v + state["eps"], -0.5), {**state, "v": np.asarray(v, np.float64)}
''')

alternative("a05.rmsprop_update", "v + (1 - decay)(dw^2 - v)", r'''
def rmsprop_update(w, dw, state):
    s = dict(state); v = s.get("v", np.zeros(np.shape(w)))
    s["v"] = v + (1 - s["decay"]) * (dw ** 2 - v)
    return w - s["lr"] * dw * (s["v"] + s["eps"]) ** -0.5, s
''')
alternative("a05.rmsprop_update", "np.square, new dict", r'''
def rmsprop_update(w, dw, state):
    decay = state["decay"]
    v = decay * state.get("v", np.zeros_like(w, dtype=float)) + (1 - decay) * np.square(dw)
    new_state = {key: value for key, value in state.items() if key != "v"}
    new_state["v"] = v
    return w - state["lr"] * dw / np.sqrt(v + state["eps"]), new_state
''')

alternative("a05.adam_update", "bias correction folded into the step size", r'''
def adam_update(w, dw, state):
    s = dict(state); b1, b2 = s["beta1"], s["beta2"]
    t = s.get("t", 0) + 1
    m = s.get("m", np.zeros(np.shape(w))); v = s.get("v", np.zeros(np.shape(w)))
    s["m"] = m + (1 - b1) * (dw - m)
    s["v"] = v + (1 - b2) * (dw * dw - v)
    s["t"] = t
    c2 = 1 - b2 ** t
    step = s["lr"] * np.sqrt(c2) / (1 - b1 ** t)
    return w - step * s["m"] / np.sqrt(s["v"] + s["eps"] * c2), s
''')
alternative("a05.adam_update", "power -0.5 on v_hat + eps", r'''
def adam_update(w, dw, state):
    s = dict(state); b1, b2 = s["beta1"], s["beta2"]
    t = int(s.get("t", 0)) + 1
    m = b1 * s.get("m", 0.0) + (1 - b1) * dw
    v = b2 * s.get("v", 0.0) + (1 - b2) * np.square(dw)
    s.update(m=np.asarray(m, float), v=np.asarray(v, float), t=t)
    return w - s["lr"] * (m / (1 - b1 ** t)) * (v / (1 - b2 ** t) + s["eps"]) ** -0.5, s
''')
alternative("a05.adam_update", "sqrt(v_hat + eps) as a hypotenuse", r'''
def adam_update(w, dw, state):
    s = dict(state); b1, b2 = s["beta1"], s["beta2"]
    t = s.get("t", 0) + 1
    m = b1 * s.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * s.get("v", np.zeros_like(w)) + (1 - b2) * dw ** 2
    s.update(m=m, v=v, t=t)
    denominator = np.hypot(np.sqrt(v / (1 - b2 ** t)), np.sqrt(s["eps"]))
    return w - s["lr"] * m / (1 - b1 ** t) / denominator, s
''')

alternative("a05.get_optimizer", "if/elif chain", r'''
def get_optimizer(name):
    if name == "sgd":
        return sgd_update
    elif name == "momentum":
        return momentum_update
    elif name == "nesterov":
        return nesterov_update
    elif name == "adagrad":
        return adagrad_update
    elif name == "rmsprop":
        return rmsprop_update
    elif name == "adam":
        return adam_update
    raise ValueError("unknown optimizer: " + str(name) + ". Valid names: " + ", ".join(OPTIMIZER_NAMES))
''')
alternative("a05.get_optimizer", "looked up in globals()", r'''
def get_optimizer(name):
    if name not in OPTIMIZER_NAMES:
        raise ValueError(f"{name!r} is not an optimizer; use one of {OPTIMIZER_NAMES}")
    return globals()[name + "_update"]
''')
