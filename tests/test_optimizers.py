"""functrans.example_libraries.optimizers against hand-written NumPy
updates, over pytrees, with schedules, eagerly and under one jit."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.example_libraries import optimizers

rng = np.random.default_rng(0)
PARAMS = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
GRADS = [{"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)} for _ in range(4)]


def _reference(name, x, gs, lr):
    """The optimizer's updates of one array, written out in NumPy."""
    v, s, m = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
    for i, g in enumerate(gs):
        step = lr(i)
        if name == "sgd":
            x = x - step * g
        elif name == "momentum":
            v = 0.9 * v + g
            x = x - step * v
        elif name == "nesterov":
            v = 0.9 * v + g
            x = x - step * (0.9 * v + g)
        elif name == "adagrad":
            s = s + g ** 2
            m = 0.1 * g / np.sqrt(s) + 0.9 * m
            x = x - step * m
        elif name == "rmsprop":
            s = 0.9 * s + 0.1 * g ** 2
            x = x - step * g / np.sqrt(s + 1e-8)
        elif name == "adam":
            m = 0.1 * g + 0.9 * m
            s = 0.001 * g ** 2 + 0.999 * s
            m_hat, s_hat = m / (1 - 0.9 ** (i + 1)), s / (1 - 0.999 ** (i + 1))
            x = x - step * m_hat / (np.sqrt(s_hat) + 1e-8)
    return x


MAKERS = {"sgd": lambda lr: optimizers.sgd(lr), "momentum": lambda lr: optimizers.momentum(lr, 0.9),
          "nesterov": lambda lr: optimizers.nesterov(lr, 0.9), "adagrad": lambda lr: optimizers.adagrad(lr),
          "rmsprop": lambda lr: optimizers.rmsprop(lr), "adam": lambda lr: optimizers.adam(lr)}
SCHEDULES = {
    "float": (0.1, lambda i: 0.1),
    "exponential_decay": (optimizers.exponential_decay(0.1, 2, 0.5), lambda i: 0.1 * 0.5 ** (i / 2)),
    "inverse_time_decay": (optimizers.inverse_time_decay(0.1, 2, 0.5, staircase=True),
                           lambda i: 0.1 / (1 + 0.5 * np.floor(i / 2))),
    "piecewise_constant": (optimizers.piecewise_constant([1, 2], [0.1, 0.05, 0.01]),
                           lambda i: [0.1, 0.05, 0.01][int(i > 1) + int(i > 2)]),
}


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_updates_match_numpy_over_a_pytree(name, schedule):
    step_size, lr = SCHEDULES[schedule]
    opt_init, opt_update, get_params = MAKERS[name](step_size)
    state = opt_init(PARAMS)
    for i, g in enumerate(GRADS):
        state = opt_update(i, g, state)
    params = get_params(state)
    assert set(params) == {"w", "b"}
    for key in PARAMS:
        np.testing.assert_allclose(params[key], _reference(name, PARAMS[key], [g[key] for g in GRADS], lr),
                                   rtol=1e-12, err_msg=f"{name} {schedule} {key}")


def test_jitted_updates_equal_eager_ones_and_states_are_pytrees():
    opts = {name: make(optimizers.piecewise_constant([1], [0.1, 0.02])) for name, make in MAKERS.items()}

    def update_all(i, g, states):      # every optimizer in one kernel: one compile
        return {name: opts[name][1](i, g, states[name]) for name in opts}
    states = {name: opt[0](PARAMS) for name, opt in opts.items()}
    eager, jitted = states, states
    update_jit = ft.jit(update_all)
    for i, g in enumerate(GRADS[:3]):
        eager, jitted = update_all(i, g, eager), update_jit(i, g, jitted)
    assert isinstance(jitted["adam"], optimizers.OptimizerState)
    for name, (_, _, get_params) in opts.items():
        for key in PARAMS:
            np.testing.assert_allclose(get_params(jitted[name])[key], get_params(eager[name])[key], rtol=1e-13,
                                       err_msg=name)


def test_a_training_loop_in_scan_decreases_the_loss():
    x = rng.normal(size=(16, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    loss = lambda p: fnp.mean((x @ p["w"] + p["b"] - y) ** 2)
    opt_init, opt_update, get_params = optimizers.adam(0.1)

    def step(state, i):
        return opt_update(i, ft.grad(loss)(get_params(state)), state), loss(get_params(state))
    params = {"w": np.zeros(3), "b": np.array(0.0)}
    state, losses = lax.scan(step, opt_init(params), np.arange(60))
    assert losses[-1] < 0.05 * losses[0]
    assert float(loss(get_params(state))) < losses[0]


def test_schedules_helpers_and_errors():
    assert optimizers.constant(0.3)(7) == 0.3
    np.testing.assert_allclose(optimizers.polynomial_decay(1.0, 4, 0.2)(2), 0.6)
    np.testing.assert_allclose(optimizers.polynomial_decay(1.0, 4, 0.2)(9), 0.2)
    np.testing.assert_allclose(optimizers.l2_norm({"a": np.array([3.0]), "b": np.array([4.0])}), 5.0)
    clipped = optimizers.clip_grads({"a": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    np.testing.assert_allclose([clipped["a"][0], clipped["b"][0]], [0.6, 0.8])
    with pytest.raises(TypeError, match="step size is a number or a schedule"):
        optimizers.sgd(np.ones(2))
    with pytest.raises(ValueError, match="one value more than boundaries"):
        optimizers.piecewise_constant([1, 2], [0.1, 0.2])
    opt_init, opt_update, _ = optimizers.sgd(0.1)
    with pytest.raises(TypeError, match="gradient's structure"):
        opt_update(0, [np.ones(2)], opt_init({"w": np.ones(2)}))
