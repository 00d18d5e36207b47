"""Correct alternatives to the reference answers of assignment 9 (automatic differentiation): summing a
broadcast gradient back, each operation's backward pass, a topological order (any valid one: other
algorithms give other orders) and the backward pass of a graph."""
from .catalogue import alternative

alternative("a09.unbroadcast", "np.add.reduce over the axes, one reshape at the end", r"""
def unbroadcast(grad, shape):
    grad = np.asarray(grad, dtype=float)
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + k for k, n in enumerate(shape) if n == 1)
    return np.add.reduce(grad, axis=axes).reshape(shape)
""")
alternative("a09.unbroadcast", "a loop from the right, np.sum(..., keepdims=True) on each stretched axis", r"""
def unbroadcast(grad, shape):
    out = np.array(grad, dtype=float)
    for k in range(1, out.ndim + 1):
        if k > len(shape) or (shape[-k] == 1 and out.shape[-k] != 1):
            out = np.sum(out, axis=-k, keepdims=True)
    return out.reshape(shape)
""")
alternative("a09.elementwise_backward", "one helper of its own, in-place negation and division", r"""
def _back_to(g, a):
    g = np.array(g, dtype=float)
    while g.ndim > np.ndim(a):
        g = g.sum(axis=0)
    for k, n in enumerate(np.shape(a)):
        if n == 1:
            g = g.sum(axis=k, keepdims=True)
    return g

def add_backward(grad, a, b):
    return _back_to(grad, a), _back_to(grad, b)

def sub_backward(grad, a, b):
    db = _back_to(grad, b)
    db *= -1.0
    return _back_to(grad, a), db

def mul_backward(grad, a, b):
    return _back_to(np.multiply(grad, b), a), _back_to(np.multiply(grad, a), b)

def div_backward(grad, a, b):
    da = grad / b
    db = da * a
    db /= b
    np.negative(db, out=db)
    return unbroadcast(da, np.shape(a)), unbroadcast(db, np.shape(b))
""")
alternative("a09.matmul_backward", "einsum", r"""
def matmul_backward(grad, a, b):
    return np.einsum("nm,dm->nd", grad, b), np.einsum("nd,nm->dm", a, grad)
""")
alternative("a09.matmul_backward", "np.dot with the transposes on the other side: (b @ grad.T).T", r"""
def matmul_backward(grad, a, b):
    return np.dot(b, grad.T).T, np.dot(grad.T, a).T
""")
alternative("a09.pow_backward", "np.power, the exponent first", r"""
def pow_backward(grad, a, p):
    return p * np.power(a, p - 1.0) * grad
""")
alternative("a09.reduce_backward", "np.repeat along the axis; the count as the sizes' ratio", r"""
def sum_backward(grad, shape, axis):
    if axis is None:
        return np.full(shape, float(grad))
    axis = axis % len(shape)
    return np.repeat(np.expand_dims(grad, axis), shape[axis], axis=axis).astype(float)

def mean_backward(grad, shape, axis):
    return sum_backward(grad, shape, axis) * (np.size(grad) / np.prod(shape))
""")
alternative("a09.reduce_backward", "ones times grad, the axis put back by reshape", r"""
def sum_backward(grad, shape, axis):
    kept = list(shape)
    if axis is None:
        kept = [1] * len(shape)
    else:
        kept[axis] = 1
    return np.ones(shape) * np.reshape(grad, kept)

def mean_backward(grad, shape, axis):
    count = shape[axis] if axis is not None else int(np.prod(shape))
    return sum_backward(np.asarray(grad) / count, shape, axis)
""")
alternative("a09.unary_backward", "1/cosh^2, sigmoid from exp(-|a|), reciprocal, heaviside", r"""
def exp_backward(grad, a):
    return np.exp(a) * grad

def log_backward(grad, a):
    return grad * np.reciprocal(a)

def tanh_backward(grad, a):
    return grad / np.cosh(a) ** 2

def sigmoid_backward(grad, a):
    e = np.exp(-np.abs(a))
    return grad * e / (1.0 + e) ** 2

def relu_backward(grad, a):
    return grad * np.heaviside(a, 0.0)
""")
alternative("a09.unary_backward", "np.where, and the derivatives through the outputs", r"""
def tanh_backward(grad, a):
    t = np.tanh(a)
    return grad * (1.0 - t * t)

def sigmoid_backward(grad, a):
    s = 1.0 / (1.0 + np.exp(-a))
    return grad * (s - s * s)

def relu_backward(grad, a):
    return np.where(a > 0, grad, 0.0)
""")
alternative("a09.topological_order", "Kahn's algorithm on the nodes the root depends on", r"""
def topological_order(root, parents):
    needed, stack = {root}, [root]
    while stack:
        for p in parents[stack.pop()]:
            if p not in needed:
                needed.add(p)
                stack.append(p)
    waiting = {n: len(parents[n]) for n in needed}
    users = {n: [] for n in needed}
    for n in needed:
        for p in parents[n]:
            users[p].append(n)
    ready = sorted(n for n in needed if waiting[n] == 0)
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for user in users[node]:
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return order
""")
alternative("a09.topological_order", "iterative depth first, an explicit stack of (node, expanded)", r"""
def topological_order(root, parents):
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded:
            done.add(node)
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(parents[node]) if p not in done)
    return order
""")
alternative("a09.topological_order", "reversed postorder of a depth-first walk along the users", r"""
def topological_order(root, parents):
    needed, stack = {root}, [root]
    while stack:
        for p in parents[stack.pop()]:
            if p not in needed:
                needed.add(p)
                stack.append(p)
    users = {n: [u for u in needed if n in parents[u]] for n in needed}
    post, seen = [], set()

    def walk(node):
        seen.add(node)
        for user in sorted(users[node]):
            if user not in seen:
                walk(user)
        post.append(node)
    for node in sorted(needed):
        if not parents[node] and node not in seen:
            walk(node)
    return post[::-1]
""")
alternative("a09.topological_order", "nodes sorted by their height above the inputs", r"""
def topological_order(root, parents):
    height = {}

    def measure(node):
        if node not in height:
            height[node] = 1 + max((measure(p) for p in parents[node]), default=-1)
        return height[node]
    measure(root)
    return sorted(height, key=lambda n: (height[n], n))
""")
alternative("a09.backward_pass", "in-place accumulation (+=) into zeros made on first use", r"""
def backward_pass(root, parents, pullbacks, root_grad):
    order = topological_order(root, parents)
    grads = {root: np.array(root_grad, dtype=float)}
    for node in order[::-1]:
        for operand, pullback in zip(parents[node], pullbacks[node]):
            share = pullback(grads[node])
            if operand not in grads:
                grads[operand] = np.zeros_like(share)
            grads[operand] += share
    return grads
""")
alternative("a09.backward_pass", "a defaultdict of 0.0, indices from the end, a number for a 0-d gradient", r"""
from collections import defaultdict

def backward_pass(root, parents, pullbacks, root_grad):
    order = topological_order(root, parents)
    grads = defaultdict(float)
    grads[root] = root_grad
    for k in range(len(order) - 1, -1, -1):
        node = order[k]
        for i, operand in enumerate(parents[node]):
            grads[operand] = grads[operand] + pullbacks[node][i](grads[node])
    return {node: (float(g) if np.ndim(g) == 0 else g) for node, g in grads.items()}
""")
