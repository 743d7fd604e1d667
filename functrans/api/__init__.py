"""The public transformations: the only pytree-aware layer.

Each function flattens its arguments, calls a flat core from `transforms/`
and unflattens the result; one module per concern.
"""
from .autodiff import grad, jvp, linearize, value_and_grad, vjp  # noqa: F401
from .batching import vmap  # noqa: F401
from .custom import checkpoint, custom_jvp, custom_vjp  # noqa: F401
from .jacobians import hessian, jacfwd, jacrev  # noqa: F401
from .jit import clear_caches, jit  # noqa: F401
from .make_jaxpr import make_jaxpr  # noqa: F401

remat = checkpoint


def block_until_ready(x):
    """`x` (any pytree of arrays) once all of it is computed, as
    `jax.block_until_ready`: functrans computes synchronously, so at once."""
    return x
