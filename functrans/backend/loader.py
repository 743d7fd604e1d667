"""numba's side of the kernel cache: a dispatcher whose machine code comes
from a verified entry's bytes, or is compiled and written to one.

numba never opens a cache file: the dispatcher is given `_EntryCache`, a
numba cache hook that rebuilds the compile result from bytes `cache.Entry`
has verified in memory, and captures the result of a compile so that we
write it. The kernel's module is executed from the same verified source
text (not imported from a file) and registered in `sys.modules` under its
hash name once it has run completely (numba's loader looks its globals up
by that name), under a lock, so that no thread sees half a module.
"""
from __future__ import annotations

import os
import pickle
import sys
import threading
import time
import types

import numba
from numba.core.caching import _Cache
from numba.core.compiler import CompileResult
from numba.core.registry import cpu_target
from numba.core.serialize import dumps

from . import cache, cache_eviction
from .render import KERNEL_NAME, buffer_specs


def numba_type(aval):
    """The numba type a kernel argument of this aval arrives as."""
    scalar = numba.from_dtype(aval.dtype)
    return numba.types.Array(scalar, aval.ndim, "C") if aval.shape else scalar


def log(message: str):
    """One line for FUNCTRANS_LOG_COMPILES=1."""
    if os.environ.get("FUNCTRANS_LOG_COMPILES") == "1":
        print(f"functrans: {message} (pid {os.getpid()})", file=sys.stderr, flush=True)


def _signature(arg_avals, source: str) -> tuple:
    """The argument types: the avals', then the source's buffers."""
    buffers = (numba.types.Array(numba.from_dtype(dtype), len(shape), "C")
               for specs in buffer_specs(source).values() for shape, dtype in specs)
    return tuple(numba_type(a) for a in arg_avals) + tuple(buffers)


def _target() -> tuple:
    """The CPU the machine code is for (triple, CPU name, features), as numba keys its own cache."""
    return tuple(cpu_target.target_context.codegen().magic_tuple())


def entry_problem(entry: cache.Entry, arg_avals):
    """(contents, None) for an entry this process can load, else (None, why);
    why is None when there is simply no entry."""
    try:
        contents = entry.read()
    except FileNotFoundError:
        return None, None
    except cache.Rejected as e:
        return None, str(e)
    if contents.target != _target():
        return None, f"it was built for another CPU ({', '.join(contents.target[:2])})"
    if contents.signature != str(_signature(arg_avals, contents.source)):
        return None, f"it was built for other argument types {contents.signature}"
    return contents, None


def load_or_build(entry: cache.Entry, source: str, arg_avals):
    """The dispatcher of `source`: from its entry when the entry verifies,
    else compiled here and the entry (re)written. A rejected entry is logged
    in one line and replaced; it is never executed or unpickled. Processes
    sharing the cache compile one kernel once (`Entry.build_lock`)."""
    dispatcher, problem = _load(entry, arg_avals)
    if dispatcher is not None:
        return dispatcher
    _log_rejected(entry, problem)
    with entry.build_lock():
        dispatcher, _ = _load(entry, arg_avals)      # built by another process while we waited
        return dispatcher if dispatcher is not None else build(entry, source, arg_avals)


def ensure_built(entry: cache.Entry, source: str, arg_avals):
    """For the compile worker: build the entry unless a good one is there
    (the caller loads it; loading it here too would only cost memory)."""
    contents, problem = entry_problem(entry, arg_avals)
    if contents is not None:
        return
    _log_rejected(entry, problem)
    with entry.build_lock():
        if entry_problem(entry, arg_avals)[0] is None:
            build(entry, source, arg_avals)


def _load(entry: cache.Entry, arg_avals):
    """(dispatcher, None) from a good entry, else (None, why it was rejected or None if absent)."""
    contents, problem = entry_problem(entry, arg_avals)
    if contents is None:
        return None, problem
    try:
        return _dispatcher(entry, contents.source, arg_avals, contents), None
    except Exception as e:     # verified, yet numba would not take it: build it again
        return None, f"numba could not load it ({type(e).__name__}: {e})"


def _log_rejected(entry: cache.Entry, problem):
    if problem is not None:
        log(f"cache entry {entry.digest[:12]} rejected: {problem}; compiling it again")


def build(entry: cache.Entry, source: str, arg_avals):
    """Compile `source` and write its entry (a directory that refuses the
    write costs the cache, not the kernel); return the dispatcher."""
    if os.environ.get("FUNCTRANS_DUMP") == "1":
        print(source, file=sys.stderr)
    return _dispatcher(entry, source, arg_avals, None)


def _dispatcher(entry: cache.Entry, source: str, arg_avals, contents):
    hook = _EntryCache(entry, contents)
    parallel = "prange(" in source     # parallel_loops split a large loop over numba's threads
    dispatcher = numba.njit(error_model="numpy", parallel=parallel)(getattr(_module(entry, source), KERNEL_NAME))
    dispatcher._cache = hook       # numba's own attribute for its cache: ours instead of its files
    start = time.perf_counter()
    # Compiling eagerly for the avals' types keeps compile time out of the first call.
    dispatcher.compile(_signature(arg_avals, source))
    seconds = time.perf_counter() - start
    log(f"kernel {entry.digest[:12]} {'loaded from disk' if dispatcher.stats.cache_hits else 'compiled'} "
        f"in {seconds:.3f} s")
    if hook.captured is not None:     # compiled: numba handed the result to the hook
        _write(entry, source, *hook.captured)
    return dispatcher


def _write(entry: cache.Entry, source: str, signature, payload: bytes):
    contents = cache.Contents(source, str(signature), _target(), payload)
    try:
        entry.write(contents)
    except OSError as e:
        log(f"kernel {entry.digest[:12]} not cached: {entry.directory} refused it ({e.strerror})")
        return
    cache_eviction.written(entry.directory, entry.path)


class _EntryCache(_Cache):
    """numba's cache interface for one dispatcher: `load_overload` rebuilds
    the verified entry's compile result for its own signature only;
    `save_overload` keeps the first compile's result for us to write (numba
    calls it after compiling, never after loading)."""

    def __init__(self, entry: cache.Entry, contents):
        self._path = str(entry.path)
        self._contents = contents
        self.captured = None     # (signature, numba's reduced compile result, pickled)

    @property
    def cache_path(self):
        return self._path

    def load_overload(self, sig, target_context):
        contents = self._contents
        if contents is None or contents.signature != str(tuple(sig)):
            return None
        target_context.refresh()
        return CompileResult._rebuild(target_context, *pickle.loads(contents.payload))

    def save_overload(self, sig, cres):
        if self.captured is not None:
            return       # a later signature, compiled at a call: the entry holds the first only
        if any(not lifted.can_cache for lifted in cres.lifted) or cres.library.has_dynamic_globals:
            log(f"kernel at {self._path} cannot be cached by numba (lifted code or dynamic globals)")
            return
        self.captured = (tuple(sig), dumps(cres._reduce()))

    def enable(self):
        pass

    def disable(self):
        pass

    def flush(self):
        pass


_MODULE_LOCK = threading.Lock()


def _module(entry: cache.Entry, source: str):
    """The kernel's module, executed from `source` (already verified or rendered here)."""
    name = entry.module_name
    with _MODULE_LOCK:
        module = sys.modules.get(name)
        if module is None:
            module = types.ModuleType(name)
            module.__file__ = str(entry.path)
            exec(compile(source, f"<functrans kernel {entry.digest[:12]}>", "exec"), module.__dict__)
            sys.modules[name] = module
    return module


def forget_module(entry_digest: str):
    """Drop an evicted kernel's module (its dispatcher holds what it needs)."""
    with _MODULE_LOCK:
        sys.modules.pop(f"functrans_kernel_{entry_digest}", None)
