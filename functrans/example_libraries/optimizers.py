"""First-order optimizers over pytrees, as in `jax.example_libraries.optimizers`.

Each optimizer is the triple `(init_fun, update_fun, get_params)`:

    opt_init, opt_update, get_params = optimizers.adam(1e-3)
    state = opt_init(params)
    state = opt_update(step, grads, state)     # jit(opt_update) works too
    params = get_params(state)

An optimizer is written for one array (`@optimizer` lifts it to pytrees);
`OptimizerState` is a pytree, so states pass through `jit`, `vmap` and
`lax.scan`. A step size is a float or a schedule `step -> float`.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

from .. import numpy as fnp
from ..tree_util import register_pytree_node, tree_flatten, tree_leaves, tree_map, tree_unflatten


class OptimizerState(NamedTuple):
    """The flat per-leaf states, the params' structure and each state's."""
    packed_state: Any
    tree_def: Any
    subtree_defs: Any


register_pytree_node(OptimizerState, lambda s: ((s.packed_state,), (s.tree_def, s.subtree_defs)),
                     lambda aux, children: OptimizerState(children[0], *aux))


class Optimizer(NamedTuple):
    init_fn: Callable
    update_fn: Callable
    params_fn: Callable


def optimizer(opt_maker: Callable) -> Callable:
    """Lift an optimizer written for one array to pytrees of arrays."""
    @functools.wraps(opt_maker)
    def tree_opt_maker(*args, **kwargs):
        init, update, get_params = opt_maker(*args, **kwargs)

        def tree_init(x0_tree):
            x0_flat, tree = tree_flatten(x0_tree)
            states = [tree_flatten(init(x0)) for x0 in x0_flat]
            return OptimizerState([s for s, _ in states], tree, tuple(t for _, t in states))

        def tree_update(i, grad_tree, opt_state):
            states_flat, tree, subtrees = opt_state
            grad_flat, grad_tree_def = tree_flatten(grad_tree)
            if grad_tree_def != tree:
                raise TypeError(f"optimizer update: the gradient's structure {grad_tree_def} is not the "
                                f"parameters' {tree}; pass grad(loss)(get_params(state), ...)")
            new = [tree_flatten(update(i, g, tree_unflatten(t, s)))
                   for g, s, t in zip(grad_flat, states_flat, subtrees)]
            return OptimizerState([s for s, _ in new], tree, subtrees)

        def tree_get_params(opt_state):
            states_flat, tree, subtrees = opt_state
            return tree_unflatten(tree, [get_params(tree_unflatten(t, s)) for s, t in zip(states_flat, subtrees)])

        return Optimizer(tree_init, tree_update, tree_get_params)
    return tree_opt_maker


# ------------------------------------------------------------ the optimizers

@optimizer
def sgd(step_size):
    """Stochastic gradient descent: `x - step_size(i) * g`."""
    step_size = make_schedule(step_size)
    return (lambda x0: x0), (lambda i, g, x: x - step_size(i) * g), (lambda x: x)


@optimizer
def momentum(step_size, mass: float):
    """Heavy-ball momentum: `v = mass * v + g; x = x - step_size(i) * v`."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * velocity, velocity
    return (lambda x0: (x0, fnp.zeros_like(x0))), update, (lambda state: state[0])


@optimizer
def nesterov(step_size, mass: float):
    """Nesterov's accelerated gradient: the momentum step taken from the
    look-ahead `mass * v + g`."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - step_size(i) * (mass * velocity + g), velocity
    return (lambda x0: (x0, fnp.zeros_like(x0))), update, (lambda state: state[0])


@optimizer
def adagrad(step_size, momentum: float = 0.9):
    """Adagrad (with momentum): steps scaled by the root of the summed
    squared gradients."""
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, fnp.zeros_like(x0), fnp.zeros_like(x0)

    def update(i, g, state):
        x, g_sq, m = state
        g_sq = g_sq + fnp.square(g)
        # 1/sqrt(0) where a gradient has been 0 so far: no step there.
        g_sq_inv_sqrt = fnp.where(g_sq > 0, 1.0 / fnp.sqrt(fnp.where(g_sq > 0, g_sq, 1.0)), 0.0)
        m = (1.0 - momentum) * (g * g_sq_inv_sqrt) + momentum * m
        return x - step_size(i) * m, g_sq, m
    return init, update, (lambda state: state[0])


@optimizer
def rmsprop(step_size, gamma: float = 0.9, eps: float = 1e-8):
    """RMSProp: steps scaled by a running mean of squared gradients."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, avg_sq_grad = state
        avg_sq_grad = avg_sq_grad * gamma + fnp.square(g) * (1.0 - gamma)
        return x - step_size(i) * g / fnp.sqrt(avg_sq_grad + eps), avg_sq_grad
    return (lambda x0: (x0, fnp.zeros_like(x0))), update, (lambda state: state[0])


@optimizer
def adam(step_size, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adam (Kingma & Ba, 2015): bias-corrected first and second moment
    estimates; `i` counts steps from 0."""
    step_size = make_schedule(step_size)

    def init(x0):
        return x0, fnp.zeros_like(x0), fnp.zeros_like(x0)

    def update(i, g, state):
        x, m, v = state
        m = (1.0 - b1) * g + b1 * m
        v = (1.0 - b2) * fnp.square(g) + b2 * v
        step = fnp.astype(i + 1, m.dtype)     # float32 params stay float32
        m_hat = m / (1.0 - fnp.power(b1, step))
        v_hat = v / (1.0 - fnp.power(b2, step))
        return x - step_size(i) * m_hat / (fnp.sqrt(v_hat) + eps), m, v
    return init, update, (lambda state: state[0])


# -------------------------------------------------------------- schedules

def constant(step_size) -> Callable:
    """The schedule that is `step_size` at every step."""
    return lambda i: step_size


def exponential_decay(step_size, decay_steps, decay_rate) -> Callable:
    """`step_size * decay_rate ** (i / decay_steps)`."""
    return lambda i: step_size * fnp.power(decay_rate, i / decay_steps)


def inverse_time_decay(step_size, decay_steps, decay_rate, staircase: bool = False) -> Callable:
    """`step_size / (1 + decay_rate * i / decay_steps)`, with the quotient
    floored when `staircase`."""
    if staircase:
        return lambda i: step_size / (1 + decay_rate * fnp.floor(i / decay_steps))
    return lambda i: step_size / (1 + decay_rate * i / decay_steps)


def polynomial_decay(step_size, decay_steps, final_step_size, power: float = 1.0) -> Callable:
    """From `step_size` to `final_step_size` over `decay_steps` steps along
    `(1 - i / decay_steps) ** power`, then constant."""
    def schedule(i):
        i = fnp.minimum(i, decay_steps)
        return (step_size - final_step_size) * (1 - i / decay_steps) ** power + final_step_size
    return schedule


def piecewise_constant(boundaries, values) -> Callable:
    """`values[k]` for steps after `k` of the `boundaries` (one more value
    than boundaries); works on a traced step, inside `jit`."""
    boundaries, values = fnp.array(boundaries), fnp.array(values)
    if not boundaries.ndim == values.ndim == 1 or values.shape[0] != boundaries.shape[0] + 1:
        raise ValueError(f"piecewise_constant: boundaries and values must be 1-d with one value more than "
                         f"boundaries, got shapes {boundaries.shape} and {values.shape}")
    return lambda i: values[fnp.sum(i > boundaries)]


def make_schedule(scalar_or_schedule) -> Callable:
    """A schedule from a schedule (returned as is) or a step size."""
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if fnp.ndim(scalar_or_schedule) == 0:
        return constant(scalar_or_schedule)
    raise TypeError(f"a step size is a number or a schedule (step -> number), got {type(scalar_or_schedule)}")


# -------------------------------------------------------------- utilities

def l2_norm(tree):
    """The l2 norm of all the leaves of `tree` together."""
    return fnp.sqrt(sum(fnp.sum(fnp.square(x)) for x in tree_leaves(tree)))


def clip_grads(grad_tree, max_norm):
    """`grad_tree` scaled down so that its l2 norm is at most `max_norm`."""
    norm = l2_norm(grad_tree)
    normalize = lambda g: fnp.where(norm < max_norm, g, g * (max_norm / norm))
    return tree_map(normalize, grad_tree)
