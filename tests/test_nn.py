"""functrans.nn and functrans.scipy.special against SciPy, and their
derivatives against finite differences."""
import numpy as np
import pytest
import scipy.special as ss

import functrans as ft
from functrans import nn
from functrans.scipy.special import erf, expit, logsumexp
from functrans.test_util import check_grads

rng = np.random.default_rng(6)
X = rng.standard_normal((3, 4))
BIG = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]])


@pytest.mark.parametrize("ours, reference", [
    (lambda x: logsumexp(x, axis=1), lambda x: ss.logsumexp(x, axis=1)),
    (lambda x: logsumexp(x), lambda x: ss.logsumexp(x)),
    (lambda x: logsumexp(x, axis=0, keepdims=True), lambda x: ss.logsumexp(x, axis=0, keepdims=True)),
    (nn.softmax, lambda x: ss.softmax(x, axis=-1)),
    (nn.log_softmax, lambda x: ss.log_softmax(x, axis=-1)),
    (nn.sigmoid, ss.expit), (expit, ss.expit), (erf, ss.erf),
    (nn.softplus, lambda x: np.logaddexp(x, 0.0)),
    (nn.relu, lambda x: np.maximum(x, 0.0)),
], ids=["logsumexp-axis", "logsumexp-all", "logsumexp-keepdims", "softmax", "log_softmax", "sigmoid",
        "expit", "erf", "softplus", "relu"])
def test_values_match_scipy_including_large_inputs(ours, reference):
    for x in (X, BIG):
        np.testing.assert_allclose(ours(x), reference(x), rtol=1e-12, atol=1e-12)
    smooth = ours is not nn.relu
    if smooth:
        check_grads(lambda x: ours(x), (X,), order=2)


def test_relu_derivative_at_zero_is_zero_as_in_jax():
    assert ft.grad(nn.relu)(0.0) == 0.0
    assert ft.grad(nn.relu)(2.0) == 1.0


def test_one_hot():
    np.testing.assert_array_equal(nn.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
