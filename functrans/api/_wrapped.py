"""The callable objects the API returns (what jit, grad, vmap, custom_jvp
... give back), and how they pickle: like the functions they wrap, as what
they are made of (the user's function, the transformation and its options),
never as process state (traced Jaxprs, kernels, the compile worker, locks).
The receiving process traces again on its first call and finds the kernel
in its own disk cache, or builds it.

As pickle and cloudpickle treat functions, an object
- reachable under its name in an importable module (`@jit` on a module's
  function) travels by reference: the receiver imports it;
- reachable in `__main__` (decorated in a script or a notebook, where the
  function it wraps hides under the same name, so pickle cannot name that)
  travels by value through cloudpickle, whichever pickler is in use, as
  cloudpickle sends the functions of `__main__`; without cloudpickle it goes
  by reference, as pickle sends them (fork and spawn pools find it there);
- otherwise travels as its recipe, whose parts the pickler in use handles
  (pickle names the user's function; cloudpickle sends a lambda or a
  closure by value, and raises its own error for what it cannot send).
A recipe is the pickle's state, set once the object exists, so that a
function referring to its own wrapper (a recursive jitted function, a
custom_jvp rule calling the function) pickles without recursing.
"""
from __future__ import annotations

import functools
import io
import pickle
import sys
import types

import numpy as np

from ..tree_util import tree_map


class FunctionObject:
    """Base of the API's callable objects. Subclasses give `_recipe()`, a
    picklable state, and `__setstate__(recipe)`, which builds the object
    from it in a new process."""

    def _recipe(self):
        raise NotImplementedError

    def __reduce__(self):
        return _reduction(self, in_cloudpickle=False)


def _reduction(obj: FunctionObject, in_cloudpickle: bool):
    name = _reachable_name(obj)
    if name is None:
        return _restore, (type(obj),), obj._recipe()
    module, qualname = name
    if module == "__main__" or _registered_by_value(module):
        if in_cloudpickle:
            return _restore, (type(obj),), obj._recipe()
        payload = _cloudpickled(obj)
        if payload is not None:
            return pickle.loads, (payload,)
    return qualname


def _restore(cls):
    return cls.__new__(cls)


def _reachable_name(obj):
    """(module, qualname) if `obj` is what that name finds, else None."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(qualname, str)) or "<locals>" in qualname:
        return None
    found = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return (module, qualname) if found is obj else None


def _registered_by_value(module: str) -> bool:
    """Whether the user asked cloudpickle to send `module`'s functions by value."""
    cloudpickle = sys.modules.get("cloudpickle")
    return cloudpickle is not None and module in cloudpickle.list_registry_pickle_by_value()


_BY_VALUE = []


def _cloudpickled(obj):
    """`obj` pickled by value with cloudpickle, or None without cloudpickle."""
    if not _BY_VALUE:
        try:
            import cloudpickle
        except ImportError:
            return None

        class ByValue(cloudpickle.Pickler):
            # Our objects met inside go by value too, in this one pickle
            # (one memo: cycles between them resolve).
            def reducer_override(self, o):
                if isinstance(o, FunctionObject):
                    return _reduction(o, in_cloudpickle=True)
                return super().reducer_override(o)
        _BY_VALUE.append(ByValue)
    buffer = io.BytesIO()
    _BY_VALUE[0](buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


class Transformed(FunctionObject):
    """`fun` under a transformation (`grad(fun, argnums=1)`), called like
    `fun`; it binds as a method as a function does. Its recipe is the
    public transformation and its arguments, applied again on unpickling."""

    def __init__(self, call, transform, fun, *args, **kwargs):
        functools.update_wrapper(self, fun, updated=())
        self._call = call
        self._transform, self._args, self._kwargs = transform, (fun, *args), kwargs

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)

    def __get__(self, instance, owner=None):
        return self if instance is None else types.MethodType(self, instance)

    def __repr__(self):
        return f"<{self._transform.__name__} of {self._args[0]!r}>"

    def _recipe(self):
        return self._transform, self._args, self._kwargs

    def __setstate__(self, recipe):
        transform, args, kwargs = recipe
        self.__dict__.update(transform(*args, **kwargs).__dict__)


class _Shaped:
    """An array's shape and dtype, standing in for it in an `ArgumentSpec`."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


class ArgumentSpec:
    """Call arguments with every array replaced by its shape and dtype, which
    is all that tracing for them needs: what a pickled `lower()` or
    `compile()` carries instead of the data. Other leaves (Python scalars,
    static arguments) are kept as they are."""

    def __init__(self, args, kwargs):
        self._tree = tree_map(lambda x: _Shaped(x.shape, x.dtype) if isinstance(x, np.ndarray) else x,
                              (tuple(args), kwargs))

    def arguments(self):
        """(args, kwargs) of zeros of the recorded shapes and dtypes."""
        return tree_map(lambda x: np.zeros(x.shape, x.dtype) if isinstance(x, _Shaped) else x, self._tree)
