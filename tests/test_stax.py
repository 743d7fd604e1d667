"""functrans.example_libraries.stax: layer shapes and values against NumPy,
and an MLP trained with an optimizer under one jit."""
import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans.example_libraries import optimizers, stax


def test_layers_have_numpy_values_and_shapes():
    rng = np.random.default_rng(0)
    init, apply = stax.serial(stax.Dense(4), stax.Tanh, stax.Dense(3), stax.LogSoftmax)
    out_shape, params = init(rng, (-1, 5))
    assert out_shape == (-1, 3) and [p[0].shape for p in params if p] == [(5, 4), (4, 3)]
    x = rng.normal(size=(2, 5))
    (w1, b1), _, (w2, b2), _ = params
    z = np.tanh(x @ w1 + b1) @ w2 + b2
    np.testing.assert_allclose(apply(params, x), z - np.log(np.exp(z).sum(1, keepdims=True)), rtol=1e-13)


def test_fan_out_parallel_and_fan_in():
    rng = np.random.default_rng(1)
    init, apply = stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Identity), stax.FanInConcat())
    out_shape, params = init(rng, (-1, 3))
    assert out_shape == (-1, 6)
    x = rng.normal(size=(2, 3))
    (w, b), _ = params[1]
    np.testing.assert_allclose(apply(params, x), np.concatenate([x @ w + b, x], axis=1), rtol=1e-13)
    init, apply = stax.serial(stax.FanOut(2), stax.parallel(stax.Relu, stax.Identity), stax.FanInSum)
    assert init(rng, (2, 3))[0] == (2, 3)
    np.testing.assert_allclose(apply(init(rng, (2, 3))[1], x), np.maximum(x, 0) + x)
    init, apply = stax.serial(stax.Flatten())
    shape, params = init(rng, (2, 3, 4))
    assert shape == (2, 12) and apply(params, np.ones((2, 3, 4))).shape == (2, 12)


def test_an_mlp_learns_a_toy_classification_under_jit():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)     # xor-like: needs the hidden layer
    init, predict = stax.serial(stax.Dense(16), stax.Relu, stax.Dense(2), stax.LogSoftmax)
    _, params = init(rng, (-1, 2))

    def loss(params):
        logp = predict(params, x)
        return -fnp.mean(logp[fnp.arange(x.shape[0]), y])     # cross-entropy by integer indexing
    opt_init, opt_update, get_params = optimizers.adam(0.05)

    @ft.jit
    def step(i, state):
        return opt_update(i, ft.grad(loss)(get_params(state)), state)
    state = opt_init(params)
    first = float(loss(params))
    for i in range(150):
        state = step(i, state)
    final = get_params(state)
    assert float(loss(final)) < 0.5 * first
    accuracy = np.mean(np.argmax(predict(final, x), axis=1) == y)
    assert accuracy > 0.85
