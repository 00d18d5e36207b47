"""Planted bugs for assignment 9: (task, buggy definition replacing the reference one, words the
failure must contain). ``_reference_<name>`` is the reference version of every function.

Every classic mistake of the assignment is here: a broadcast gradient not summed back; sub's and
div's second operand with the wrong sign; div's db without the square; matmul's transposes missing
or its gradients swapped; pow without the p - 1; mean not divided by the count, or divided by the
whole size; tanh and sigmoid differentiated as if `a` were their output; relu'(0) = 1; log's
derivative as grad * a; a gradient overwritten instead of accumulated; a node pulled back before its
users are done; root_grad ignored."""

BUGS = [
    # unbroadcast: the axes of 1 summed without keepdims; a mean for the sum; the leading axes only.
    ("a09.unbroadcast", "def unbroadcast(grad, shape):\n"
     "    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))\n"
     "    return grad.sum(axis=tuple(k for k, n in enumerate(shape) if n == 1))",
     ["unbroadcast", "expected shape (1, 4)", "the right sums in the wrong shape"]),
    ("a09.unbroadcast", "def unbroadcast(grad, shape):\n"
     "    grad = grad.mean(axis=tuple(range(grad.ndim - len(shape))))\n"
     "    return grad.mean(axis=tuple(k for k, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)",
     ["unbroadcast", "a mean where a sum belongs"]),
    ("a09.unbroadcast", "def unbroadcast(grad, shape):\n"
     "    while grad.ndim > len(shape):\n"
     "        grad = grad.sum(axis=0)\n"
     "    return grad",
     ["`unbroadcast` returned an array of shape (3, 4)", "expected shape (1, 4)"]),
    # The elementwise operations: add's gradients left in the broadcast shape; sub's db without its
    # minus; mul's operands swapped; div's db without the square, and with its sign flipped.
    ("a09.elementwise_backward", "def add_backward(grad, a, b):\n    return grad, grad",
     ["add_backward", "(da, shaped like `a`)", "a broadcast gradient not summed back"]),
    ("a09.elementwise_backward", "def sub_backward(grad, a, b):\n"
     "    return unbroadcast(grad, a.shape), unbroadcast(grad, b.shape)",
     ["sub_backward", "with respect to `b`", "check the sign"]),
    ("a09.elementwise_backward", "def mul_backward(grad, a, b):\n"
     "    return unbroadcast(grad * a, a.shape), unbroadcast(grad * b, b.shape)",
     ["mul_backward", "with respect to `a`", "the operand itself where the other one belongs"]),
    ("a09.elementwise_backward", "def div_backward(grad, a, b):\n"
     "    return unbroadcast(grad / b, a.shape), unbroadcast(-grad * a / b, b.shape)",
     ["div_backward", "with respect to `b`", "b where b ** 2 belongs"]),
    ("a09.elementwise_backward", "def div_backward(grad, a, b):\n"
     "    return unbroadcast(grad / b, a.shape), unbroadcast(grad * a / b ** 2, b.shape)",
     ["div_backward", "with respect to `b`", "check the sign"]),
    # matmul: b not transposed (square matrices: no shape error to tell); the two gradients swapped.
    ("a09.matmul_backward", "def matmul_backward(grad, a, b):\n    return grad @ b, a.T @ grad",
     ["matmul_backward", "with respect to `a`", "matmul's transposes misplaced"]),
    ("a09.matmul_backward", "def matmul_backward(grad, a, b):\n    return a.T @ grad, grad @ b.T",
     ["matmul_backward", "in the wrong order"]),
    # pow: a ** p where a ** (p - 1) belongs; the factor p left out.
    ("a09.pow_backward", "def pow_backward(grad, a, p):\n    return grad * p * a ** p",
     ["pow_backward", "a ** p where a ** (p - 1) belongs"]),
    ("a09.pow_backward", "def pow_backward(grad, a, p):\n    return grad * a ** (p - 1)",
     ["pow_backward", "the factor p missing"]),
    # sum and mean: the mean not divided; divided by the whole array's size; the summed axis not put
    # back before broadcasting.
    ("a09.reduce_backward", "def mean_backward(grad, shape, axis):\n    return sum_backward(grad, shape, axis)",
     ["mean_backward", "not divided by the count"]),
    ("a09.reduce_backward", "def mean_backward(grad, shape, axis):\n"
     "    return sum_backward(grad, shape, axis) / np.prod(shape)",
     ["mean_backward", "divided by the size of the whole array"]),
    ("a09.reduce_backward", "def sum_backward(grad, shape, axis):\n"
     "    return np.broadcast_to(grad, shape).astype(float)",
     ["sum_backward", "raised ValueError"]),
    # the unary operations: tanh's and sigmoid's derivatives taken at `a` as if it were the output;
    # relu'(0) = 1; log's derivative multiplied; exp's local derivative without grad.
    ("a09.unary_backward", "def tanh_backward(grad, a):\n    return grad * (1.0 - a ** 2)",
     ["tanh_backward", "`a` taken for the output"]),
    ("a09.unary_backward", "def sigmoid_backward(grad, a):\n    return grad * a * (1.0 - a)",
     ["sigmoid_backward", "`a` taken for the output"]),
    ("a09.unary_backward", "def relu_backward(grad, a):\n    return np.where(a >= 0, grad, 0.0)",
     ["relu_backward", "at index (0, 1)", "relu's derivative at 0 taken as 1"]),
    ("a09.unary_backward", "def log_backward(grad, a):\n    return grad * a",
     ["log_backward", "multiplied by `a` where dividing by it belongs"]),
    ("a09.unary_backward", "def exp_backward(grad, a):\n    return np.exp(a)",
     ["exp_backward", "the upstream `grad` not multiplied in"]),
    # topological order: the root first (a depth-first preorder); breadth first from the root,
    # reversed; no record of the nodes seen; every node of `parents`.
    ("a09.topological_order", "def topological_order(root, parents):\n"
     "    order, seen = [], set()\n"
     "    def visit(node):\n"
     "        if node not in seen:\n"
     "            seen.add(node)\n"
     "            order.append(node)\n"
     "            for operand in parents[node]:\n"
     "                visit(operand)\n"
     "    visit(root)\n"
     "    return order",
     ["topological_order", "'loss' comes before its operand"]),
    ("a09.topological_order", "def topological_order(root, parents):\n"
     "    order, queue = [], [root]\n"
     "    while queue:\n"
     "        node = queue.pop(0)\n"
     "        if node not in order:\n"
     "            order.append(node)\n"
     "            queue.extend(parents[node])\n"
     "    return order[::-1]",
     ["topological_order", "'sq' comes before its operand 'x'"]),
    ("a09.topological_order", "def topological_order(root, parents):\n"
     "    order = []\n"
     "    def visit(node):\n"
     "        for operand in parents[node]:\n"
     "            visit(operand)\n"
     "        order.append(node)\n"
     "    visit(root)\n"
     "    return order",
     ["topological_order", "'x' is in it twice"]),
    ("a09.topological_order", "def topological_order(root, parents):\n"
     "    order = []\n"
     "    def visit(node):\n"
     "        if node not in order:\n"
     "            for operand in parents[node]:\n"
     "                visit(operand)\n"
     "            order.append(node)\n"
     "    for node in parents:\n"
     "        visit(node)\n"
     "    return order",
     ["topological_order", "is in it, but 'loss' does not depend on it"]),
    # backward_pass: a share overwriting the gradient it should add to; breadth first from the root
    # (a node pulled back before its users are done); ones for root_grad; zeros for every node of
    # the graph, the ones the root does not depend on too.
    ("a09.backward_pass", "def backward_pass(root, parents, pullbacks, root_grad):\n"
     "    grads = {root: root_grad}\n"
     "    for node in reversed(topological_order(root, parents)):\n"
     "        for operand, pullback in zip(parents[node], pullbacks[node]):\n"
     "            grads[operand] = pullback(grads[node])\n"
     "    return grads",
     ["backward_pass", "wrong gradient for 'x'", "overwritten instead of accumulated"]),
    ("a09.backward_pass", "def backward_pass(root, parents, pullbacks, root_grad):\n"
     "    grads, order, queue = {root: root_grad}, [], [root]\n"
     "    while queue:\n"
     "        node = queue.pop(0)\n"
     "        if node not in order:\n"
     "            order.append(node)\n"
     "            queue.extend(parents[node])\n"
     "    for node in order:\n"
     "        for operand, pullback in zip(parents[node], pullbacks[node]):\n"
     "            grads[operand] = grads.get(operand, 0.0) + pullback(grads[node])\n"
     "    return grads",
     ["backward_pass", "wrong gradient for 'x'", "pulled back before its gradient was complete"]),
    ("a09.backward_pass", "def backward_pass(root, parents, pullbacks, root_grad):\n"
     "    return _reference_backward_pass(root, parents, pullbacks, np.ones_like(root_grad))",
     ["backward_pass", "gradient for the root 'loss'", "`root_grad` ignored"]),
    ("a09.backward_pass", "def backward_pass(root, parents, pullbacks, root_grad):\n"
     "    grads = {node: np.zeros(1) for node in parents}\n"
     "    grads.update(_reference_backward_pass(root, parents, pullbacks, root_grad))\n"
     "    return grads",
     ["backward_pass", "a gradient for 'side'", "does not depend on it"]),
]
