"""Every registered primitive is reachable by a user: elementwise ones from
`functrans.lax` under their lax names (lax builds them from core's registry,
the one list of primitives), the others from lax, `functrans.numpy` or the
transformations by the public call in `PUBLIC_CALLS`, or they are internal
(only a transformation makes them: op_table.INTERNAL)."""
import numpy as np
import pytest
from op_table import INTERNAL

import functrans as ft
import functrans.lax as lax
import functrans.numpy as fnp
from functrans.core import REGISTRY
from functrans.ir import ClosedJaxpr, Jaxpr


@ft.custom_jvp
def _softplus(x):
    return fnp.log1p(fnp.exp(x))


_softplus.defjvp(lambda primals, tangents: (_softplus(primals[0]), tangents[0] * ft.nn.sigmoid(primals[0])))


@ft.custom_vjp
def _square(x):
    return x * x


_square.defvjp(lambda x: (x * x, x), lambda x, ct: (2 * x * ct,))

# name -> a public call on a (2, 3) float64 array that binds the primitive.
PUBLIC_CALLS = {
    "reshape": lambda x: lax.reshape(x, (3, 2)),
    "transpose": lambda x: lax.transpose(x, (1, 0)),
    "concatenate": lambda x: lax.concatenate([x, x], 0),
    "slice": lambda x: lax.slice(x, (0, 0), (1, 2)),
    "dynamic_slice": lambda x: lax.dynamic_slice(x, (0, 1), (1, 2)),
    "gather": lambda x: x[np.array([1, 0])],
    "scatter-add": lambda x: x.at[np.array([1, 0])].add(1.0),
    "scatter": lambda x: x.at[np.array([1, 0])].set(1.0),
    "scatter-mul": lambda x: x.at[np.array([1, 0])].multiply(2.0),
    "scatter-min": lambda x: x.at[np.array([1, 0])].min(0.0),
    "scatter-max": lambda x: x.at[np.array([1, 0])].max(0.0),
    "cond": lambda x: lax.cond(x.sum() > 0, lambda v: v, lambda v: -v, x),
    "scan": lambda x: lax.scan(lambda c, row: (c + row, row), x[0], x)[0],
    "while": lambda x: lax.while_loop(lambda v: v.sum() < 10.0, lambda v: v * 2.0, x),
    "closed_call": lambda x: ft.jit(lambda v: v * 2.0)(x),
    "checkpoint": lambda x: ft.checkpoint(fnp.sin)(x),
    "custom_jvp_call": _softplus,
    "custom_vjp_call": _square,
    "lu": lambda x: fnp.linalg.det(x[:, :2]),
    "triangular_solve": lambda x: fnp.linalg.solve(x[:, :2], x[:, 2]),
    "cholesky": lambda x: fnp.linalg.cholesky(x @ x.T),
    "eigh": lambda x: fnp.linalg.eigvalsh(x @ x.T),
    "svd": lambda x: fnp.linalg.svd(x),
    "qr": lambda x: fnp.linalg.qr(x),
}


def _primitives_in(jaxpr: Jaxpr) -> set:
    names = set()
    for eqn in jaxpr.eqns:
        names.add(eqn.primitive.name)
        for value in eqn.params.values():
            for inner in value if isinstance(value, tuple) else (value,):
                if isinstance(inner, (Jaxpr, ClosedJaxpr)):
                    names |= _primitives_in(inner.jaxpr if isinstance(inner, ClosedJaxpr) else inner)
    return names


def _exported_by_lax(prim) -> bool:
    return any(value is prim or getattr(value, "primitive", None) is prim for value in vars(lax).values())


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_primitive_is_reachable_from_lax_numpy_or_the_api_or_is_internal(name):
    prim = REGISTRY[name]
    if name in INTERNAL:
        assert not _exported_by_lax(prim), f"{name!r} is marked internal but lax exports it"
    elif prim.elementwise:
        assert _exported_by_lax(prim), f"lax has no function for the elementwise primitive {name!r}"
    elif not _exported_by_lax(prim):
        assert name in PUBLIC_CALLS, (f"{name!r} is neither exported by lax nor reached by a call in "
                                      "PUBLIC_CALLS; add one, or mark it internal in op_table.INTERNAL")
        closed = ft.make_jaxpr(PUBLIC_CALLS[name])(np.ones((2, 3)))
        assert name in _primitives_in(closed.jaxpr), f"the public call for {name!r} does not bind it"


def test_lax_elementwise_functions_are_strict_and_named_as_in_jax():
    assert lax.bitwise_and(np.array([6]), np.array([3])).tolist() == [2]
    assert lax.bitwise_not(np.array([0], np.int32)).tolist() == [-1]
    assert lax.add(np.float32(1.0), 2.0).dtype == np.float32     # a Python scalar takes the array's dtype
    with pytest.raises(ft.errors.DTypeError, match="one dtype"):
        lax.add(np.ones(2, np.float32), np.ones(2))
