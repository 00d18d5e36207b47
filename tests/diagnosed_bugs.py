"""The planted bugs (tests/bugs_*.py) whose failures name their mistake, and the hints they get.

Keyed by task and the first 12 hex digits of the SHA-256 of the buggy source (its last line in the
comment). Every other planted bug gets no hint: `tests/test_planted_bugs.py` holds each bug to
exactly what is listed here, so a new hint on a bug is a decision, never an accident."""
from autograder.diagnose import (AT_Z, EPS_OUTSIDE_ROOT, HALF, MEAN_FOR_SUM,
                                 NO_BIAS_CORRECTION, OLD_VELOCITY, SIGN, SUM_FOR_MEAN, TWICE)

DIAGNOSED = {
    ('a01.sigmoid', '4e3f0abf6217'): {SIGN},  # return 1.0 / (1.0 + np.exp(z))
    ('a01.sigmoid_grad', 'f5675dbb2d76'): {AT_Z},  # return z * (1.0 - z)
    ('a01.binary_cross_entropy', '22da34397af3'): {SUM_FOR_MEAN},  # return float(np.sum(-(y * np.log(p) + (1…
    ('a01.binary_cross_entropy_grad', '5bce6afa1940'): {SUM_FOR_MEAN},  # return -(y / p) + (1 - y) / (1 - p)
    ('a01.squared_error_grad', 'c6b975b70d40'): {HALF},  # return (output - label) / output.shape[0]
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
    ('a03.affine_backward', '01914d5682ac'): {MEAN_FOR_SUM},  # return dout @ W.T, x.T @ dout, dout.mean(axis…
    ('a03.affine_backward', 'facc717d68c1'): {MEAN_FOR_SUM},  # return dout @ W.T, x.T @ dout / len(x), dout.…
    ('a03.sigmoid_ce_backward', '332ed775bfdf'): {SIGN},  # return (y - o) / len(o)
    ('a04.momentum_update', '615ee7ccf219'): {OLD_VELOCITY},  # return w + v, state
    ('a04.momentum_update', 'eabcb57c2c3b'): {SIGN},  # return w - state['velocity'], state
    ('a04.d_b2', '939959bf773f'): {SIGN},  # return -_reference_d_b2(X, y, b1, b2)
    ('a04.d_b2', 'ede5706ecdc0'): {SUM_FOR_MEAN},  # return float(np.sum((p - y) * np.cos(a) * x2))
    ('a05.adagrad_update', '0a8ebc991391'): {EPS_OUTSIDE_ROOT},  # return w - state['lr'] * dw / (np.sqrt(sta…
    ('a05.rmsprop_update', 'd09929afba90'): {EPS_OUTSIDE_ROOT},  # return w - state['lr'] * dw / (np.sqrt(sta…
    ('a05.adam_update', '8d3820a20eff'): {NO_BIAS_CORRECTION},  # return w - state['lr'] * state['m'] / np.sq…
    ('a05.adam_update', '3b2694bc90f9'): {EPS_OUTSIDE_ROOT},  # return w - state['lr'] * m_hat / (np.sqrt(v_h…
    ('a06.softmax_ce', '6f208656076c'): {TWICE},  # return probs - y
    ('a06.mse', 'd412b8a6057b'): {HALF},  # return cache / len(cache)
    ('a07.l2_penalty', 'fbada3bc9637'): {HALF, TWICE},  # return lam * sum(float(np.sum(W ** 2)) for W in wei…
    ('a07.l2_penalty', '26669dc4598f'): {TWICE},  # return 0.5 * lam * sum(float(np.sum(W ** 2)) for W in wei…
    ('a07.dropout_forward', '8bc1bf898eab'): {HALF},  # return (x * mask, mask) if train else (x, None)
    ('a07.dropout_forward', 'f188145b45e1'): {HALF},  # return x * (1 - p), None
}
