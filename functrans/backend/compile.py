"""Turn rendered source into a numba dispatcher, through the disk cache,
and hold the dispatchers of this process.

`KERNELS.get(source, avals)` gives the dispatcher of a source text: from
memory, else from its verified disk entry, else compiled here and written
(`loader`). At most `config.max_kernels` dispatchers are held
(FUNCTRANS_MAX_KERNELS, default 512); the least recently used one is
evicted first, and whoever holds a kernel of it (a jitted function's
signature) is told to let go. numba keeps every piece of machine code it
has loaded until the process exits (it never removes code from its JIT
engine), so eviction frees what Python holds (~60 KB of ~85 KB per loaded
kernel) and nothing of a kernel compiled in this process (~1.4 MB):
compiling in the worker process keeps that out of the caller.
Invariants: one source is loaded or compiled by one thread at a time,
while other threads wanting it wait; `get` never returns an evicted
dispatcher's replacement twice for one digest at once.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict

import numpy as np
from numba.core.registry import cpu_target

from ..config import config

# Imported for what they register: the fused-loop intrinsic every kernel calls, and
# the vector-math symbols (before any machine code that calls them is loaded).
from . import loop_compiler, vector_math  # noqa: F401
from .buffers import buffer_getter
from .cache import Entry, kernel_digest
from .loader import forget_module, load_or_build, numba_type  # noqa: F401  (numba_type: part of this API)
from .render import buffer_specs


class KernelCache:
    """Dispatchers by source digest, for this process: thread-safe and
    bounded (least recently used evicted first)."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._dispatchers = OrderedDict()   # digest -> dispatcher, least recently used first
        self._holders = {}                  # digest -> callbacks to run when it is evicted
        self._making = {}                   # digest -> lock held by the thread loading or compiling it
        self._lock = threading.Lock()

    def get(self, source: str, arg_avals):
        """The dispatcher of `source`: from memory, else from disk, else compiled here."""
        digest = kernel_digest(source)
        dispatcher = self._touch(digest)
        if dispatcher is not None:
            return dispatcher
        with self._lock:
            making = self._making.setdefault(digest, threading.Lock())
        with making:          # a second thread wanting this kernel waits for the first
            dispatcher = self._touch(digest)
            if dispatcher is None:
                try:
                    dispatcher = load_or_build(Entry(digest), source, arg_avals)
                finally:
                    with self._lock:
                        self._making.pop(digest, None)
                self.hold(digest, dispatcher)
        return dispatcher

    def hold(self, digest: str, dispatcher, on_evict=None):
        """Keep `dispatcher` as the most recently used; `on_evict()` runs
        (once, on no lock of ours) when it is evicted."""
        with self._lock:
            if self._dispatchers.setdefault(digest, dispatcher) is dispatcher:
                self._dispatchers.move_to_end(digest)
            if on_evict is not None:
                self._holders.setdefault(digest, []).append(on_evict)
            evicted = self._evict(self.max_size)
        _release(evicted)

    def resize(self, max_size: int):
        """Set the bound (evicting at once down to it)."""
        if max_size < 1:
            raise ValueError(f"the kernel cache holds at least one kernel; got max_size={max_size}")
        with self._lock:
            self.max_size = max_size
            evicted = self._evict(max_size)
        _release(evicted)

    def clear(self):
        """Evict every dispatcher."""
        with self._lock:
            evicted = self._evict(0)
        _release(evicted)

    def _touch(self, digest):
        with self._lock:
            dispatcher = self._dispatchers.get(digest)
            if dispatcher is not None:
                self._dispatchers.move_to_end(digest)
            return dispatcher

    def _evict(self, keep: int):
        """Pop down to `keep` (under the lock); the callbacks to run after."""
        evicted = []
        while len(self._dispatchers) > keep:
            digest, _ = self._dispatchers.popitem(last=False)
            if digest not in self._making:     # else a thread is loading it again and needs its module
                forget_module(digest)
            evicted.extend(self._holders.pop(digest, ()))
        return evicted

    def __len__(self):
        return len(self._dispatchers)

    def __contains__(self, digest):
        return digest in self._dispatchers


def _release(callbacks):
    for callback in callbacks:
        callback()


KERNELS = KernelCache(config.max_kernels)
config.on_change("max_kernels", KERNELS.resize)


def prepare_numba():
    """Set up numba's CPU target (its typing and lowering registries: ~0.35 s,
    once per process), which compiling or loading any kernel needs; the
    compile worker and the caller's builder thread do it before they must."""
    cpu_target.target_context.refresh()


class Kernel:
    """A compiled Jaxpr: `kernel(*invars)` returns the tuple of outvars.

    The Jaxpr's consts are held here and passed first; rank-0 inputs may be
    NumPy or Python scalars; rank-0 outputs come back as NumPy scalars. The
    source's large buffers go last, this thread's (`buffers`); outputs are
    always arrays the caller owns alone."""

    def __init__(self, dispatcher, consts, in_avals, out_avals, source):
        self.dispatcher = dispatcher
        self.consts = tuple(consts)
        self.source = source
        self.digest = kernel_digest(source)
        self._converters = tuple(_input_converter(a) for a in in_avals)
        # Per output: None, or the NumPy scalar type a rank-0 output becomes.
        self.finishers = tuple(None if a.shape else a.dtype.type for a in out_avals)
        self._scalar_outs = tuple((i, f) for i, f in enumerate(self.finishers) if f is not None)
        self.buffers = buffer_getter(buffer_specs(source))

    def __call__(self, *args):
        args = [convert(x) for convert, x in zip(self._converters, args)]
        if self.buffers is not None:
            args += self.buffers()
        return self._finish(self.dispatcher(*self.consts, *args))

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
        dispatcher, finish, buffers = self.dispatcher, self._finish, self.buffers
        if buffers is not None:
            return consts, lambda *args: finish(dispatcher(*consts, *args, *buffers()))
        return consts, lambda *args: finish(dispatcher(*consts, *args))


def _input_converter(aval):
    # The aval's dtype is native: a big-endian array is byte-swapped here. A
    # read-only array is copied: numba types it apart and would compile the
    # kernel again for it (a folded broadcast_to among jit's consts: 4 s for W3).
    return functools.partial(np.require, dtype=aval.dtype, requirements="CW") if aval.shape else aval.dtype.type


def prepare_consts(consts, const_avals):
    """Consts as the kernel's signature expects them."""
    return [_input_converter(a)(c) for c, a in zip(consts, const_avals)]
