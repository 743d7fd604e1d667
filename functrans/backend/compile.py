"""Turn rendered source into a numba dispatcher, through the disk cache.

The source becomes `<entry>/kernel.py` (`cache.Entry`), is registered in
`sys.modules` under its hash name and imported, then compiled with
`numba.njit(cache=True)`: another process (or this one, later) loads the
machine code from numba's files in the entry instead of running LLVM
(numba cannot cache functions made with `exec`). `build` compiles, here or
in the compile worker, and marks the entry complete; `load` takes a
complete entry's machine code. Invariant: one source text is compiled or
loaded at most once per process (`KERNELS`).
"""
from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
import time

import numba
import numpy as np

from . import vector_math  # noqa: F401  (registers the vector-math symbols before any machine code loads)
from . import loop_compiler  # noqa: F401  (the fused-loop intrinsic every kernel calls)
from .cache import Entry, kernel_digest
from .render import KERNEL_NAME


def numba_type(aval):
    """The numba type a kernel argument of this aval arrives as."""
    scalar = numba.from_dtype(aval.dtype)
    return numba.types.Array(scalar, aval.ndim, "C") if aval.shape else scalar


class KernelCache:
    """Compiled dispatchers by source digest, for this process."""

    def __init__(self):
        self._dispatchers = {}

    def get(self, source: str, arg_avals):
        """The dispatcher of `source`: from memory, else from disk, else compiled here."""
        digest = kernel_digest(source)
        dispatcher = self._dispatchers.get(digest)
        if dispatcher is None:
            entry = Entry(digest)
            dispatcher = load(entry, arg_avals) if entry.is_complete() else build(entry, source, arg_avals)
            self._dispatchers[digest] = dispatcher
        return dispatcher

    def load(self, entry: Entry, arg_avals):
        """The dispatcher of a complete entry."""
        dispatcher = self._dispatchers.get(entry.digest)
        if dispatcher is None:
            dispatcher = self._dispatchers[entry.digest] = load(entry, arg_avals)
        return dispatcher

    def clear(self):
        self._dispatchers.clear()

    def __len__(self):
        return len(self._dispatchers)


KERNELS = KernelCache()


def prepare_numba():
    """Set up numba's CPU target (its typing and lowering registries: ~0.35 s,
    once per process), which compiling or loading any kernel needs; the
    compile worker and the caller's builder thread do it before they must."""
    from numba.core.registry import cpu_target
    cpu_target.target_context.refresh()


def build(entry: Entry, source: str, arg_avals):
    """Compile `source` into `entry` (numba writes its machine code there),
    mark the entry complete and return the dispatcher."""
    if os.environ.get("FUNCTRANS_DUMP") == "1":
        print(source, file=sys.stderr)
    entry.write_source(source)
    dispatcher = _dispatcher(entry, arg_avals)
    entry.write_manifest()
    return dispatcher


def load(entry: Entry, arg_avals):
    """The dispatcher of a complete entry, from numba's files in it (compiled
    again if numba does not accept them, e.g. another numba version)."""
    return _dispatcher(entry, arg_avals)


def _dispatcher(entry: Entry, arg_avals):
    module = _import(entry)
    dispatcher = numba.njit(cache=True, error_model="numpy")(getattr(module, KERNEL_NAME))
    start = time.perf_counter()
    # Compiling eagerly for the avals' types keeps compile time out of the
    # first call and loads numba's disk cache now when it has the code.
    dispatcher.compile(tuple(numba_type(a) for a in arg_avals))
    if os.environ.get("FUNCTRANS_LOG_COMPILES") == "1":
        how = "loaded from disk" if dispatcher.stats.cache_hits else "compiled"
        print(f"functrans: kernel {entry.digest[:12]} {how} in {time.perf_counter() - start:.3f} s "
              f"(pid {os.getpid()})", file=sys.stderr)
    return dispatcher


_IMPORT_LOCK = threading.Lock()


def _import(entry: Entry):
    name = entry.module_name
    with _IMPORT_LOCK:
        module = sys.modules.get(name)
        if module is None:
            spec = importlib.util.spec_from_file_location(name, entry.source_path)
            module = importlib.util.module_from_spec(spec)
            # numba's cache loader finds the module by name; registered only
            # once it has run completely, so no thread sees half a module.
            spec.loader.exec_module(module)
            sys.modules[name] = module
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
    # The aval's dtype is native: a big-endian array is byte-swapped here. A
    # read-only array is copied: numba types it apart and would compile the
    # kernel again for it (a folded broadcast_to among jit's consts: 4 s for W3).
    return functools.partial(np.require, dtype=aval.dtype, requirements="CW") if aval.shape else aval.dtype.type


def prepare_consts(consts, const_avals):
    """Consts as the kernel's signature expects them."""
    return [_input_converter(a)(c) for c, a in zip(consts, const_avals)]
