"""jit: trace once per input signature, run the transformed Jaxpr at once
on NumPy (tier 0) while its numba kernel is built off the caller's thread,
and call the kernel (tier 1) from the first call boundary after it exists.

The call path is short on purpose (it is measured by the W4 benchmark): a
signature tuple from the arguments, one dict lookup, the runner. On tier 1
the runner is the kernel call itself; a tier-0 runner checks at each call
whether the kernel is ready and, once it is, puts the tier-1 runner in its
place. Under an enclosing transform the traced Jaxpr is bound as a
`closed_call`, whose rules transform it and whose impl compiles it, so
`grad(jit(f))` and `jit(grad(f))` both run compiled code.

Policy: `FUNCTRANS_JIT_TIERED=0` compiles in the caller on the first call
(no tier 0, no worker). Otherwise a signature whose tier-0 call is
estimated to take longer than compiling (a long `scan`) waits for its
kernel instead. `jit(f).lower(*args)` gives `.as_text()` and `.compile()`,
a callable that always runs the kernel.
"""
from __future__ import annotations

import functools
import inspect
import os
import threading
import weakref

import numpy as np

from ..arrays import Array, to_array, to_plain
from ..backend import compile_jaxpr, hold_kernel, numba_missing, release_kernels, tiers
from ..backend.numpy_eval import NumpyProgram, estimated_seconds
from ..core import Tracer
from ..errors import canonicalize_argnums, check_argnames, check_callable, kernel_build_error
from ..ops.control_flow.calls import closed_call, open_jaxpr
from ..ops.shaping import broadcast_in_dim
from ..transforms.passes import fold_uniform_consts, inline_calls, simplify
from ..transforms.staging import trace_flat
from ..tree_util import tree_flatten, tree_unflatten
from ._leaves import Store, as_leaf, as_leaves, as_output, flatten_fun, leaf_aval
from ._wrapped import ArgumentSpec, FunctionObject

# What a kernel build is guessed to cost with a warm worker (measured: 0.1-0.4 s
# for small programs, ~2 s for W2's): a signature whose tier-0 call is
# estimated to take longer waits for its kernel on its first call.
COMPILE_SECONDS_GUESS = 0.3
COMPILE_SECONDS_PER_EQUATION = 0.002
_START_LOCK = threading.Lock()   # one start per signature, whichever thread calls first


def tiered() -> bool:
    """Whether new signatures start on tier 0 (`FUNCTRANS_JIT_TIERED`, default on)."""
    return os.environ.get("FUNCTRANS_JIT_TIERED", "1") != "0"


view, asarray = np.ndarray.view, np.asarray


def _fast_signature(args):
    """The cache key of plain positional arrays and Python scalars, or None.
    An array contributes its shape, dtype and strides (strides tell a
    C-contiguous array, which the kernel can take as it is), and whether it
    is an `Array` (viewed as a plain ndarray before the kernel sees it); a
    Python scalar its type."""
    if len(args) == 1:     # the common case, without the loop
        a = args[0]
        t = type(a)
        if t is np.ndarray:
            return ((a.shape, a.dtype, a.strides),)
        if t is float or t is int or t is bool:
            return (t,)
        return ((a.shape, a.dtype, a.strides, Array),) if t is Array else None
    key = []
    for a in args:
        t = type(a)
        if t is np.ndarray:
            key.append((a.shape, a.dtype, a.strides))
        elif t is float or t is int or t is bool:
            key.append(t)
        elif t is Array:
            key.append((a.shape, a.dtype, a.strides, Array))
        else:
            return None
    return tuple(key)


def _direct_ok(args) -> bool:
    """Whether the kernel's dispatcher can take `args` without conversion:
    Python floats and bools (numba types them exactly as their avals), and
    native-order C-contiguous arrays of rank >= 1. Python ints are converted
    (np.int64 rejects values out of range), rank-0 arrays become scalars."""
    for a in args:
        t = type(a)
        if t is np.ndarray or t is Array:
            if not (a.ndim and a.flags.c_contiguous and a.flags.writeable and a.dtype.isnative):
                return False
        elif t is not float and t is not bool:
            return False
    return True


class _Compiled:
    """One traced specialisation of a jitted function: its Jaxpr, run by
    `program` (tier 0) until `kernel` (tier 1) exists."""
    __slots__ = ("jaxpr", "consts", "in_tree", "in_avals", "out_tree", "single", "label", "lowered", "program",
                 "build", "kernel", "forget")

    def __init__(self, closed, out_tree, label: str, in_tree, in_avals):
        self.jaxpr, self.consts = open_jaxpr(closed)
        self.in_tree, self.in_avals = in_tree, in_avals
        self.out_tree = out_tree
        self.single = out_tree.num_leaves == 1 and out_tree.node_type is None
        self.label = label
        self.lowered = None      # the inlined, simplified Jaxpr both tiers run; made on first use
        self.program = self.build = self.kernel = None
        self.forget = None       # drops this signature from its function when its kernel is evicted

    def _lowered(self):
        if self.lowered is None:
            self.lowered = simplify(inline_calls(self.jaxpr))
        return self.lowered

    def start(self):
        """Before the first concrete call: compile here (untiered), or start
        the kernel's build and tier 0. When a tier-0 call is estimated to take
        longer than compiling (a long scan), the first caller waits for the
        kernel instead: from the worker if it is warm, else compiled here."""
        with _START_LOCK:
            if self.program is not None or self.kernel is not None:
                return
            missing = numba_missing()
            if missing:    # an environment problem, not this function's: say so now, not with NumPy speed
                raise kernel_build_error(self.label, missing)
            lowered = self._lowered()
            seconds = estimated_seconds(lowered.jaxpr)
            waits = seconds > COMPILE_SECONDS_GUESS + COMPILE_SECONDS_PER_EQUATION * len(lowered.jaxpr.eqns)
            if not tiered() or (waits and not tiers.worker_ready()):
                if tiered():
                    tiers.log(f"{self.label} compiles now: a call on tier 0 would take ~{seconds:.2g} s "
                              "and the compile worker is not warm yet")
                self.compile_here()
                return
            self.build = tiers.request(lowered, self.label)
            self.program = NumpyProgram(lowered.jaxpr)
        if waits:
            tiers.log(f"{self.label} waits for its kernel: a call on tier 0 would take ~{seconds:.2g} s")
            self.build.wait()

    def compile_here(self):
        """The kernel, compiled in this thread if it is not built yet."""
        if self.kernel is None:
            try:
                self._adopt(compile_jaxpr(self._lowered()))
            except ImportError as e:     # numba missing or broken here: name the function and the process
                raise kernel_build_error(self.label, f"numba cannot be imported ({type(e).__name__}: {e})") from e
        return self.kernel

    def require_kernel(self):
        """The kernel, waiting for its build (the worker is warm: it is
        usually faster than compiling here), or compiled here if the build
        failed or jit is untiered."""
        if self.kernel_now() is not None:
            return self.kernel
        with _START_LOCK:
            if self.build is None and tiered():
                self.build = tiers.request(self._lowered(), self.label)
        if self.build is not None and self.build.wait() is not None:
            return self.kernel_now()
        return self.compile_here()

    def kernel_now(self):
        """The kernel if it exists (switching to it at this call boundary), else None."""
        kernel = self.kernel
        if kernel is None and self.build is not None and self.build.kernel is not None:
            kernel = self._adopt(self.build.kernel)
            tiers.log(f"{self.label} switches to its kernel (tier 1)")
        return kernel

    def _adopt(self, kernel):
        """Take `kernel` as tier 1. It is held in the process's bounded
        kernel cache: evicted there, this signature is forgotten (traced
        again if it is called again), so that nothing keeps it alive."""
        self.kernel = kernel
        if self.forget is not None:
            hold_kernel(kernel, self.forget)
        return kernel

    def run(self, leaves):
        """The outputs, as Arrays, for flat arguments (Arrays among them are
        viewed as plain ndarrays here)."""
        if self.program is None and self.kernel is None:
            self.start()
        kernel = self.kernel_now()
        leaves = [to_plain(x) for x in leaves]
        outs = kernel(*self.consts, *leaves) if kernel is not None else self.program(*self.consts, *leaves)
        return to_array(outs[0]) if self.single else tree_unflatten(self.out_tree, [to_array(o) for o in outs])

    def runner(self, direct: bool, strip: bool, install):
        """A function of the argument tuple for the fast path, returning
        Arrays. `direct`: the arguments are known to be of the kernel's exact
        types (`_direct_ok`), so the numba dispatcher is called with them as
        they are; `strip`: some are Arrays, viewed as plain ndarrays first
        (numba types a subclass slowly). On tier 0, the runner hands
        `install` the tier-1 runner once the kernel exists."""
        if self.program is None and self.kernel is None:
            self.start()
        if self.kernel_now() is None:
            def tier0(args):
                if self.kernel_now() is None:
                    return self.run(args)
                run = self.runner(direct, strip, install)
                install(run)
                return run(args)
            return tier0
        if not (direct and _direct_ok(self.consts)):
            return self.run     # the kernel converts ints and rank-0 arrays, every call
        run = self._direct_runner()
        return (lambda args: run(tuple(map(to_plain, args)))) if strip else run

    def _direct_runner(self):
        kernel = self.kernel
        consts, call = kernel.direct(*self.consts)
        if not self.single:
            out_tree = self.out_tree
            return lambda args: tree_unflatten(out_tree, [to_array(o) for o in call(*args)])
        if kernel.buffers is not None:    # a large program: the dispatcher needs this thread's buffers
            return lambda args: to_array(call(*args)[0])
        dispatcher, scalar_type = kernel.dispatcher, kernel.finishers[0]
        if scalar_type is None and not consts:
            return lambda args: dispatcher(*args)[0].view(Array)
        if scalar_type is None:
            return lambda args: dispatcher(*consts, *args)[0].view(Array)
        # A rank-0 output: numba returns a Python scalar, made a 0-d Array of
        # its dtype here (inline: this is the whole cost of W4's scalar case).
        dtype = np.dtype(scalar_type)
        if dtype == np.float64 and not consts:   # numba returns a Python float: no dtype to pass
            return lambda args: view(asarray(dispatcher(*args)[0]), Array)
        if not consts:
            return lambda args: view(asarray(dispatcher(*args)[0], dtype), Array)
        return lambda args: view(asarray(dispatcher(*consts, *args)[0], dtype), Array)


def _describe_miss(key, previous) -> str:
    """Why a call missed the cache, in words, for FUNCTRANS_LOG_COMPILES."""
    if previous is None:
        return "first call"
    (static, tree, avals), (old_static, old_tree, old_avals) = key, previous
    if static != old_static:
        return f"new static arguments {static} (was {old_static})"
    if tree != old_tree:
        return "new argument structure"
    if [a.shape for a in avals] != [a.shape for a in old_avals]:
        return "new shapes " + ", ".join(a.str_short() for a in avals)
    if [a.dtype for a in avals] != [a.dtype for a in old_avals]:
        return "new dtypes " + ", ".join(a.str_short() for a in avals)
    return "new weak types (a Python scalar where an array was, or the reverse)"


class JitFunction(FunctionObject):
    """What `jit(fun)` returns: call it like `fun`. It pickles as `fun` and
    its static arguments (`_wrapped`): a new process traces it again."""

    def __init__(self, fun, static_argnums=(), static_argnames=()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.static_argnums, self.static_argnames = static_arguments(fun, static_argnums, static_argnames)
        self._has_static = bool(self.static_argnums or self.static_argnames)
        self._fast = {}       # fast signature -> runner of the args tuple
        self._cache = {}      # (static, treedef, avals) -> _Compiled
        self._last_key = None
        _JIT_FUNCTIONS.add(self)
        if tiered():
            tiers.prestart()   # a warm compile worker by the time the first kernel is wanted

    def _recipe(self):
        return self.fun, self.static_argnums, self.static_argnames

    def __setstate__(self, recipe):
        self.__init__(*recipe)

    def clear_cache(self):
        """Forget every traced signature (their kernels stay in the process's
        kernel cache until evicted; `functrans.clear_caches()` drops those too)."""
        self._fast.clear()
        self._cache.clear()
        self._last_key = None

    def _forget(self, key):
        """Drop one signature (its kernel was evicted); the fast path is rebuilt on use."""
        self._cache.pop(key, None)
        self._fast.clear()

    def _cache_size(self) -> int:
        return len(self._cache)

    def __call__(self, *args, **kwargs):
        if not kwargs and not self._has_static:
            key = _fast_signature(args)
            if key is not None:
                run = self._fast.get(key)
                if run is None:
                    install = functools.partial(self._fast.__setitem__, key)
                    strip = any(type(a) is Array for a in args)
                    run = self._fast[key] = self._lookup(args, {}).runner(_direct_ok(args), strip, install)
                return run(args)
        return self._call_general(args, kwargs)

    def lower(self, *args, **kwargs) -> Lowered:
        """JAX's ahead-of-time API: trace for these arguments now.
        `.as_text()` is the Jaxpr both tiers run; `.compile()` a callable
        that always runs the kernel, built before it returns.

        >>> jit(lambda x: x * 2.0).lower(1.0).compile()(3.0)
        6.0
        """
        return Lowered(self._lookup(args, kwargs), (self, ArgumentSpec(args, kwargs)))

    def _static_positions(self, args) -> set:
        """The positional arguments of this call that are static; a static
        argnum past the end (its argument was left to its default, or passed
        by keyword) is ignored, as in JAX."""
        return {i % len(args) for i in self.static_argnums if -len(args) <= i < len(args)}

    def _split_static(self, args, kwargs):
        positions = self._static_positions(args)
        # Each static value is keyed with where it was given, so that two
        # static arguments passed alone with equal values stay apart.
        static = [(i, args[i]) for i in sorted(positions)]
        static += [(n, kwargs[n]) for n in self.static_argnames if n in kwargs]
        for _, value in static:
            try:
                hash(value)
            except TypeError:
                raise TypeError(f"jit: a static argument must be hashable, but got a "
                                f"{type(value).__name__}: {value!r}. Pass a tuple instead of a list, "
                                "or do not mark it static.") from None
        dyn_args = tuple(a for i, a in enumerate(args) if i not in positions)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        return tuple(static), dyn_args, dyn_kwargs

    def _lookup(self, args, kwargs):
        static, dyn_args, dyn_kwargs = self._split_static(args, kwargs)
        leaves, in_tree = tree_flatten((dyn_args, dyn_kwargs))
        avals = tuple(leaf_aval(x) for x in as_leaves(leaves, args, kwargs, "jit", compiled=True))
        key = (static, in_tree, avals)
        entry = self._cache.get(key)
        if entry is None:
            label = f"{getattr(self.fun, '__name__', 'function')} for ({', '.join(a.str_short() for a in avals)})"
            tiers.log(f"tracing {label}: {_describe_miss(key, self._last_key)}")
            entry = self._cache[key] = self._trace(args, kwargs, in_tree, avals, label)
            entry.forget = _forgetter(self, key)
        self._last_key = key
        return entry

    def _trace(self, args, kwargs, in_tree, avals, label):
        positions = self._static_positions(args)

        def with_static(*dyn, **dyn_kwargs):
            dyn_iter = iter(dyn)
            full = [args[i] if i in positions else next(dyn_iter) for i in range(len(args))]
            return self.fun(*full, **{**dyn_kwargs, **{n: kwargs[n] for n in self.static_argnames if n in kwargs}})
        store = Store()
        flat = flatten_fun(with_static, in_tree, store, None if positions else "jit")
        closed = trace_flat(flat, list(avals), transform="jit")
        return _Compiled(simplify(fold_uniform_consts(closed, broadcast_in_dim)), store.value, label, in_tree, avals)

    def _call_general(self, args, kwargs):
        entry = self._lookup(args, kwargs)
        _, dyn_args, dyn_kwargs = self._split_static(args, kwargs)
        leaves = [as_leaf(x) for x in tree_flatten((dyn_args, dyn_kwargs))[0]]
        if any(type(x) is Tracer for x in leaves):
            # Under a transform: stage a call of the traced Jaxpr.
            outs = closed_call(*entry.consts, *leaves, call_jaxpr=entry.jaxpr, name=self.__name__)
            return tree_unflatten(entry.out_tree, [as_output(o) for o in outs])
        return entry.run([_kernel_arg(x) for x in leaves])


class Lowered:
    """A traced signature of a jitted function (`jit(f).lower(*args)`). It
    pickles as the jitted function and the arguments' shapes and dtypes
    (`_wrapped.ArgumentSpec`), lowered again on unpickling."""

    def __init__(self, entry: _Compiled, spec):
        self._entry, self._spec = entry, spec

    def __reduce__(self):
        return lower_again, self._spec

    def as_text(self) -> str:
        """The Jaxpr that runs, after inlining and simplification."""
        return str(self._entry._lowered())

    def compile(self) -> Compiled:
        """Build the kernel (blocking) and return it as a callable."""
        return Compiled(self._entry.require_kernel(), self._entry, self._spec)


class Compiled:
    """The kernel of one signature: call it with the non-static arguments
    of that signature; it always runs compiled code. It pickles as
    `Lowered` does, and is compiled (or found on disk) on unpickling."""

    def __init__(self, kernel, entry: _Compiled, spec):
        self._kernel, self._entry, self._spec = kernel, entry, spec

    def __reduce__(self):
        return compile_again, self._spec

    def as_text(self) -> str:
        """The kernel's source."""
        return self._kernel.source

    def __call__(self, *args, **kwargs):
        entry = self._entry
        flat, in_tree = tree_flatten((args, kwargs))
        leaves = as_leaves(flat, args, kwargs, "jit", compiled=True)
        avals = tuple(leaf_aval(x) for x in leaves)
        if in_tree != entry.in_tree or avals != entry.in_avals:
            raise TypeError(f"this compiled function takes ({', '.join(a.str_short() for a in entry.in_avals)}), "
                            f"but was called with ({', '.join(a.str_short() for a in avals)}); "
                            "call the jitted function itself, or lower it again for these arguments")
        outs = self._kernel(*entry.consts, *[_kernel_arg(x) for x in leaves])
        return to_array(outs[0]) if entry.single else tree_unflatten(entry.out_tree, [to_array(o) for o in outs])


def static_arguments(fun, argnums, argnames) -> tuple[tuple, tuple]:
    """(static_argnums, static_argnames) with each completed from the
    other through `fun`'s signature, as JAX does when only one is given:
    an argument is static whether it is passed by position or by keyword.
    Positions `fun` cannot take raise ValueError (names: `check_argnames`)."""
    argnums = canonicalize_argnums(argnums, None, "jit", "static_argnums")
    argnames = (argnames,) if isinstance(argnames, str) else tuple(argnames)
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):    # some builtins have no signature
        return argnums, argnames
    kinds = inspect.Parameter
    positional = [p for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
    n = len(positional)
    if not any(p.kind is kinds.VAR_POSITIONAL for p in params):
        canonicalize_argnums(argnums, n, "jit", "static_argnums")
    by_position = {i: p.name for i, p in enumerate(positional) if p.kind is kinds.POSITIONAL_OR_KEYWORD}
    if argnums and not argnames:
        argnames = tuple(by_position[i % n] for i in argnums if -n <= i < n and i % n in by_position)
    elif argnames and not argnums:
        argnums = tuple(i for i, name in by_position.items() if name in argnames)
    return argnums, argnames


def lower_again(jitted: JitFunction, spec) -> Lowered:
    """`jitted.lower(...)` on arguments shaped as `spec` describes."""
    args, kwargs = spec.arguments()
    return jitted.lower(*args, **kwargs)


def compile_again(jitted: JitFunction, spec) -> Compiled:
    return lower_again(jitted, spec).compile()


_JIT_FUNCTIONS = weakref.WeakSet()


def _forgetter(fun: JitFunction, key):
    ref = weakref.ref(fun)

    def forget():
        fun = ref()
        if fun is not None:
            fun._forget(key)
    return forget


def clear_caches():
    """Drop every traced signature of every jitted function and every kernel
    this process holds, as `jax.clear_caches()`; the disk cache stays. numba
    keeps the machine code it loaded until the process exits; what Python
    held for each kernel is freed."""
    for fun in list(_JIT_FUNCTIONS):
        fun.clear_cache()
    release_kernels()


def _kernel_arg(x):
    """Rank-0 arrays go to kernels as scalars."""
    return x[()] if type(x) is np.ndarray and x.ndim == 0 else x


def jit(fun=None, *, static_argnums=(), static_argnames=()):
    """`fun` compiled to native code with numba, traced once per argument
    signature (shapes, dtypes, weak types, tree structure, static values).
    Usable as `@jit` or `jit(f, static_argnums=...)`.

    >>> f = jit(lambda x: x * 2.0 + 1.0)
    >>> f(3.0)
    7.0
    """
    if fun is None:
        return functools.partial(jit, static_argnums=static_argnums, static_argnames=static_argnames)
    check_callable(fun, "jit")
    check_argnames(fun, static_argnames, "jit")
    return JitFunction(fun, static_argnums, static_argnames)
