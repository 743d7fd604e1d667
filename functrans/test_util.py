"""Numerical checks of derivatives, with the semantics of `jax.test_util`.

`check_grads(f, args, order)` compares functrans's forward mode (`jvp`) with
central differences along a random direction, and its reverse mode (`vjp`)
with the same differences through the inner-product identity
`<ct, J t> == <J^T ct, t>`; then it recurses on the derivative functions
themselves up to `order`. As in JAX, tolerances are per dtype and scale with
the number of elements compared, and the random directions come from a fixed
seed, so a check is reproducible.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from .api import jvp, vjp
from .tree_util import tree_leaves, tree_map, tree_structure

__all__ = ["EPS", "check_close", "check_grads", "check_jvp", "check_vjp", "numerical_jvp"]

EPS = 1e-4   # the central-difference step, as JAX's

# Per-dtype tolerance of the derivative checks, as JAX's.
DEFAULT_GRADIENT_TOLERANCE = {
    np.dtype(np.float16): 1e-2,
    np.dtype(np.float32): 2e-3,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 1e-3,
    np.dtype(np.complex128): 1e-5,
}


def _tolerance(dtype, tol):
    if tol is None:
        return DEFAULT_GRADIENT_TOLERANCE.get(np.dtype(dtype), 0.0)
    if isinstance(tol, dict):
        return tol.get(np.dtype(dtype), DEFAULT_GRADIENT_TOLERANCE.get(np.dtype(dtype), 0.0))
    return tol


def _assert_close(a, b, atol, rtol, err_msg):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{err_msg}: shapes {a.shape} and {b.shape} differ"
    atol = max(_tolerance(a.dtype, atol), _tolerance(b.dtype, atol))
    rtol = max(_tolerance(a.dtype, rtol), _tolerance(b.dtype, rtol))
    # The tolerances grow with the size of the arrays compared, as JAX's do:
    # a sum of many rounding errors is compared against a sum of as many.
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(a, b, atol=atol * a.size, rtol=rtol * b.size, err_msg=err_msg)


def check_close(xs, ys, atol=None, rtol=None, err_msg=""):
    """Assert two pytrees of arrays have one structure and close leaves."""
    assert tree_structure(xs) == tree_structure(ys), (
        f"{err_msg}: structures {tree_structure(xs)} and {tree_structure(ys)} differ")
    for x, y in zip(tree_leaves(xs), tree_leaves(ys)):
        _assert_close(x, y, atol, rtol, err_msg)


def _check_dtypes_match(xs, ys, err_msg):
    x_dtypes = [np.result_type(x) for x in tree_leaves(xs)]
    y_dtypes = [np.result_type(y) for y in tree_leaves(ys)]
    assert x_dtypes == y_dtypes, f"{err_msg}: dtypes {x_dtypes} and {y_dtypes} differ"


def _rand_like(rng, x):
    dtype = np.result_type(x)
    values = rng.randn(*np.shape(x))
    if dtype.kind == "c":     # a direction off the real axis
        values = values + 1j * rng.randn(*np.shape(x))
    return np.asarray(values, dtype=dtype)


def _inner_prod(xs, ys):
    return sum(np.vdot(np.asarray(x).ravel(), np.asarray(y).ravel()).real
               for x, y in zip(tree_leaves(xs), tree_leaves(ys)))


def numerical_jvp(f, primals, tangents, eps=EPS):
    """`(f(primals + eps t) - f(primals - eps t)) / (2 eps)`, leaf by leaf."""
    shifted = lambda sign: tree_map(lambda p, t: np.asarray(p + sign * eps * t, np.result_type(p)),
                                    primals, tangents)
    f_pos, f_neg = f(*shifted(1)), f(*shifted(-1))
    return tree_map(lambda a, b: (np.asarray(a) - np.asarray(b)) * (0.5 / eps), f_pos, f_neg)


def check_jvp(f, f_jvp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """`f_jvp(args, tangents)` (as `partial(jvp, f)`) against `f` and central
    differences along a random direction."""
    tangent = tree_map(partial(_rand_like, np.random.RandomState(0)), args)
    v_out, t_out = f_jvp(args, tangent)
    _check_dtypes_match(v_out, t_out, f"{err_msg} tangent dtype")
    v_out_expected = f(*args)
    _check_dtypes_match(v_out, v_out_expected, f"{err_msg} primal dtype")
    t_out_expected = numerical_jvp(f, args, tangent, eps=eps)
    check_close(v_out, v_out_expected, atol, rtol, f"{err_msg} primal")
    check_close(t_out, t_out_expected, atol, rtol, f"{err_msg} tangent")


def check_vjp(f, f_vjp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """`f_vjp(*args)` (as `partial(vjp, f)`) against central differences:
    `<ct, J t>` from the differences must equal `<J^T ct, t>` from the VJP."""
    rand_like = partial(_rand_like, np.random.RandomState(0))
    v_out, vjp_fn = f_vjp(*args)
    check_close(v_out, f(*args), atol, rtol, f"{err_msg} primal")
    tangent = tree_map(rand_like, args)
    tangent_out = numerical_jvp(f, args, tangent, eps=eps)
    cotangent = tree_map(rand_like, v_out)
    # vjp transposes without conjugating (JAX's convention): conj(vjp(conj(ct)))
    # is the adjoint under the Hermitian inner product used below.
    cotangent_out = tree_map(np.conj, vjp_fn(tree_map(np.conj, cotangent)))
    check_close(_inner_prod(tangent, cotangent_out), _inner_prod(tangent_out, cotangent),
                atol, rtol, f"{err_msg} cotangent projection")


def check_grads(f, args, order=2, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Check the derivatives of `f` at `args` (a tuple of float arrays or
    pytrees of them) numerically, up to `order`, in the `modes` "fwd" (jvp)
    and "rev" (vjp). Raises AssertionError naming the failing check, e.g.
    "JVP of VJP tangent".

    >>> import numpy as np, functrans.numpy as fnp
    >>> check_grads(lambda x: fnp.sin(x) * x, (np.linspace(0.0, 1.0, 4),), order=2)
    """
    args = tuple(args)
    eps = eps or EPS
    unknown = set(modes) - {"fwd", "rev"}
    if unknown:
        raise ValueError(f"check_grads: unknown modes {sorted(unknown)}; use 'fwd' and/or 'rev'")

    def check(f, args, order, err_msg=""):
        if "fwd" in modes:
            fwd_msg = f"JVP of {err_msg}" if err_msg else "JVP"
            check_jvp(f, partial(jvp, f), args, atol, rtol, eps, fwd_msg)
            if order > 1:
                check(partial(jvp, f), (args, args), order - 1, fwd_msg)
        if "rev" in modes:
            rev_msg = f"VJP of {err_msg}" if err_msg else "VJP"
            check_vjp(f, partial(vjp, f), args, atol, rtol, eps, rev_msg)
            if order > 1:
                def f_vjp(*args):
                    out, vjp_fn = vjp(f, *args)
                    return vjp_fn(out)
                check(f_vjp, args, order - 1, rev_msg)

    check(f, args, order)
