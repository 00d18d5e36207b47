"""The planted bugs (tests/bugs_*.py) whose failures name their mistake, and the hints they get.

Keyed by task and the first 12 hex digits of the SHA-256 of the buggy source (its last line in the
comment). Every other planted bug gets no hint: `tests/test_planted_bugs.py` holds each bug to
exactly what is listed here, so a new hint on a bug is a decision, never an accident."""
from autograder.diagnose import (AT_OUTPUT, AT_Z, BEFORE_TANH, BIAS_ROW, CLIP_ALWAYS,
                                 CLIP_PER_ARRAY, EPS_OUTSIDE_ROOT, EPS_WRITTEN_IN, EVAL_BATCH,
                                 FIRST_STEP_MOMENTUM, GRADS_ORDER, HALF, MASK_IGNORED,
                                 MEAN_FOR_SUM, MEAN_OVER_ALL, MOMENTUM_TERM_SIGN, NEW_TERM_WEIGHT,
                                 NEXT_STEP, NOT_CARRIED, NOT_SQUARED, NOT_SUMMED, NO_BIAS,
                                 NO_BIAS_CORRECTION, NO_DOUT, NO_GRADIENT_TERM, NO_LOOK_AHEAD,
                                 OLD_VELOCITY, ONE_PIECE, ONE_STEP_SHORT, PADDING_FIRST,
                                 PADDING_ZEROED, PLAIN_GD, SIGMOID_SLOPE, SIGN, STALE_V,
                                 STATE_WH_T, STEP_SIGN, SUM_FOR_MEAN, TRANSPOSED, TWICE,
                                 T_BEFORE_ADDING, UNBIASED_VAR, WEIGHTS_SWAPPED, WRONG_AXIS,
                                 WRONG_BETA)
from autograder.diagnose import (EPOCH_TOO_FEW, EPOCH_TOO_MANY, NO_BIAS_UPDATE, NO_CLEAN_EPOCH,
                                 STRICT_STEP)
from autograder.diagnose import (DIV_SQUARE, INPUT_AS_OUTPUT, LOG_TIMES, MATMUL_TRANSPOSES,
                                 MEAN_BY_SIZE, MEAN_NOT_DIVIDED, NOT_UNBROADCAST, NO_GRAD,
                                 OPERAND_SWAPPED, OVERWRITTEN, POW_EXPONENT, POW_FACTOR,
                                 PULLED_TOO_SOON, RELU_AT_ZERO, REVERSED_ORDER, ROOT_GRAD_IGNORED,
                                 SUMS_MISSHAPED)

DIAGNOSED = {
    ('a01.gradient_descent', '06487ee0a7fb'): {ONE_STEP_SHORT},  # return np.array(xs)
    ('a01.gradient_descent', '366715ba86e8'): {SIGN},  # return np.array(xs)
    ('a01.sigmoid', '4e3f0abf6217'): {SIGN},  # return 1.0 / (1.0 + np.exp(z))
    ('a01.sigmoid_grad', '906cc0708fd6'): {SIGN},  # return s * (1.0 + s)
    ('a01.sigmoid_grad', 'f5675dbb2d76'): {AT_Z},  # return z * (1.0 - z)
    ('a01.dense_sigmoid', 'a112cce629c2'): {NO_BIAS},  # return sigmoid(X @ W)
    ('a01.binary_cross_entropy', '22da34397af3'): {SUM_FOR_MEAN},  # return float(np.sum(-(y * np.log(p) + (1…
    ('a01.binary_cross_entropy_grad', '5bce6afa1940'): {SUM_FOR_MEAN},  # return -(y / p) + (1 - y) / (1 - p)
    ('a01.squared_error', 'b5a74ec8e214'): {MEAN_OVER_ALL},  # return float(np.mean((output - label) **…
    ('a01.squared_error_grad', 'c6b975b70d40'): {HALF},  # return (output - label) / output.shape[0…
    ('a01.perceptron_predict', '2f15761173f9'): {STRICT_STEP},  # return np.where(X @ w + b > 0, 1.0, 0.0)
    ('a01.perceptron_predict', '871c8a865928'): {NO_BIAS},  # return np.where(X @ w >= 0, 1.0, 0.0)
    ('a01.perceptron_train', '0c8ede9bb8c1'): {STRICT_STEP},  # return w, float(b), mistakes (z > 0)
    ('a01.perceptron_train', '03858d5591c3'): {NO_BIAS_UPDATE},  # return w, float(b), mistakes (b never updated)
    ('a01.perceptron_train', '79e8001ff6b8'): {SIGN},  # return w, float(b), mistakes (w - lr ..., b - lr ...)
    ('a01.perceptron_train', '05b51e6864ed'): {EPOCH_TOO_MANY},  # return w, float(b), mistakes (max_epochs + 1)
    ('a01.perceptron_train', 'd163daa74d7a'): {EPOCH_TOO_FEW},  # return w, float(b), mistakes (max_epochs - 1)
    ('a01.perceptron_train', 'a74422ba401b'): {NO_CLEAN_EPOCH},  # return w, float(b), mistakes (the 0 not appended)
    ('a02.loss', '3472993f737f'): {SIGN},  # return float(np.mean(y * np.log(o) + (1 - y) * np.log(1 - o)
    ('a02.d_w10', 'f4ad1dac098e'): {SIGN},  # return -_reference_d_w10(X, y, w)
    ('a02.d_w10', '430106a5a541'): {HALF},  # return 0.5 * _reference_d_w10(X, y, w)
    ('a02.d_w11', '35e0cb4c6d11'): {SIGN},  # return -_reference_d_w11(X, y, w)
    ('a02.d_w11', '34ac1ca035e8'): {HALF},  # return 0.5 * _reference_d_w11(X, y, w)
    ('a02.d_w12', 'c8e205bae745'): {SIGN},  # return -_reference_d_w12(X, y, w)
    ('a02.d_w12', '7f08e2e94d35'): {HALF},  # return 0.5 * _reference_d_w12(X, y, w)
    ('a02.d_w20', '7cebc66c9e1a'): {SIGN},  # return -_reference_d_w20(X, y, w)
    ('a02.d_w20', '66b7e1e785b9'): {HALF},  # return 0.5 * _reference_d_w20(X, y, w)
    ('a02.d_w21', '122ec740cfe9'): {SIGN},  # return -_reference_d_w21(X, y, w)
    ('a02.d_w21', '036e4d4f0d7c'): {HALF},  # return 0.5 * _reference_d_w21(X, y, w)
    ('a02.d_w22', 'e5c3528af92c'): {SIGN},  # return -_reference_d_w22(X, y, w)
    ('a02.d_w22', 'aa46895b4129'): {HALF},  # return 0.5 * _reference_d_w22(X, y, w)
    ('a02.d_w30', 'ed18986ac008'): {SIGN},  # return -_reference_d_w30(X, y, w)
    ('a02.d_w30', 'df6a245d496a'): {HALF},  # return 0.5 * _reference_d_w30(X, y, w)
    ('a02.d_w31', 'b3d8983a3db5'): {SIGN},  # return -_reference_d_w31(X, y, w)
    ('a02.d_w31', 'c4ba5dc3d586'): {HALF},  # return 0.5 * _reference_d_w31(X, y, w)
    ('a02.d_w32', 'ecb1af1bf98d'): {SIGN},  # return -_reference_d_w32(X, y, w)
    ('a02.d_w32', 'b3fc01f02d34'): {HALF},  # return 0.5 * _reference_d_w32(X, y, w)
    ('a03.affine_forward', 'b6c857062360'): {NO_BIAS},  # return x @ W, (x, W)
    ('a03.affine_forward', '96220228178e'): {TRANSPOSED},  # return (x @ W + b).T, (x, W)
    ('a03.affine_backward', '01914d5682ac'): {MEAN_FOR_SUM},  # return dout @ W.T, x.T @ dout, dout.mean(axis…
    ('a03.affine_backward', 'facc717d68c1'): {MEAN_FOR_SUM},  # return dout @ W.T, x.T @ dout / len(x), dout.…
    ('a03.sigmoid_backward', 'cd71cd9f41d0'): {NO_DOUT},  # return cache * (1.0 - cache)
    ('a03.sigmoid_backward', '7272c909b99b'): {AT_OUTPUT},  # return dout * s * (1.0 - s)
    ('a03.sigmoid_ce_forward', '4ffc5693c588'): {SUM_FOR_MEAN},  # return loss * len(scores), cache
    ('a03.sigmoid_ce_backward', '635ed4981361'): {SUM_FOR_MEAN},  # return o - y
    ('a03.sigmoid_ce_backward', '332ed775bfdf'): {SIGN},  # return (y - o) / len(o)
    ('a03.grad_o', '8d36f391aeee'): {SUM_FOR_MEAN},  # return g
    ('a03.grad_o', '702f28dd5883'): {NEXT_STEP},  # return g
    ('a03.grad_l2', 'dd4ad24837eb'): {SUM_FOR_MEAN},  # return g
    ('a03.grad_l2', '2cd7ebfe2c64'): {SIGMOID_SLOPE},  # return g
    ('a03.grad_W2', '95ba86daa7df'): {BIAS_ROW},  # return g
    ('a03.grad_W2', '32bdbe45d116'): {BIAS_ROW},  # return g
    ('a03.grad_W2', 'f3233cd39fd1'): {MEAN_FOR_SUM},  # return g
    ('a03.grad_h1', 'd53a2511a0c4'): {BIAS_ROW},  # return g
    ('a03.grad_h1', '3c5d1bbcaebb'): {BIAS_ROW},  # return g
    ('a03.grad_l1', 'f295acd24fa5'): {AT_Z},  # return g
    ('a03.grad_l1', '3e4f1c149f3c'): {SIGMOID_SLOPE},  # return g
    ('a03.grad_W1', '7a9392d16b63'): {BIAS_ROW},  # return g
    ('a03.grad_W1', 'aef1aad5d3cc'): {BIAS_ROW},  # return g
    ('a03.parameter_count', 'c2d32a24c6a2'): {NO_BIAS},  # return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    ('a03.parameter_count', 'e79ec42ddbed'): {ONE_STEP_SHORT},  # return sum(a * b + b for a, b in zip(sizes[:-2], s…
    ('a04.momentum_descent', '78a5830f3613'): {FIRST_STEP_MOMENTUM},  # return np.array(xs)
    ('a04.momentum_descent', '2c62a2ea1442'): {MOMENTUM_TERM_SIGN},  # return np.array(xs)
    ('a04.momentum_descent', '08ad74c62c33'): {MOMENTUM_TERM_SIGN},  # return np.array(xs)
    ('a04.momentum_update', '701452a8fb92'): {PLAIN_GD},  # return w - state['lr'] * dw, state
    ('a04.momentum_update', '615ee7ccf219'): {OLD_VELOCITY},  # return w + v, state
    ('a04.momentum_update', 'eabcb57c2c3b'): {SIGN},  # return w - state['velocity'], state
    ('a04.d_b2', '939959bf773f'): {SIGN},  # return -_reference_d_b2(X, y, b1, b2)
    ('a04.d_b2', 'ede5706ecdc0'): {SUM_FOR_MEAN},  # return float(np.sum((p - y) * np.cos(a) * x2))
    ('a04.relu_backward', 'e6d6a3811384'): {ONE_PIECE},  # return dout * (cache >= 0)
    ('a04.relu_backward', 'cf7b38c7f51f'): {NO_DOUT, ONE_PIECE},  # return (cache > 0).astype(float)
    ('a04.relu_backward', '2e5eaf362bf5'): {ONE_PIECE},  # return np.maximum(dout, 0.0)
    ('a05.sgd_update', '9ca52fa1d579'): {STEP_SIGN},  # return w + state['lr'] * dw, state
    ('a05.nesterov_update', '432363980436'): {NO_LOOK_AHEAD},  # return momentum_update(w, dw, state)
    ('a05.nesterov_update', '52dd48639dbc'): {NO_GRADIENT_TERM},  # return w + state['rho'] * v, state
    ('a05.adagrad_update', '98e6a0f76c9a'): {NOT_SQUARED},  # return w - state['lr'] * dw / np.sqrt(stat…
    ('a05.adagrad_update', '0a8ebc991391'): {EPS_OUTSIDE_ROOT},  # return w - state['lr'] * dw / (np.sqrt(sta…
    ('a05.adagrad_update', '09fcb9618b1a'): {NOT_CARRIED},  # return w - state['lr'] * dw / np.sqrt(stat…
    ('a05.adagrad_update', 'c51b8be4216f'): {STALE_V},  # return w - state['lr'] * dw / np.sqrt(v + …
    ('a05.adagrad_update', '1c698370925e'): {EPS_WRITTEN_IN},  # return w - state['lr'] * dw / np.sqrt(stat…
    ('a05.rmsprop_update', '92c2d7d0cc06'): {NEW_TERM_WEIGHT},  # return w - state['lr'] * dw / np.sqrt(stat…
    ('a05.rmsprop_update', '4262bb0f97ab'): {WEIGHTS_SWAPPED},  # return w - state['lr'] * dw / np.sqrt(stat…
    ('a05.rmsprop_update', 'd09929afba90'): {EPS_OUTSIDE_ROOT},  # return w - state['lr'] * dw / (np.sqrt(sta…
    ('a05.adam_update', '8d3820a20eff'): {NO_BIAS_CORRECTION},  # return w - state['lr'] * state['m'] / np.sq…
    ('a05.adam_update', 'ffe331cfc651'): {EPS_WRITTEN_IN},  # return w - state['lr'] * m_hat / np.sqrt(v…
    ('a05.adam_update', '1d6cf9e46ad8'): {T_BEFORE_ADDING},  # return w - state['lr'] * m_hat / np.sqrt(v…
    ('a05.adam_update', '48f34ebff482'): {T_BEFORE_ADDING},  # return w - state['lr'] * m_hat / np.sqrt(v…
    ('a05.adam_update', '3b2694bc90f9'): {EPS_OUTSIDE_ROOT},  # return w - state['lr'] * m_hat / (np.sqrt(v_h…
    ('a05.adam_update', '86680cebde1d'): {NOT_SQUARED},  # return w - state['lr'] * m_hat / np.sqrt(n…
    ('a05.adam_update', 'f8907c6eb41f'): {WRONG_BETA},  # return w - state['lr'] * m_hat / np.sqrt(v…
    ('a06.softmax_ce', 'f20df1e06a6c'): {SUM_FOR_MEAN},  # return loss * len(scores), cache
    ('a06.softmax_ce', '6f208656076c'): {SUM_FOR_MEAN},  # return probs - y
    ('a06.mse', 'c5f76e745726'): {MEAN_OVER_ALL},  # return float(np.mean(diff ** 2)), diff
    ('a06.mse', 'd412b8a6057b'): {HALF},  # return cache / len(cache)
    ('a06.mse', '5d17cc4c08c0'): {MEAN_OVER_ALL},  # return 2 * cache / cache.size
    ('a06.tanh', '9c8f23bd3ffd'): {AT_OUTPUT},  # return dout * (1.0 - np.tanh(cache) ** 2…
    ('a06.leaky_relu', '3ad3eb7bc41f'): {ONE_PIECE},  # return dout * (x > 0)
    ('a06.prelu', 'd0f84c655728'): {NOT_SUMMED},  # return dout * np.where(x > 0, 1.0, alpha…
    ('a06.elu', '503314d3ed7a'): {ONE_PIECE},  # return dout * np.where(x > 0, 1.0, out)
    ('a06.selu', '9e1d0461e51d'): {ONE_PIECE},  # return out, (x, out)
    ('a06.hard_sigmoid', '6593c4b19aa0'): {ONE_PIECE},  # return 0.2 * dout
    ('a07.l2_penalty', 'fbada3bc9637'): {HALF, TWICE},  # return lam * sum(float(np.sum(W ** 2)) for W in wei…
    ('a07.l2_penalty', '26669dc4598f'): {TWICE},  # return 0.5 * lam * sum(float(np.sum(W ** 2)) for W in wei…
    ('a07.dropout_forward', '8bc1bf898eab'): {HALF},  # return (x * mask, mask) if train else (x, None)
    ('a07.dropout_forward', 'f188145b45e1'): {HALF},  # return x * (1 - p), None
    ('a07.batchnorm_forward', '3f9e23f7d272'): {UNBIASED_VAR},  # return gamma * x_hat + beta, {'x_hat': x…
    ('a07.batchnorm_forward', '4bb5f5162b2f'): {WEIGHTS_SWAPPED},  # return _reference_batchnorm_forward(x, g…
    ('a07.batchnorm_forward', 'a545a4056d5d'): {EVAL_BATCH},  # return out, (cache if train else {'runni…
    ('a07.batchnorm_backward', '2609807dfddc'): {GRADS_ORDER},  # return dx, dout.sum(axis=0), dgamma
    ('a07.layernorm_forward', '086cf179ea12'): {WRONG_AXIS},  # return gamma * x_hat + beta, x_hat
    ('a07.layernorm_forward', '1e19b6ca6136'): {EPS_WRITTEN_IN},  # return gamma * x_hat + beta, {'x_hat': x_hat, …
    ('a08.encode_batch', 'b4e2dc4e1b70'): {PADDING_FIRST},  # return xs, mask
    ('a08.rnn_step_forward', 'd060298ec1a3'): {STATE_WH_T},  # return h, (x, h_prev, Wx, Wh, h)
    ('a08.rnn_step_forward', '804aa995b474'): {NO_BIAS},  # return h, (x, h_prev, Wx, Wh, h)
    ('a08.rnn_step_forward', '0c56f3c0b553'): {BEFORE_TANH},  # return z, (x, h_prev, Wx, Wh, np.tanh(z))
    ('a08.rnn_step_backward', '1374c4e642d5'): {MEAN_FOR_SUM},  # return dx, dh_prev, dWx, dWh, db / dh.sh…
    ('a08.rnn_forward', '2fccdc3afc02'): {MASK_IGNORED},  # return _reference_rnn_forward(xs, h0, Wx…
    ('a08.rnn_forward', 'a0341d9daab3'): {PADDING_ZEROED},  # return hs, cache
    ('a08.rnn_forward', '4ea43bcb64fc'): {NOT_CARRIED},  # return hs, (caches, mask)
    ('a08.clip_gradients', 'cce3b66de0f1'): {CLIP_PER_ARRAY},  # return [g * min(1.0, max_norm / np.linal…
    ('a08.clip_gradients', '3f137d8e57ae'): {CLIP_ALWAYS},  # return [g * max_norm / max(norm, 1e-12) …
    ('a09.unbroadcast', '208c9adfce10'): {SUMS_MISSHAPED},  # return grad.sum(axis=tuple(k for k, n in…
    ('a09.unbroadcast', 'f9882a73484d'): {MEAN_FOR_SUM},  # return grad.mean(axis=tuple(k for k, n i…
    ('a09.elementwise_backward', '20159d9ff6a6'): {NOT_UNBROADCAST},  # return grad, grad
    ('a09.elementwise_backward', '358a3d20ce3d'): {SIGN},  # return unbroadcast(grad, a.shape), unbro…
    ('a09.elementwise_backward', '241ee1ca6a87'): {OPERAND_SWAPPED},  # return unbroadcast(grad * a, a.shape), u…
    ('a09.elementwise_backward', '3b4635d58056'): {DIV_SQUARE},  # return unbroadcast(grad / b, a.shape), u…
    ('a09.elementwise_backward', 'f277a84d5aad'): {SIGN},  # return unbroadcast(grad / b, a.shape), u…
    ('a09.matmul_backward', '487249fee337'): {MATMUL_TRANSPOSES},  # return grad @ b, a.T @ grad
    ('a09.matmul_backward', '6f1cf32c92d9'): {GRADS_ORDER},  # return a.T @ grad, grad @ b.T
    ('a09.pow_backward', '356471262c6f'): {POW_EXPONENT},  # return grad * p * a ** p
    ('a09.pow_backward', 'ca67abfa54ac'): {POW_FACTOR},  # return grad * a ** (p - 1)
    ('a09.reduce_backward', '7b86701fe30d'): {MEAN_NOT_DIVIDED},  # return sum_backward(grad, shape, axis)
    ('a09.reduce_backward', 'a9c5c0f9931c'): {MEAN_BY_SIZE},  # return sum_backward(grad, shape, axis) /…
    ('a09.unary_backward', 'f5c98bbe3e69'): {INPUT_AS_OUTPUT},  # return grad * (1.0 - a ** 2)
    ('a09.unary_backward', '31cf1444ce4f'): {INPUT_AS_OUTPUT},  # return grad * a * (1.0 - a)
    ('a09.unary_backward', 'd1f9b1f8c778'): {RELU_AT_ZERO},  # return np.where(a >= 0, grad, 0.0)
    ('a09.unary_backward', 'a7516310abf2'): {LOG_TIMES},  # return grad * a
    ('a09.unary_backward', 'cbdb13793a20'): {NO_GRAD},  # return np.exp(a)
    ('a09.topological_order', '241f0e0a9be1'): {REVERSED_ORDER},  # return order
    ('a09.backward_pass', '19a98eebd6b6'): {OVERWRITTEN},  # return grads
    ('a09.backward_pass', 'f816f3d8bae5'): {PULLED_TOO_SOON},  # return grads
    ('a09.backward_pass', '7f6f2c2cef06'): {ROOT_GRAD_IGNORED},  # return _reference_backward_pass(root, pa…
}
