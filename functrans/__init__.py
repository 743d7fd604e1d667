"""functrans: JAX-style function transformations traced to an IR and
compiled with numba.

    import functrans as ft, functrans.numpy as fnp
    ft.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(x)
"""
from . import (  # noqa: F401  (numpy gives tracers their operators)
                  debug_nans,  # noqa: F401,E402  (registers the debug_nans option; reads FUNCTRANS_DEBUG_NANS)
                  lax,
                  nn,
                  numpy,
                  scipy,
                  tree_util,
)
from .api import (  # noqa: F401
                  block_until_ready,
                  checkpoint,
                  clear_caches,
                  custom_jvp,
                  custom_vjp,
                  grad,
                  hessian,
                  jacfwd,
                  jacrev,
                  jit,
                  jvp,
                  linearize,
                  make_jaxpr,
                  remat,
                  value_and_grad,
                  vjp,
                  vmap,
)
from .arrays import Array  # noqa: F401
from .config import config  # noqa: F401
from .graph import to_dot  # noqa: F401
from .numpy import stop_gradient  # noqa: F401

__version__ = "0.1.0"
