"""1-D polynomial (highest power first, as `np.polyval`) and sequence
functions of `functrans.numpy`: compositions of slicing, products and
sums, so derivatives and batching come from those."""
from __future__ import annotations

from ._complex import conj
from ._math import astype
from ._pad import pad
from ._predicates import any
from ._reductions import sum
from ._shape import asarray, concatenate, ravel, stack


def _vector(p, name):
    p = asarray(p)
    if p.ndim != 1:
        raise ValueError(f"{name} takes 1-D coefficient arrays, not one of shape {p.shape}")
    return p


def polyval(p, x):
    """The polynomial with coefficients `p` (highest power first) at `x`, by Horner's rule."""
    p = _vector(p, "polyval")
    y = p[0] * asarray(x) ** 0
    for i in range(1, p.shape[0]):
        y = y * x + p[i]
    return y


def _padded(a1, a2, name):
    a1, a2 = _vector(a1, name), _vector(a2, name)
    n = max(a1.shape[0], a2.shape[0])
    return pad(a1, (n - a1.shape[0], 0)), pad(a2, (n - a2.shape[0], 0))


def polyadd(a1, a2):
    """The sum of two polynomials (the shorter is padded at the high-power end)."""
    a1, a2 = _padded(a1, a2, "polyadd")
    return a1 + a2


def polysub(a1, a2):
    """The difference of two polynomials."""
    a1, a2 = _padded(a1, a2, "polysub")
    return a1 - a2


def _full_convolution(a, v):
    """sum_i a[i] * v shifted by i: linear in each argument, length len(a) + len(v) - 1."""
    m = a.shape[0]
    return sum(stack([a[i] * pad(v, (i, m - 1 - i)) for i in range(m)]), axis=0)


def convolve(a, v, mode="full"):
    """The discrete linear convolution of 1-D `a` and `v` (`mode` "full", "same" or "valid", as NumPy's)."""
    a, v = _vector(a, "convolve"), _vector(v, "convolve")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError("convolve takes non-empty arrays")
    full = _full_convolution(a, v)
    m, n = a.shape[0], v.shape[0]
    if mode == "full":
        return full
    if mode == "same":
        start = (min(m, n) - 1) // 2
        return full[start:start + max(m, n)]
    if mode == "valid":
        return full[min(m, n) - 1:max(m, n)]
    raise ValueError(f"convolve mode must be 'full', 'same' or 'valid', not {mode!r}")


def correlate(a, v, mode="valid"):
    """The cross-correlation of 1-D `a` and `v`: `convolve(a, conj(v[::-1]))`, NumPy's default mode "valid"."""
    a, v = _vector(a, "correlate"), _vector(v, "correlate")
    if v.shape[0] > a.shape[0]:
        # NumPy correlates the longer against the shorter and reverses, which moves the "same" window.
        return conj(convolve(v, conj(a[::-1]), mode))[::-1]
    return convolve(a, conj(v[::-1]), mode)


def polymul(a1, a2):
    """The product of two polynomials."""
    return convolve(a1, a2)


def polyder(p, m=1):
    """The `m`-th derivative of the polynomial `p`."""
    p = _vector(p, "polyder")
    for _ in range(m):
        n = p.shape[0] - 1
        p = p[:-1] * astype(asarray(list(range(n, 0, -1))), p.dtype) if n > 0 else p[:0] * 0
    return p


def polyint(p, m=1, k=None):
    """The `m`-th antiderivative of the polynomial `p`, with integration constants `k` (default 0)."""
    p = _vector(p, "polyint")
    p = astype(p, "float64") if p.dtype.kind in "biu" else p
    ks = [0.0] * m if k is None else list(ravel(asarray(k))) if not isinstance(k, (int, float)) else [k] * m
    for i in range(m):
        n = p.shape[0]
        p = concatenate([p / astype(asarray(list(range(n, 0, -1))), p.dtype), astype(asarray([ks[i]]), p.dtype)])
    return p


def isin(element, test_elements, invert=False):
    """Whether each element of `element` is in `test_elements` (shape of `element`)."""
    element, tests = asarray(element), ravel(asarray(test_elements))
    found = any(element[..., None] == tests, axis=-1)
    return ~found if invert else found
