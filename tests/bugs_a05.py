"""Planted bugs for assignment 5: (task, buggy definition replacing the reference one, words the
failure must contain). ``_reference_<name>`` is the reference version of every function."""

BUGS = [
    # ---------------------------------------------------------------- minibatches
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    order = np.arange(n)\n"
     "    return [order[i:i + batch_size] for i in range(0, n, batch_size)]",
     ["minibatches", "original order"]),                                          # never shuffles
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    order = rng.permutation(n)\n"
     "    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]",
     ["minibatches", "sizes", "last batch keeps"]),                               # always drops the rest
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    order = rng.integers(0, n, size=n)\n"
     "    return [order[i:i + batch_size] for i in range(0, n, batch_size)]",
     ["minibatches", "exactly once"]),                                            # with replacement
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    order = np.random.permutation(n)\n"
     "    end = n - n % batch_size if drop_last else n\n"
     "    return [order[i:i + batch_size] for i in range(0, end, batch_size)]",
     ["minibatches", "same seed"]),                                               # ignores rng
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    order = np.random.default_rng(0).permutation(n)\n"
     "    return [order[i:i + batch_size] for i in range(0, n, batch_size)]",
     ["minibatches", "same order in all"]),                                       # same order every epoch
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    return _reference_minibatches(n, batch_size, rng, False)",
     ["minibatches", "drop_last=True drops"]),                                    # ignores drop_last
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    order = rng.permutation(n)\n"
     "    return [order[i * batch_size:(i + 1) * batch_size] for i in range(n // batch_size + 1)]",
     ["minibatches", "sizes"]),                                                   # empty last batch
    ("a05.minibatches", "def minibatches(n, batch_size, rng, drop_last=False):\n"
     "    return [b.astype(float) for b in _reference_minibatches(n, batch_size, rng, drop_last)]",
     ["minibatches", "integer"]),                                                 # float indices
    # ---------------------------------------------------------------- sgd_update
    ("a05.sgd_update", "def sgd_update(w, dw, state):\n    return w + state['lr'] * dw, state",
     ["sgd_update", "new w"]),                                                    # climbs
    ("a05.sgd_update", "def sgd_update(w, dw, state):\n    w -= state['lr'] * dw\n    return w, state",
     ["sgd_update", "in place", "`w`"]),                                          # changes its input
    ("a05.sgd_update", "def sgd_update(w, dw, state):\n    return w - state['lr'] * dw",
     ["sgd_update", "tuple (w, state)"]),                                         # forgets the state
    # ---------------------------------------------------------------- nesterov_update
    ("a05.nesterov_update", "def nesterov_update(w, dw, state):\n    return momentum_update(w, dw, state)",
     ["nesterov_update", "new w"]),                                               # plain momentum
    ("a05.nesterov_update", "def nesterov_update(w, dw, state):\n    state = dict(state)\n"
     "    v = state['rho'] * state.get('velocity', np.zeros_like(w)) - state['lr'] * dw\n"
     "    state['velocity'] = v\n    return w + state['rho'] * v, state",
     ["nesterov_update", "new w"]),                                               # no gradient step
    ("a05.nesterov_update", "def nesterov_update(w, dw, state):\n"
     "    state['velocity'] = state['rho'] * state.get('velocity', np.zeros_like(w)) - state['lr'] * dw\n"
     "    return w + state['rho'] * state['velocity'] - state['lr'] * dw, state",
     ["nesterov_update", "in place", "`state`"]),                                 # writes into its input
    # ---------------------------------------------------------------- adagrad_update
    ("a05.adagrad_update", "def adagrad_update(w, dw, state):\n    state = dict(state)\n"
     "    state['v'] = state.get('v', np.zeros_like(w)) + np.abs(dw)\n"
     "    return w - state['lr'] * dw / np.sqrt(state['v'] + state['eps']), state",
     ["adagrad_update", "state['v']"]),                                           # sums |g|, not g**2
    ("a05.adagrad_update", "def adagrad_update(w, dw, state):\n    state = dict(state)\n"
     "    state['v'] = state.get('v', np.zeros_like(w)) + dw ** 2\n"
     "    return w - state['lr'] * dw / (np.sqrt(state['v']) + state['eps']), state",
     ["adagrad_update", "new w"]),                                                # eps outside the root
    ("a05.adagrad_update", "def adagrad_update(w, dw, state):\n    state = dict(state)\n"
     "    state['v'] = dw ** 2\n"
     "    return w - state['lr'] * dw / np.sqrt(state['v'] + state['eps']), state",
     ["adagrad_update", "state['v']"]),                                           # forgets the sum
    ("a05.adagrad_update", "def adagrad_update(w, dw, state):\n    state = dict(state)\n"
     "    v = state.get('v', np.zeros_like(w))\n    state['v'] = v + dw ** 2\n"
     "    return w - state['lr'] * dw / np.sqrt(v + state['eps']), state",
     ["adagrad_update", "new w"]),                                                # divides by the old sum
    ("a05.adagrad_update", "def adagrad_update(w, dw, state):\n    state = dict(state)\n"
     "    state['v'] = state.get('v', np.zeros_like(w)) + dw ** 2\n"
     "    return w - state['lr'] * dw / np.sqrt(state['v'] + 1e-8), state",
     ["adagrad_update", "new w"]),                                                # eps written in
    # ---------------------------------------------------------------- rmsprop_update
    ("a05.rmsprop_update", "def rmsprop_update(w, dw, state):\n    state = dict(state)\n"
     "    state['v'] = state['decay'] * state.get('v', np.zeros_like(w)) + dw ** 2\n"
     "    return w - state['lr'] * dw / np.sqrt(state['v'] + state['eps']), state",
     ["rmsprop_update", "state['v']"]),                                           # no (1 - decay)
    ("a05.rmsprop_update", "def rmsprop_update(w, dw, state):\n    state = dict(state)\n"
     "    state['v'] = (1 - state['decay']) * state.get('v', np.zeros_like(w)) + state['decay'] * dw ** 2\n"
     "    return w - state['lr'] * dw / np.sqrt(state['v'] + state['eps']), state",
     ["rmsprop_update", "state['v']"]),                                           # weights swapped
    ("a05.rmsprop_update", "def rmsprop_update(w, dw, state):\n    state = dict(state)\n"
     "    state['v'] = state['decay'] * state.get('v', np.zeros_like(w)) + (1 - state['decay']) * dw ** 2\n"
     "    return w - state['lr'] * dw / (np.sqrt(state['v']) + state['eps']), state",
     ["rmsprop_update", "new w"]),                                                # eps outside the root
    # ---------------------------------------------------------------- adam_update
    ("a05.adam_update", "def adam_update(w, dw, state):\n    state = dict(state)\n"
     "    state['t'] = state.get('t', 0) + 1\n"
     "    state['m'] = state['beta1'] * state.get('m', np.zeros_like(w)) + (1 - state['beta1']) * dw\n"
     "    state['v'] = state['beta2'] * state.get('v', np.zeros_like(w)) + (1 - state['beta2']) * dw ** 2\n"
     "    return w - state['lr'] * state['m'] / np.sqrt(state['v'] + state['eps']), state",
     ["adam_update", "new w"]),                                                   # no bias correction
    ("a05.adam_update", "def adam_update(w, dw, state):\n    state = dict(state)\n"
     "    t = state['t'] = state.get('t', 0) + 1\n"
     "    state['m'] = state['beta1'] * state.get('m', np.zeros_like(w)) + (1 - state['beta1']) * dw\n"
     "    state['v'] = state['beta2'] * state.get('v', np.zeros_like(w)) + (1 - state['beta2']) * dw ** 2\n"
     "    m_hat, v_hat = state['m'] / (1 - state['beta1'] ** t), state['v'] / (1 - state['beta2'] ** t)\n"
     "    return w - state['lr'] * m_hat / np.sqrt(v_hat + 1e-7), state",
     ["adam_update", "new w"]),                                                   # eps written in
    ("a05.adam_update", "def adam_update(w, dw, state):\n    state = dict(state)\n"
     "    t = state.get('t', 0)\n"
     "    state['m'] = state['beta1'] * state.get('m', np.zeros_like(w)) + (1 - state['beta1']) * dw\n"
     "    state['v'] = state['beta2'] * state.get('v', np.zeros_like(w)) + (1 - state['beta2']) * dw ** 2\n"
     "    m_hat = state['m'] / (1 - state['beta1'] ** t)\n    v_hat = state['v'] / (1 - state['beta2'] ** t)\n"
     "    state['t'] = t + 1\n"
     "    return w - state['lr'] * m_hat / np.sqrt(v_hat + state['eps']), state",
     ["adam_update", "numerical warning"]),                                       # t starts at 0
    ("a05.adam_update", "def adam_update(w, dw, state):\n    state = dict(state)\n"
     "    t = state.get('t', 1)\n"
     "    state['m'] = state['beta1'] * state.get('m', np.zeros_like(w)) + (1 - state['beta1']) * dw\n"
     "    state['v'] = state['beta2'] * state.get('v', np.zeros_like(w)) + (1 - state['beta2']) * dw ** 2\n"
     "    m_hat = state['m'] / (1 - state['beta1'] ** t)\n    v_hat = state['v'] / (1 - state['beta2'] ** t)\n"
     "    state['t'] = t + 1\n"
     "    return w - state['lr'] * m_hat / np.sqrt(v_hat + state['eps']), state",
     ["adam_update", "state['t']"]),                                              # counts one step ahead
    ("a05.adam_update", "def adam_update(w, dw, state):\n    state = dict(state)\n"
     "    t = state.get('t', 0) + 1\n    state['t'] = t\n"
     "    state['m'] = state['beta1'] * state.get('m', np.zeros_like(w)) + (1 - state['beta1']) * dw\n"
     "    state['v'] = state['beta2'] * state.get('v', np.zeros_like(w)) + (1 - state['beta2']) * dw ** 2\n"
     "    m_hat = state['m'] / (1 - state['beta1'] ** t)\n    v_hat = state['v'] / (1 - state['beta2'] ** t)\n"
     "    return w - state['lr'] * m_hat / (np.sqrt(v_hat) + state['eps']), state",
     ["adam_update", "new w"]),                                                   # eps outside the root
    ("a05.adam_update", "def adam_update(w, dw, state):\n    state = dict(state)\n"
     "    t = state.get('t', 0) + 1\n    state['t'] = t\n"
     "    state['m'] = state['beta1'] * state.get('m', np.zeros_like(w)) + (1 - state['beta1']) * dw\n"
     "    state['v'] = state['beta2'] * state.get('v', np.zeros_like(w)) + (1 - state['beta2']) * dw\n"
     "    m_hat = state['m'] / (1 - state['beta1'] ** t)\n    v_hat = state['v'] / (1 - state['beta2'] ** t)\n"
     "    return w - state['lr'] * m_hat / np.sqrt(np.abs(v_hat) + state['eps']), state",
     ["adam_update", "state['v']"]),                                              # v averages g, not g**2
    ("a05.adam_update", "def adam_update(w, dw, state):\n    state = dict(state)\n"
     "    t = state.get('t', 0) + 1\n    state['t'] = t\n"
     "    state['m'] = state['beta1'] * state.get('m', np.zeros_like(w)) + (1 - state['beta1']) * dw\n"
     "    state['v'] = state['beta2'] * state.get('v', np.zeros_like(w)) + (1 - state['beta2']) * dw ** 2\n"
     "    m_hat = state['m'] / (1 - state['beta2'] ** t)\n    v_hat = state['v'] / (1 - state['beta2'] ** t)\n"
     "    return w - state['lr'] * m_hat / np.sqrt(v_hat + state['eps']), state",
     ["adam_update", "new w"]),                                                   # beta2 corrects m
    # ---------------------------------------------------------------- get_optimizer
    ("a05.get_optimizer", "def get_optimizer(name):\n"
     "    return {'sgd': sgd_update, 'momentum': momentum_update, 'nesterov': nesterov_update,\n"
     "            'adagrad': adagrad_update, 'rmsprop': rmsprop_update, 'adam': adam_update}[name]",
     ["get_optimizer", "should raise a ValueError", "KeyError"]),                 # KeyError, no names
    ("a05.get_optimizer", "def get_optimizer(name):\n"
     "    if name not in OPTIMIZER_NAMES:\n        raise ValueError(f'unknown optimizer {name!r}')\n"
     "    return _reference_get_optimizer(name)",
     ["get_optimizer", "does not list", "sgd"]),                                  # names not listed
    ("a05.get_optimizer", "def get_optimizer(name):\n"
     "    return momentum_update if name == 'nesterov' else _reference_get_optimizer(name)",
     ["get_optimizer", "'nesterov'", "momentum_update"]),                         # wrong function
    ("a05.get_optimizer", "def get_optimizer(name):\n"
     "    table = {'sgd': sgd_update, 'adam': adam_update}\n"
     "    if name not in table:\n        raise ValueError(f'unknown optimizer {name!r}; choose one of: sgd, adam')\n"
     "    return table[name]",
     ["get_optimizer", "momentum"]),                                              # knows two names only
    ("a05.get_optimizer", "def get_optimizer(name):\n"
     "    return _reference_get_optimizer(name) if name in OPTIMIZER_NAMES else None",
     ["get_optimizer", "should raise a ValueError", "None"]),                     # returns None
]
