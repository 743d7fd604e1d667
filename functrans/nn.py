"""functrans.nn: activation and normalisation functions of neural networks,
as in `jax.nn`. All are compositions of functrans.numpy; the only rule here
is relu's JVP, which (as JAX's) takes the derivative at 0 to be 0."""
from __future__ import annotations

import numpy as np

from . import numpy as fnp
from .api.custom import custom_jvp
from .numpy._base import normalize_axes, to_float
from .ops.elementwise import logistic


@custom_jvp
def relu(x):
    """max(x, 0)."""
    return fnp.maximum(x, 0.0)


relu.defjvps(lambda t, out, x: fnp.where(x > 0, t, fnp.zeros_like(t)))


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return logistic(to_float(x))


def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    return fnp.log1p(fnp.exp(-fnp.abs(x))) + fnp.maximum(x, 0.0)


def _shifted(x, axis, fn):
    # Softmax-like functions do not change when x is shifted, so the shift
    # (for stability) carries no gradient.
    return x - fnp.stop_gradient(fnp.max(x, axis=_checked_axis(x, axis, fn), keepdims=True))


def _checked_axis(x, axis, fn):
    """`axis` range-checked here, so that an error names `fn`, not the max
    or sum it is computed with."""
    return axis if axis is None else normalize_axes(axis, fnp.ndim(x), fn)


def logsumexp(a, axis=None, keepdims=False):
    """log(sum(exp(a))) over `axis`, stable for large `a`."""
    a = fnp.asarray(a)
    axis = _checked_axis(a, axis, "logsumexp")
    m = fnp.stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    m = fnp.where(fnp.isfinite(m), m, 0.0)
    out = fnp.log(fnp.sum(fnp.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else fnp.squeeze(out, axis=axis)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`."""
    e = fnp.exp(_shifted(x, axis, "softmax"))
    return e / fnp.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`."""
    shifted = _shifted(x, axis, "log_softmax")
    return shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True))


def one_hot(labels, num_classes, dtype=np.float64):
    """Rows of the identity for integer `labels` (not differentiable)."""
    return (fnp.asarray(labels)[..., None] == np.arange(num_classes)).astype(dtype)
