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



def _train(loop: str = "for _ in range(max_epochs):", check: str = "X[i] @ w + b >= 0",
           update: str = "w = w + lr * (y[i] - y_hat) * X[i]\nb = b + lr * (y[i] - y_hat)",
           order: str = "range(len(X))", end: str = "mistakes.append(count)\nif count == 0:\n    break") -> str:
    """perceptron_train as the notebook states it, with one piece replaced by a buggy one."""
    return ("def perceptron_train(X, y, lr, max_epochs):\n"
            "    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []\n"
            f"    {loop}\n"
            "        count = 0\n"
            f"        for i in {order}:\n"
            f"            y_hat = 1.0 if {check} else 0.0\n"
            "            if y_hat != y[i]:\n"
            "                " + update.replace("\n", "\n" + " " * 16) + "\n"
            "                count += 1\n"
            "        " + end.replace("\n", "\n" + " " * 8) + "\n"
            "    return w, float(b), mistakes")

BUGS += [
    ("a01.perceptron_predict", "def perceptron_predict(X, w, b):\n"
     "    return np.where(X @ w + b > 0, 1.0, 0.0)", ["perceptron_predict"]),          # step(0) = 0
    ("a01.perceptron_predict", "def perceptron_predict(X, w, b):\n    return X @ w + b >= 0",
     ["perceptron_predict", "dtype bool"]),                                         # booleans
    ("a01.perceptron_predict", "def perceptron_predict(X, w, b):\n"
     "    return np.where(X @ w >= 0, 1.0, 0.0)", ["perceptron_predict"]),              # no bias
    ("a01.perceptron_train", _train(check="X[i] @ w + b > 0"), ["perceptron_train", "mistakes"]),  # step(0) = 0
    ("a01.perceptron_train", _train(update="w = w + lr * (y[i] - y_hat) * X[i]"),
     ["perceptron_train", "b=0.0"]),                                                # the bias never updated
    ("a01.perceptron_train", _train(update="w = w - lr * (y[i] - y_hat) * X[i]\nb = b - lr * (y[i] - y_hat)"),
     ["perceptron_train"]),                                                          # the update's sign
    ("a01.perceptron_train", "def perceptron_train(X, y, lr, max_epochs):\n"        # every sample moves w, b
     "    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []\n"
     "    for _ in range(max_epochs):\n"
     "        count = 0\n"
     "        for i in range(len(X)):\n"
     "            y_hat = 1.0 if X[i] @ w + b >= 0 else 0.0\n"
     "            w = w + lr * (2 * y[i] - 1) * X[i]\n"
     "            b = b + lr * (2 * y[i] - 1)\n"
     "            count += int(y_hat != y[i])\n"
     "        mistakes.append(count)\n"
     "        if count == 0:\n"
     "            break\n"
     "    return w, float(b), mistakes", ["perceptron_train"]),
    ("a01.perceptron_train", _train(order="np.random.default_rng(0).permutation(len(X))"),
     ["perceptron_train"]),                                                          # shuffled every epoch
    ("a01.perceptron_train", _train(loop="for _ in range(max_epochs + 1):"), ["perceptron_train", "mistakes"]),
    ("a01.perceptron_train", _train(loop="for _ in range(max_epochs - 1):"), ["perceptron_train", "mistakes"]),
    ("a01.perceptron_train", _train(end="if count == 0:\n    break\nmistakes.append(count)"),
     ["perceptron_train", "mistakes"]),                                              # the clean epoch not counted
    ("a01.perceptron_train", _train(update="w = w + (y[i] - y_hat) * X[i]\nb = b + (y[i] - y_hat)"),
     ["perceptron_train"]),                                                          # lr left out
]
