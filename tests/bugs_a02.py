"""Planted bugs for assignment 2: (task, buggy definition replacing the reference one, words
the failure must contain). ``_reference_<name>`` is the reference version of every function."""
from autograder.checks.a02 import WEIGHT_NAMES

BUGS = [
    ("a02.forward", "def forward(X, w):\n    h1, h2, o = _reference_forward(X, w)\n    return h2, h1, o",
     ["forward", "h1"]),
    ("a02.loss", "def loss(X, y, w):\n    o = forward(X, w)[2]\n"
     "    return float(np.mean(y * np.log(o) + (1 - y) * np.log(1 - o)))", ["loss"]),  # no minus
    ("a02.train", "def train(X, y, w0, lr, n_iter):\n    w = np.array(w0, float)\n    losses = []\n"
     "    for _ in range(n_iter):\n        w = w - lr * gradient(X, y, w)\n        losses.append(loss(X, y, w))\n"
     "    return w, np.array(losses)", ["train", "losses[0]"]),                       # loss after step
]
# The nine derivatives: a sign error and a forgotten factor 1/2, each in every weight.
for _name in WEIGHT_NAMES:
    BUGS.append((f"a02.d_{_name}", f"def d_{_name}(X, y, w):\n    return -_reference_d_{_name}(X, y, w)",
                 [f"d_{_name}", _name]))
    BUGS.append((f"a02.d_{_name}", f"def d_{_name}(X, y, w):\n    return 0.5 * _reference_d_{_name}(X, y, w)",
                 [f"d_{_name}", _name]))


