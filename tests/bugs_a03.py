"""Planted bugs for assignment 3: (task, buggy definition replacing the reference one, words
the failure must contain). ``_reference_<name>`` is the reference version of every function."""


def _chain_bug(name: str, expression: str) -> str:
    """backprop_one_hidden with one of its six gradients replaced by ``expression``, which may use
    the reference gradients ``g`` and the forward quantities l1, h1, l2, o (and X, y, W1, W2)."""
    return ("def backprop_one_hidden(X, y, W1, W2):\n"
            "    g = _reference_backprop_one_hidden(X, y, W1, W2)\n"
            "    l1 = X @ W1[1:] + W1[0]\n"
            "    h1 = 1.0 / (1.0 + np.exp(-l1))\n"
            "    l2 = h1 @ W2[1:] + W2[0]\n"
            "    o = 1.0 / (1.0 + np.exp(-l2))\n"
            f"    g[{name!r}] = {expression}\n"
            "    return g")


BUGS = [
    # ---------------------------------------------------------------- layers
    ("a03.affine_forward", "def affine_forward(x, W, b):\n    return x @ W, (x, W)",
     ["affine_forward", "out"]),                                                     # no bias
    ("a03.affine_forward", "def affine_forward(x, W, b):\n    return (x @ W + b).T, (x, W)",
     ["affine_forward", "out"]),                                                     # transposed
    ("a03.affine_backward", "def affine_backward(dout, cache):\n    x, W = cache\n"
     "    return dout @ W.T, x.T @ dout, dout.mean(axis=0)", ["affine_backward", "`b`"]),  # mean, not sum
    ("a03.affine_backward", "def affine_backward(dout, cache):\n    x, W = cache\n"
     "    return dout @ W.T, x.T @ dout / len(x), dout.sum(axis=0)",
     ["affine_backward", "`W`"]),                                                    # the lesson's 1/n again
    ("a03.affine_backward", "def affine_backward(dout, cache):\n    x, W = cache\n"
     "    return dout @ W, x.T @ dout, dout.sum(axis=0)", ["affine_backward", "ValueError"]),  # W, not W.T
    ("a03.sigmoid_forward", "def sigmoid_forward(x):\n    out = 1.0 / (1.0 + np.exp(x))\n    return out, out",
     ["sigmoid_forward", "out"]),                                                    # sign
    ("a03.sigmoid_backward", "def sigmoid_backward(dout, cache):\n    return cache * (1.0 - cache)",
     ["sigmoid_backward", "`x`"]),                                                   # drops dout
    ("a03.sigmoid_backward", "def sigmoid_backward(dout, cache):\n"
     "    s = _reference_sigmoid_forward(cache)[0]\n    return dout * s * (1.0 - s)",
     ["sigmoid_backward", "`x`"]),                                                   # sigmoid of the output
    ("a03.sigmoid_ce_forward", "def sigmoid_ce_forward(scores, y):\n    o, _ = sigmoid_forward(scores)\n"
     "    loss = -np.mean(y * np.log(o) + (1 - y) * np.log(1 - o))\n    return float(loss), (o, y)",
     ["sigmoid_ce_forward"]),                                                        # log of a rounded o
    ("a03.sigmoid_ce_forward", "def sigmoid_ce_forward(scores, y):\n"
     "    loss, cache = _reference_sigmoid_ce_forward(scores, y)\n    return loss * len(scores), cache",
     ["sigmoid_ce_forward", "mean"]),                                                # sum, not mean
    ("a03.sigmoid_ce_backward", "def sigmoid_ce_backward(cache):\n    o, y = cache\n    return o - y",
     ["sigmoid_ce_backward", "`scores`"]),                                           # no 1/N
    ("a03.sigmoid_ce_backward", "def sigmoid_ce_backward(cache):\n    o, y = cache\n    return (y - o) / len(o)",
     ["sigmoid_ce_backward", "`scores`"]),                                           # sign
    # ---------------------------------------------------------------- the six gradients
    ("a03.grad_o", _chain_bug("grad_o", "(o - y) / (o * (1.0 - o))"), ["grad_o", "N = 5 times the gradient"]),
    ("a03.grad_o", _chain_bug("grad_o", "(o - y) / len(X)"), ["grad_o", "`o`"]),     # skipped the division
    ("a03.grad_l2", _chain_bug("grad_l2", "o - y"), ["grad_l2", "`l2`"]),             # the lesson's per-sample
    ("a03.grad_l2", _chain_bug("grad_l2", "g['grad_o'] * o"), ["grad_l2", "grad.o * o (1 - o)"]),
    ("a03.grad_W2", _chain_bug("grad_W2", "h1.T @ g['grad_l2']"), ["grad_W2", "shape"]),  # no bias row
    ("a03.grad_W2", _chain_bug("grad_W2", "np.vstack([h1.T @ g['grad_l2'], g['grad_l2'].sum(axis=0)])"),
     ["grad_W2", "`W2`"]),                                                           # bias row last
    ("a03.grad_W2", _chain_bug("grad_W2", "g['grad_W2'] / len(X)"), ["grad_W2", "exactly 1/N of the gradient"]),
    ("a03.grad_h1", _chain_bug("grad_h1", "g['grad_l2'] @ W2.T"), ["grad_h1", "shape"]),  # with the bias row
    ("a03.grad_h1", _chain_bug("grad_h1", "g['grad_l2'] @ W2[:-1].T"), ["grad_h1", "`h1`"]),  # wrong rows
    ("a03.grad_l1", _chain_bug("grad_l1", "g['grad_h1'] * l1 * (1.0 - l1)"), ["grad_l1", "`l1`"]),
    ("a03.grad_l1", _chain_bug("grad_l1", "g['grad_h1'] * h1"), ["grad_l1", "`l1`"]),
    ("a03.grad_W1", _chain_bug("grad_W1", "X.T @ g['grad_l1']"), ["grad_W1", "shape"]),   # no ones column
    ("a03.grad_W1", _chain_bug("grad_W1", "np.column_stack([X, np.ones(len(X))]).T @ g['grad_l1']"),
     ["grad_W1", "`W1`"]),                                                           # ones at the end
    # ---------------------------------------------------------------- counting parameters
    ("a03.parameter_count", "def parameter_count(sizes):\n    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))",
     ["parameter_count", "returned 334336", "weights alone"]),                       # the biases left out
    ("a03.parameter_count", "def parameter_count(sizes):\n"
     "    return sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:]))",
     ["parameter_count", "returned 18 for sizes=[2, 4, 1]; expected 17"]),         # a bias per input
    ("a03.parameter_count", "def parameter_count(sizes):\n"
     "    return sum(a * b + b for a, b in zip(sizes[:-2], sizes[1:-1]))",
     ["parameter_count", "returned 332544", "last layer"]),                         # the output layer left out
    ("a03.parameter_count", "def parameter_count(sizes):\n    return (sizes[0] + 1) * sizes[1]",
     ["parameter_count", "returned 200960"]),                                        # the hidden layer only
    ("a03.parameter_count", "def parameter_count(sizes):\n    return float(_reference_parameter_count(sizes))",
     ["parameter_count", "should return an int"]),                                   # a float
]
