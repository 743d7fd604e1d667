"""The numba backend: a ClosedJaxpr in, a compiled `Kernel` out.

    fuse.partition -> render.render_jaxpr -> compile.KERNELS (disk + memory caches)
                      (loop groups: loopgen.fused_loop, typed and lowered by us)

Importing this package does not import numba (the primitives import
`lowering`); `compile_jaxpr` does, on first use.
"""
from __future__ import annotations

import importlib.util

from ..ir import typecheck
from .render import render_jaxpr


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
    from .compile import KERNELS, Kernel, prepare_consts   # numba loads here, on the first compile
    jaxpr = closed.jaxpr
    typecheck(jaxpr)
    source = render_jaxpr(jaxpr)
    const_avals = [v.aval for v in jaxpr.constvars]
    dispatcher = KERNELS.get(source, const_avals + jaxpr.in_avals)
    return Kernel(dispatcher, prepare_consts(closed.consts, const_avals), jaxpr.in_avals,
                  jaxpr.out_avals, source)
