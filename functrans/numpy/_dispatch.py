"""NumPy's own functions on traced values: `np.sin(x)`, `np.sum(x, axis=0)`,
`np.dot(x, y)` inside `grad`/`jit`/`vmap` run the `functrans.numpy`
function of the same name, through NumPy's `__array_ufunc__` and
`__array_function__` protocols (what autograd users expect of plain NumPy
code). The counterpart is looked up by name at call time, so every function
the facade has is covered with no table here. A NumPy function with no
counterpart raises `TracerConversionError` naming it.
"""
from __future__ import annotations

import inspect
import threading
import types

from ..core import Tracer
from ..errors import TracerConversionError, UnsupportedError

# NumPy functions that read only their arguments' dtypes: they run on the
# traced values' dtypes (as they do on JAX's tracers, through `.dtype`).
_DTYPE_ONLY = {"result_type", "can_cast"}
# `functrans.numpy` registers itself here (it imports this module, so this
# module cannot import it); `numpy.X` maps to its submodule `X`.
FACADE: list = [None]
# `ufunc.reduce` / `.accumulate` as the facade's reductions.
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
           "logical_and": "all", "logical_or": "any"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}


class _Dispatching(threading.local):
    active: set = set()


_dispatching = _Dispatching()


def counterpart(module: str, name: str):
    """The facade's function `name` for NumPy's `module` (`numpy`,
    `numpy.linalg`, ...), or None."""
    facade = FACADE[0]
    if module != "numpy":
        head, _, sub = module.partition(".")
        facade = getattr(facade, sub, None) if head == "numpy" else None
        if not isinstance(facade, types.ModuleType):
            return None
    fn = getattr(facade, name, None)
    return fn if callable(fn) and not isinstance(fn, type) else None


def _no_counterpart(qualname: str, args) -> TracerConversionError:
    tracer = _first_tracer(args)
    what = f" on a traced value of type {tracer.aval.str_short()}" if tracer is not None else ""
    return TracerConversionError(
        f"{qualname} has no functrans counterpart, so it cannot run{what}: NumPy would silently drop the "
        "value from the trace. Use a functrans.numpy function (`import functrans.numpy as fnp`) or a "
        "composition of them that computes the same, or call it outside the transformed function on "
        "concrete values")


def _dtype_of(x):
    return x.aval.dtype if type(x) is Tracer else x


def _first_tracer(args):
    for a in args:
        if type(a) is Tracer:
            return a
        if type(a) in (list, tuple):
            found = _first_tracer(a)
            if found is not None:
                return found
    return None


def _refuse_out(qualname, kwargs):
    out = kwargs.pop("out", None)
    if not (out is None or type(out) is tuple and all(o is None for o in out)):
        raise TracerConversionError(f"{qualname}(..., out=...) writes into an existing NumPy array, which cannot "
                                    "hold a traced value (this includes `ndarray += traced`); write `x = x + y` or "
                                    "`x = fnp.add(x, y)`, or `x.at[idx].set(y)` for a partial update")


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """`Tracer.__array_ufunc__`: `ufunc(...)` and its `reduce`,
    `accumulate` and `outer` methods as facade functions."""
    name = ufunc.__name__
    if method == "__call__" and not kwargs:     # operators (`ndarray * traced`) and plain calls
        fn = counterpart("numpy", name)
        if fn is not None:
            return fn(*inputs)
    qualname = f"numpy.{name}" if method == "__call__" else f"numpy.{name}.{method}"
    _refuse_out(qualname, kwargs)
    if kwargs.pop("where", True) is not True:
        raise UnsupportedError(f"{qualname}(..., where=...) is not supported on traced values; "
                               "use fnp.where(mask, result, fallback) on the full result")
    dtype = kwargs.pop("dtype", None)
    if method == "__call__":
        fn = counterpart("numpy", name)
        if fn is None:
            raise _no_counterpart(qualname, inputs)
        _refuse_keywords(qualname, kwargs, ("casting", "order", "subok", "signature"))
        if dtype is not None:
            astype = counterpart("numpy", "astype")
            inputs = [astype(x, dtype) for x in inputs]
        return fn(*inputs)
    if method == "reduce":
        fn = counterpart("numpy", _REDUCE.get(name, ""))
        if fn is None:
            raise _no_counterpart(qualname, inputs)
        keywords = {"axis": kwargs.pop("axis", 0), "keepdims": kwargs.pop("keepdims", False)}
        _refuse_keywords(qualname, kwargs, ("initial",))
        (x,) = inputs
        out = fn(x, **keywords)
        return out if dtype is None else counterpart("numpy", "astype")(out, dtype)
    if method == "accumulate":
        fn = counterpart("numpy", _ACCUMULATE.get(name, ""))
        if fn is None:
            raise _no_counterpart(qualname, inputs)
        axis = kwargs.pop("axis", 0)
        _refuse_keywords(qualname, kwargs, ())
        (x,) = inputs
        return fn(x, axis=axis, dtype=dtype)
    if method == "outer":
        fn = counterpart("numpy", name)
        if fn is None:
            raise _no_counterpart(qualname, inputs)
        a, b = inputs
        reshape, ndim, shape = (counterpart("numpy", n) for n in ("reshape", "ndim", "shape"))
        return fn(reshape(a, tuple(shape(a)) + (1,) * ndim(b)), b)
    raise UnsupportedError(f"{qualname} is not supported on traced values (only calls and the reduce, "
                           "accumulate and outer methods are); use x.at[idx] updates or fnp functions instead")


def _refuse_keywords(qualname, kwargs, known):
    for key in kwargs:
        why = "is not supported on traced values" if key in known else "is not a keyword functrans knows"
        raise UnsupportedError(f"{qualname}: the keyword {key}= {why}; call the functrans.numpy function "
                               "without it")


def array_function(self, func, types, args, kwargs):
    """`Tracer.__array_function__`: a NumPy function as the facade function
    of the same name. A facade function that itself calls the NumPy one
    (a re-export, or NumPy's generic code on shapes) gets NumPy's
    implementation, not a second dispatch."""
    qualname = f"{func.__module__}.{func.__name__}"
    if func in _dispatching.active:
        return func._implementation(*args, **kwargs)
    fn = counterpart(func.__module__, func.__name__)
    if fn is None and func.__name__ in _DTYPE_ONLY and func.__module__ == "numpy":
        return func._implementation(*[_dtype_of(a) for a in args], **kwargs)
    if fn is None:
        raise _no_counterpart(qualname, args)
    if fn is func:
        return func._implementation(*args, **kwargs)
    _refuse_out(qualname, kwargs)
    _dispatching.active = _dispatching.active | {func}
    try:
        return fn(*args, **kwargs)
    except TypeError as error:
        if _binds(fn, args, kwargs):
            raise
        raise TypeError(f"{qualname} on a traced value runs functrans.{func.__module__}.{func.__name__}, "
                        f"which does not take these arguments ({error}); call it with the arguments "
                        "functrans.numpy documents") from None
    finally:
        _dispatching.active = _dispatching.active - {func}


def _binds(fn, args, kwargs) -> bool:
    """Whether `fn`'s signature takes these arguments (asked only once a
    call has failed, to tell a wrong call from an error inside it)."""
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:    # no signature to check against
        return True
    return True
