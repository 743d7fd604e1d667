"""The numba backend: a ClosedJaxpr in, a compiled `Kernel` out.

    fuse.partition -> render.render_jaxpr -> compile.KERNELS (disk + memory caches)
                      (loop groups: loopgen.fused_loop, typed and lowered by us)

Importing this package does not import numba (the primitives import
`lowering`); `compile_jaxpr` does, on first use.
"""
from __future__ import annotations

import importlib.util
import sys
import threading

from ..ir import typecheck
from .render import render_jaxpr

_NUMBA_IMPORT = threading.Lock()


def compile_module():
    """`backend.compile`, imported under one lock: numba's import run from
    two threads at once (the tier-1 builder and a caller compiling) can see
    its modules partially initialized."""
    with _NUMBA_IMPORT:
        from . import compile  # in a function: numba loads on the first kernel, not at import
    return compile


def numba_missing() -> str | None:
    """Why no kernel can be built in this process, found without importing
    numba (a tier-0 call must not pay for that): None when numba is there."""
    if importlib.util.find_spec("numba") is None:
        return "numba is not installed here"
    return None


def compile_jaxpr(closed):
    """Compile `closed` to a `Kernel`: `kernel(*invars)` returns a tuple of
    the outvars' values.

    >>> closed = ft.make_jaxpr(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3))
    >>> compile_jaxpr(closed)(np.zeros(3))
    (np.float64(0.0),)
    """
    compiler = compile_module()     # numba loads here, on the first compile
    jaxpr = closed.jaxpr
    typecheck(jaxpr)
    source = render_jaxpr(jaxpr)
    const_avals = [v.aval for v in jaxpr.constvars]
    dispatcher = compiler.KERNELS.get(source, const_avals + jaxpr.in_avals)
    return compiler.Kernel(dispatcher, compiler.prepare_consts(closed.consts, const_avals), jaxpr.in_avals,
                          jaxpr.out_avals, source)


def hold_kernel(kernel, on_evict):
    """Keep `kernel` in the process's bounded kernel cache as the most
    recently used; `on_evict()` runs when it is evicted."""
    compile_module().KERNELS.hold(kernel.digest, kernel.dispatcher, on_evict)


def release_kernels():
    """Evict every kernel of this process (without importing numba if none was loaded)."""
    compiler = sys.modules.get(f"{__name__}.compile")
    if compiler is not None:
        compiler.KERNELS.clear()
