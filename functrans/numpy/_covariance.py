"""`cov` and `corrcoef` of `functrans.numpy`, unweighted: centred products
of the observations, so derivatives and batching come from those."""
from __future__ import annotations

from ..errors import UnsupportedError
from ._complex import conj, real
from ._math import astype, sqrt
from ._reductions import mean, sum
from ._shape import asarray, concatenate, squeeze
from ._structural import atleast_2d


def _variables(m, rowvar):
    x = atleast_2d(asarray(m))
    x = x if x.dtype.kind in "fc" else astype(x, "float64")
    return x.T if not rowvar and x.shape[0] != 1 else x


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of `m` (columns if
    `rowvar=False`), with those of `y` appended; squeezed as NumPy's."""
    if fweights is not None or aweights is not None:
        raise UnsupportedError("cov does not support fweights or aweights yet; weight the observations yourself")
    x = _variables(m, rowvar)
    if y is not None:
        x = concatenate([x, _variables(y, rowvar)], axis=0)
    ddof = (0 if bias else 1) if ddof is None else ddof
    centred = x - mean(x, axis=1, keepdims=True)
    products = sum(centred[:, None, :] * conj(centred)[None, :, :], axis=-1)
    return squeeze(products / (x.shape[1] - ddof))


def corrcoef(x, y=None, rowvar=True):
    """The correlation coefficients: `cov` scaled by the standard deviations.
    Not clipped to [-1, 1] (NumPy clips), so derivatives at the diagonal stay those of the formula."""
    c = cov(x, y, rowvar)
    if c.ndim == 0:
        return c / c
    d = sqrt(real(c[tuple(range(c.shape[0])), tuple(range(c.shape[0]))]))
    return c / d[:, None] / d[None, :]
