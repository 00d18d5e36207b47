"""Correct alternatives to the reference answers of assignment 1: gradient descent, the perceptron,
the sigmoid and its gradient, the dense layer, binary cross-entropy and squared error with their
gradients."""
from .catalogue import alternative

alternative("a01.gradient_descent", "python list", r'''
def gradient_descent(grad, x0, lr, n_steps):
    xs = [float(x0)]
    for _ in range(n_steps):
        x = xs[-1]
        x -= lr * grad(x)
        xs.append(x)
    return np.array(xs)
''')
alternative("a01.gradient_descent", "running scalar into zeros", r'''
def gradient_descent(grad, x0, lr, n_steps):
    x = float(x0)
    path = np.zeros(n_steps + 1)
    path[0] = x
    for t in range(n_steps):
        x = x - lr * grad(x)
        path[t + 1] = x
    return path
''')

alternative("a01.perceptron_predict", "a boolean cast to float", r'''
def perceptron_predict(X, w, b):
    return (X @ w + b >= 0).astype(np.float64)
''')
alternative("a01.perceptron_predict", "heaviside, 1 at 0", r'''
def perceptron_predict(X, w, b):
    return np.heaviside(np.dot(X, w) + b, 1.0)
''')
alternative("a01.perceptron_predict", "one row at a time", r'''
def perceptron_predict(X, w, b):
    return np.array([1.0 if float(np.sum(x * w)) + b >= 0 else 0.0 for x in X])
''')

alternative("a01.perceptron_train", "a while loop, each row through perceptron_predict", r'''
def perceptron_train(X, y, lr, max_epochs):
    w, b = np.zeros(X.shape[1]), 0.0
    mistakes, epoch = [], 0
    while epoch < max_epochs and (not mistakes or mistakes[-1] > 0):
        wrong = 0
        for x, label in zip(X, y):
            error = label - perceptron_predict(x[np.newaxis, :], w, b)[0]
            if error:
                w += lr * error * x
                b += lr * error
                wrong += 1
        mistakes.append(wrong)
        epoch += 1
    return w, float(b), mistakes
''')
alternative("a01.perceptron_train", "the bias as a weight on a column of ones", r'''
def perceptron_train(X, y, lr, max_epochs):
    augmented = np.hstack([X, np.ones((len(X), 1))])
    theta = np.zeros(augmented.shape[1])
    mistakes = []
    for _ in range(max_epochs):
        wrong = 0
        for row, label in zip(augmented, y):
            y_hat = float(row @ theta >= 0)
            theta = theta + lr * (label - y_hat) * row
            wrong += int(y_hat != label)
        mistakes.append(wrong)
        if wrong == 0:
            break
    return theta[:-1], float(theta[-1]), mistakes
''')

# The textbook formula: exp(1000) overflows to inf with a warning, and 1 / (1 + inf) is exactly 0.0,
# the right value. Checks judge values, not warnings (a student can switch numpy's warnings off).
alternative("a01.sigmoid", "textbook 1 / (1 + exp(-z)), overflowing harmlessly", r'''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, float)))
''')
alternative("a01.sigmoid", "tanh form", r'''
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float) / 2.0))
''')
alternative("a01.sigmoid", "logaddexp", r'''
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
''')
alternative("a01.sigmoid", "boolean masks", r'''
def sigmoid(z):
    z = np.array(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out
''')

alternative("a01.sigmoid_grad", "from exp(-|z|)", r'''
def sigmoid_grad(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return e / (1.0 + e) ** 2
''')
alternative("a01.sigmoid_grad", "s(z) s(-z)", r'''
def sigmoid_grad(z):
    z = np.asarray(z, dtype=float)
    return sigmoid(z) * sigmoid(-z)
''')
alternative("a01.sigmoid_grad", "s - s^2", r'''
def sigmoid_grad(z):
    s = sigmoid(z)
    return s - s * s
''')

alternative("a01.dense_sigmoid", "einsum", r'''
def dense_sigmoid(X, W, b):
    return sigmoid(np.einsum("nd,dm->nm", X, W) + b[np.newaxis, :])
''')
alternative("a01.dense_sigmoid", "bias as a column of ones", r'''
def dense_sigmoid(X, W, b):
    augmented = np.hstack([X, np.ones((X.shape[0], 1))])
    return sigmoid(augmented @ np.vstack([W, b]))
''')

alternative("a01.binary_cross_entropy", "np.where with log1p", r'''
def binary_cross_entropy(y, p):
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(np.where(y == 1, np.log(p), np.log1p(-p))))
''')
alternative("a01.binary_cross_entropy", "sum over N, clip with minimum/maximum", r'''
def binary_cross_entropy(y, p):
    p = np.minimum(np.maximum(p, EPS), 1.0 - EPS)
    total = np.sum(y * np.log(p)) + np.sum((1.0 - y) * np.log(1.0 - p))
    return float(-total / len(y))
''')

alternative("a01.binary_cross_entropy", "floors on p and 1 - p", r'''
def binary_cross_entropy(y, p):
    return float(-np.mean(y * np.log(np.maximum(p, EPS)) + (1 - y) * np.log(np.maximum(1 - p, EPS))))
''')

alternative("a01.binary_cross_entropy_grad", "(p - y) / (p (1 - p) N)", r'''
def binary_cross_entropy_grad(y, p):
    p = np.clip(p, EPS, 1 - EPS)
    return (p - y) / (p * (1 - p)) / len(y)
''')
alternative("a01.binary_cross_entropy_grad", "floors on p and 1 - p", r'''
def binary_cross_entropy_grad(y, p):
    q = np.maximum(1 - p, EPS)
    p = np.maximum(p, EPS)
    return (-(y / p) + (1 - y) / q) / len(y)
''')

alternative("a01.squared_error", "sum / N", r'''
def squared_error(output, label):
    return float(np.sum((output - label) ** 2) / output.shape[0])
''')
alternative("a01.squared_error", "einsum", r'''
def squared_error(output, label):
    d = output - label
    return float(np.einsum("nk,nk->", d, d) / len(d))
''')

alternative("a01.squared_error_grad", "scaled difference", r'''
def squared_error_grad(output, label):
    return np.subtract(output, label) * (2.0 / len(output))
''')
