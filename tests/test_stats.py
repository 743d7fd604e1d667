"""functrans.scipy.stats and scipy.special under jit (one kernel each for
the values, one for the log-densities' gradients), and the parameters whose
derivatives are refused."""
import numpy as np
import op_table  # noqa: F401  (assembles the tables; the modules below need it first)
import pytest
from op_table_special import FACADE as SPECIAL
from op_table_stats import ROWS as STATS

import functrans as ft
import functrans.numpy as fnp
import functrans.scipy.stats as fst
from functrans.errors import UnsupportedError
from functrans.tree_util import tree_leaves


def _together(rows):
    """One function of every row's arguments computing every row."""
    sizes = [len(r.args()) for r in rows]

    def run(*flat):
        outs, k = [], 0
        for row, n in zip(rows, sizes):
            outs.append(row.fun(*flat[k:k + n]))
            k += n
        return outs
    return run, [a for r in rows for a in r.args()]


@pytest.mark.parametrize("rows", [STATS, SPECIAL], ids=["stats", "special"])
def test_jit_matches_eager_on_every_row(rows):
    run, args = _together(rows)
    with np.errstate(all="ignore"):
        want = run(*args)
    got = ft.jit(run)(*args)
    for row, g, w in zip(rows, got, want):
        for gl, wl in zip(tree_leaves(g), tree_leaves(w)):
            np.testing.assert_allclose(gl, wl, rtol=1e-11, atol=1e-300, equal_nan=True, err_msg=row.id)


LOG_DENSITIES = [r for r in STATS if r.diff and (".logpdf-" in r.id or ".logpmf-" in r.id)]


def test_jit_of_grad_of_every_log_density_in_every_parameter():
    run, args = _together(LOG_DENSITIES)
    loss = lambda *flat: sum(fnp.sum(out) for out in run(*flat))
    argnums = tuple(i for i, a in enumerate(args) if np.result_type(a) == np.float64)
    got, want = ft.jit(ft.grad(loss, argnums))(*args), ft.grad(loss, argnums)(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn", [lambda a: fst.gamma.cdf(1.5, a), lambda a: fst.beta.cdf(0.3, a, 2.0),
                                lambda a: fst.chi2.sf(1.5, a)])
def test_distribution_functions_refuse_shape_derivatives_naming_them(fn):
    with pytest.raises(UnsupportedError, match="differentiable in x only"):
        ft.grad(fn)(2.0)


def test_log_densities_outside_the_support_are_minus_inf_with_finite_gradients():
    x = np.array([-1.0, 0.5, 2.0])
    assert fst.gamma.logpdf(-1.0, 2.0) == -np.inf and fst.beta.logpdf(1.5, 2.0, 3.0) == -np.inf
    g = ft.grad(lambda a: fnp.sum(fnp.where(x > 0, fst.gamma.logpdf(x, a), 0.0)))(2.0)
    assert np.isfinite(g)
