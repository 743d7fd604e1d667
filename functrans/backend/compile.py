"""Turn rendered source into a numba dispatcher, through files on disk.

The source is written to `<cache dir>/<sha256 of source>.py`, registered in
`sys.modules` under that hash and imported, then compiled with
`numba.njit(cache=True)`: a second process loads the machine code from
numba's disk cache (numba cannot cache functions made with `exec`).
Invariant: one source text is compiled at most once per process (`KERNELS`).
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from . import vector_math
from .render import KERNEL_NAME


def cache_dir() -> Path:
    """`FUNCTRANS_CACHE_DIR`, else the user cache directory."""
    configured = os.environ.get("FUNCTRANS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "functrans"


def numba_type(aval):
    """The numba type a kernel argument of this aval arrives as."""
    scalar = numba.from_dtype(aval.dtype)
    return numba.types.Array(scalar, aval.ndim, "C") if aval.shape else scalar


class KernelCache:
    """Compiled dispatchers by source hash, for this process."""

    def __init__(self):
        self._dispatchers = {}

    def get(self, source: str, arg_avals):
        digest = hashlib.sha256((vector_math.CACHE_TAG + "\n" + source).encode()).hexdigest()
        dispatcher = self._dispatchers.get(digest)
        if dispatcher is None:
            dispatcher = _compile(digest, source, arg_avals)
            self._dispatchers[digest] = dispatcher
        return dispatcher

    def clear(self):
        self._dispatchers.clear()

    def __len__(self):
        return len(self._dispatchers)


KERNELS = KernelCache()


def _compile(digest: str, source: str, arg_avals):
    if os.environ.get("FUNCTRANS_DUMP") == "1":
        print(source, file=sys.stderr)
    module = _import(digest, source)
    dispatcher = numba.njit(cache=True, error_model="numpy")(getattr(module, KERNEL_NAME))
    start = time.perf_counter()
    # Compiling eagerly for the avals' types keeps compile time out of the
    # first call and loads numba's disk cache now when it has the code.
    dispatcher.compile(tuple(numba_type(a) for a in arg_avals))
    if os.environ.get("FUNCTRANS_LOG_COMPILES") == "1":
        how = "loaded from disk cache" if dispatcher.stats.cache_hits else "compiled"
        print(f"functrans: kernel {digest[:12]} {how} in {time.perf_counter() - start:.3f} s",
              file=sys.stderr)
    return dispatcher


def _import(digest: str, source: str):
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{digest}.py"
    # Never rewrite an existing file: numba keys its cache on the file's
    # modification time, so rewriting would invalidate other processes' code.
    # Linking a complete temporary file in place is atomic and fails if a
    # concurrent process got there first.
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(source)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    name = f"functrans_kernel_{digest}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        # numba's cache loader finds the module by name: register it first.
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


class Kernel:
    """A compiled Jaxpr: `kernel(*invars)` returns the tuple of outvars.

    The Jaxpr's consts are held here and passed first; rank-0 inputs may be
    NumPy or Python scalars; rank-0 outputs come back as NumPy scalars."""

    def __init__(self, dispatcher, consts, in_avals, out_avals, source):
        self.dispatcher = dispatcher
        self.consts = tuple(consts)
        self.source = source
        self._converters = tuple(_input_converter(a) for a in in_avals)
        # Per output: None, or the NumPy scalar type a rank-0 output becomes.
        self.finishers = tuple(None if a.shape else a.dtype.type for a in out_avals)
        self._scalar_outs = tuple((i, f) for i, f in enumerate(self.finishers) if f is not None)

    def __call__(self, *args):
        return self._finish(self.dispatcher(*self.consts, *[convert(x) for convert, x in zip(self._converters, args)]))

    def _finish(self, outs):
        if self._scalar_outs:
            outs = list(outs)
            for i, scalar_type in self._scalar_outs:
                outs[i] = scalar_type(outs[i])
            outs = tuple(outs)
        return outs

    def direct(self, *leading):
        """(consts, call) for arguments already of the dispatcher's exact
        types (C-contiguous arrays of the avals' dtypes, Python floats and
        bools for float64 and bool scalars): `consts` goes first to the
        dispatcher, then `leading` (values of the first invars, converted
        here once), then the arguments; `call(*args)` is `kernel` without
        the input conversions."""
        consts = self.consts + tuple(convert(x) for convert, x in zip(self._converters, leading))
        dispatcher, finish = self.dispatcher, self._finish
        return consts, lambda *args: finish(dispatcher(*consts, *args))


def _input_converter(aval):
    # The aval's dtype is native: a big-endian array is byte-swapped here.
    return functools.partial(np.ascontiguousarray, dtype=aval.dtype) if aval.shape else aval.dtype.type


def prepare_consts(consts, const_avals):
    """Consts as the kernel's signature expects them."""
    return [_input_converter(a)(c) for c, a in zip(consts, const_avals)]
