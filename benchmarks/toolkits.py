"""The transformation systems behind one interface, so that each workload
writes its program once, against a numpy-like namespace `m`, and every
system runs that same program.

A `Toolkit` holds a system's namespace and transformations. Peers are
imported only when asked for: a missing one raises `Missing` (the table
notes it and moves on). A functrans transformation that does not exist yet
raises `NotYetSupported` when a workload reaches for it, so the table says
so instead of timing a stand-in.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

PEERS = ("jax", "torch", "autograd")


class Missing(Exception):
    """The peer is not installed."""


class NotYetSupported(Exception):
    """functrans does not have this API yet."""


@dataclass(frozen=True)
class Toolkit:
    """One system: its numpy-like namespace and its transformations.

    `jit` is None for systems that only run eagerly; `scan` is None for
    systems whose program is a Python loop instead (PyTorch, autograd).
    """
    name: str
    m: Any
    grad: Callable
    value_and_grad: Callable
    jvp: Callable
    hessian: Callable
    jit: Callable | None
    scan: Callable | None
    make_jaxpr: Callable | None
    asarray: Callable     # NumPy input -> the system's array, done before timing
    block: Callable       # wait for an asynchronously dispatched result


def load(name: str) -> Toolkit:
    """The toolkit called `name`, importing it now."""
    loaders = {"functrans": _functrans, "jax": _jax, "torch": _torch, "autograd": _autograd}
    return loaders[name]()


def _identity(x):
    return x


def _import(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise Missing(f"{module} is not installed ({e})") from None


def _not_yet(api: str) -> Callable:
    def missing(*args, **kwargs):
        raise NotYetSupported(f"{api} does not exist yet")
    return missing


def _functrans() -> Toolkit:
    import functrans as ft
    import functrans.numpy as fnp

    def api(name):
        return getattr(ft, name, None) or _not_yet(f"functrans.{name}")
    try:
        lax = importlib.import_module("functrans.lax")
        scan = getattr(lax, "scan", None) or _not_yet("functrans.lax.scan")
    except ImportError:
        scan = _not_yet("functrans.lax.scan")
    return Toolkit("functrans", fnp, api("grad"), api("value_and_grad"), api("jvp"), api("hessian"),
                   api("jit"), scan, api("make_jaxpr"), _identity, _identity)


def _jax() -> Toolkit:
    jax = _import("jax")
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp

    def block(out):
        return jax.block_until_ready(out)
    return Toolkit("jax", jnp, jax.grad, jax.value_and_grad, jax.jvp, jax.hessian, jax.jit,
                   jax.lax.scan, jax.make_jaxpr, _tree_map(jnp.asarray), block)


class _TorchNumpy:
    """`torch` spelled like numpy where the two differ for our programs."""

    def __init__(self, torch):
        self._torch = torch
        self.max = torch.amax    # torch.max(x, axis) returns (values, indices)

    def __getattr__(self, name):
        return getattr(self._torch, name)


def _torch() -> Toolkit:
    torch = _import("torch")
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:   # only allowed once per process, before any parallel work
        pass
    tf = torch.func

    def value_and_grad(fun, argnums=0):
        vg = tf.grad_and_value(fun, argnums=argnums)
        return lambda *args: tuple(reversed(vg(*args)))

    def asarray(x):
        return torch.from_numpy(x) if hasattr(x, "shape") else torch.tensor(x, dtype=torch.float64)
    return Toolkit("torch", _TorchNumpy(torch), tf.grad, value_and_grad, tf.jvp, tf.hessian,
                   None, None, None, _tree_map(asarray), _identity)


def _autograd() -> Toolkit:
    ag = _import("autograd")
    anp = _import("autograd.numpy")

    def jvp(fun, primals, tangents):
        (x,), (v,) = primals, tangents
        return ag.make_jvp(fun)(x)(v)
    def grad(fun, argnums=0):   # autograd spells it `argnum`
        return ag.grad(fun, argnum=argnums)

    def value_and_grad(fun, argnums=0):
        return ag.value_and_grad(fun, argnum=argnums)
    return Toolkit("autograd", anp, grad, value_and_grad, jvp, ag.hessian,
                   None, None, None, _identity, _identity)


def _tree_map(leaf_fn):
    """`leaf_fn` applied through tuples and lists (the pytrees our inputs use)."""
    def convert(x):
        if isinstance(x, (tuple, list)):
            return type(x)(convert(v) for v in x)
        return leaf_fn(x)
    return convert
