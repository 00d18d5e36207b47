"""Planted bugs for assignment 1: (task, buggy definition replacing the reference one, words
the failure must contain). ``_reference_<name>`` is the reference version of every function."""
BUGS = [
    ("a01.gradient_descent", "def gradient_descent(grad, x0, lr, n_steps):\n"
     "    xs = [float(x0)]\n    for _ in range(n_steps - 1):\n        xs.append(xs[-1] - lr * grad(xs[-1]))\n"
     "    return np.array(xs)", ["gradient_descent", "shape"]),                      # one step short
    ("a01.gradient_descent", "def gradient_descent(grad, x0, lr, n_steps):\n"
     "    xs = [float(x0)]\n    for _ in range(n_steps):\n        xs.append(xs[-1] + lr * grad(xs[-1]))\n"
     "    return np.array(xs)", ["gradient_descent"]),                               # climbs
    ("a01.sigmoid", "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))", ["sigmoid"]),
    ("a01.sigmoid", "def sigmoid(z):\n    return np.tanh(np.asarray(z, dtype=float))",
     ["sigmoid", "strictly between 0 and 1"]),                                      # leaves (0, 1)
    ("a01.sigmoid_grad", "def sigmoid_grad(z):\n    s = sigmoid(z)\n    return s * (1.0 + s)",
     ["sigmoid_grad"]),
    ("a01.sigmoid_grad", "def sigmoid_grad(z):\n    return z * (1.0 - z)",
     ["sigmoid_grad", "instead of s = sigmoid(z)"]),                               # at z, not sigmoid(z)
    ("a01.dense_sigmoid", "def dense_sigmoid(X, W, b):\n    return sigmoid(X @ W)", ["dense_sigmoid"]),
    ("a01.binary_cross_entropy", "def binary_cross_entropy(y, p):\n    p = np.clip(p, EPS, 1 - EPS)\n"
     "    return float(np.sum(-(y * np.log(p) + (1 - y) * np.log(1 - p))))",
     ["binary_cross_entropy", "mean"]),                                             # no mean
    ("a01.binary_cross_entropy", "def binary_cross_entropy(y, p):\n"
     "    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))",
     ["binary_cross_entropy"]),                                                     # no clipping
    ("a01.binary_cross_entropy_grad", "def binary_cross_entropy_grad(y, p):\n"
     "    p = np.clip(p, EPS, 1 - EPS)\n    return -(y / p) + (1 - y) / (1 - p)",
     ["binary_cross_entropy_grad"]),                                                # no 1/N
    ("a01.squared_error", "def squared_error(output, label):\n"
     "    return float(np.mean((output - label) ** 2))", ["squared_error"]),
    ("a01.squared_error_grad", "def squared_error_grad(output, label):\n"
     "    return (output - label) / output.shape[0]", ["squared_error_grad"]),       # no factor 2
]
