"""Functions importable by name, for the pickling and process-pool tests:
plain pickle sends a function as its module and name, so what a pool worker
runs must live in a module, not in a test's body."""
import os
import sys

import numpy as np

import functrans as ft
import functrans.numpy as fnp


def tanh_sq(x):
    return fnp.sum(fnp.tanh(x) ** 2)


def loss(w, X, y):
    """Mean squared error of a one-layer tanh model."""
    return fnp.mean((fnp.tanh(X @ w) - y) ** 2)


def power_sum(x, p):
    return fnp.sum(x ** p)


@ft.jit
def decorated(x):
    return fnp.sum(fnp.sin(x) * 2.0)


@ft.custom_jvp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t * ft.nn.sigmoid(x)


def softplus_sum(x):
    return fnp.sum(softplus(x))


@ft.custom_vjp
def clip_gradient(x):
    return x


def _clip_fwd(x):
    return x, None


def _clip_bwd(_, g):
    return (fnp.clip(g, -1.0, 1.0),)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def clipped_sum(x):
    return fnp.sum(clip_gradient(x) * 5.0)


def _sigmoid_tangent(t, out, x):
    return t * ft.nn.sigmoid(x)


def _softplus(x):
    return fnp.log1p(fnp.exp(x))


softplus_by_terms = ft.custom_jvp(_softplus)
softplus_by_terms.defjvps(_sigmoid_tangent)


# ----------------------------------------------------------------- pool work

STEPS = 30
step = ft.jit(ft.grad(loss))


def chunk_data(seed, rows=40):
    """One chunk of independent work: a small regression problem."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 3))
    return X, np.tanh(X @ np.array([0.5, -1.0, 2.0])) + 0.01 * rng.normal(size=rows)


def fit(seed, rows=40, step=step):
    """Gradient descent on chunk `seed` with the jitted gradient `step`."""
    X, y = chunk_data(seed, rows)
    w = np.zeros(3)
    for _ in range(STEPS):
        w = w - 0.5 * step(w, X, y)
    return w


def fit_in_worker(seed, rows=40):
    """(pid, fitted weights, pid of this process's compile worker or None), for a pool."""
    from functrans.backend import tiers
    w = fit(seed, rows)
    worker = tiers.BUILDER.worker()
    return os.getpid(), w, worker.pid if worker is not None else None


def fit_with_a_new_function(seed):
    """`fit` with a jitted function made here, which has never been called."""
    return fit(seed, step=ft.jit(ft.grad(loss)))


def hide_numba():
    """A pool initializer making this process one without numba."""
    sys.modules["numba"] = None


_BARRIER = []


def keep_barrier(barrier):
    """A pool initializer: the barrier `fit_together` waits at."""
    _BARRIER.append(barrier)


def fit_together(seed, rows):
    """`fit_in_worker` once every worker of the pool has reached this point."""
    _BARRIER[0].wait(timeout=60)
    return fit_in_worker(seed, rows)
