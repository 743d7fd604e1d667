"""A small layer set, as in `jax.example_libraries.stax`.

A layer is a pair `(init_fun, apply_fun)`:

    init_fun(rng, input_shape) -> (output_shape, params)
    apply_fun(params, inputs, **kwargs) -> outputs

`rng` is a `numpy.random.Generator` (functrans has no PRNG keys: the
parameters are initialised eagerly, outside any transformation), and an
input shape may start with -1 for the batch. Combinators nest layers:

    init, predict = stax.serial(stax.Dense(32), stax.Relu, stax.Dense(10), stax.LogSoftmax)
    out_shape, params = init(np.random.default_rng(0), (-1, 784))
"""
from __future__ import annotations

import numpy as np

from .. import nn
from .. import numpy as fnp


def glorot_normal(in_axis=-2, out_axis=-1, scale=1.0):
    """Normal weights of variance `2 * scale / (fan_in + fan_out)`."""
    def init(rng, shape):
        fan_in, fan_out = shape[in_axis], shape[out_axis]
        return fnp.asarray(rng.normal(size=shape) * np.sqrt(2.0 * scale / (fan_in + fan_out)))
    return init


def normal(stddev=1e-2):
    """Normal values of standard deviation `stddev`."""
    return lambda rng, shape: fnp.asarray(rng.normal(size=shape) * stddev)


def Dense(out_dim, W_init=None, b_init=None):
    """An affine layer `inputs @ W + b` with `out_dim` outputs."""
    W_init, b_init = W_init or glorot_normal(), b_init or normal()

    def init_fun(rng, input_shape):
        output_shape = tuple(input_shape[:-1]) + (out_dim,)
        return output_shape, (W_init(rng, (input_shape[-1], out_dim)), b_init(rng, (out_dim,)))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return fnp.dot(inputs, W) + b
    return init_fun, apply_fun


def elementwise(fun, **fun_kwargs):
    """A parameterless layer applying `fun(inputs, **fun_kwargs)`."""
    return (lambda rng, input_shape: (input_shape, ())), (lambda params, inputs, **kwargs: fun(inputs, **fun_kwargs))


Tanh = elementwise(fnp.tanh)
Relu = elementwise(nn.relu)
Sigmoid = elementwise(nn.sigmoid)
Softplus = elementwise(nn.softplus)
LogSoftmax = elementwise(nn.log_softmax, axis=-1)
Softmax = elementwise(nn.softmax, axis=-1)
Identity = elementwise(lambda x: x)


def Flatten():
    """All but the leading (batch) axis in one."""
    def init_fun(rng, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:]))), ()
    return init_fun, lambda params, inputs, **kwargs: fnp.reshape(inputs, (inputs.shape[0], -1))


def serial(*layers):
    """The layers applied one after the other; params are a tuple, one
    entry per layer."""
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        params = []
        for init in init_funs:
            input_shape, param = init(rng, input_shape)
            params.append(param)
        return input_shape, tuple(params)

    def apply_fun(params, inputs, **kwargs):
        for apply, param in zip(apply_funs, params):
            inputs = apply(param, inputs, **kwargs)
        return inputs
    return init_fun, apply_fun


def parallel(*layers):
    """The layers applied to the matching entries of a tuple of inputs
    (build a fan-out / fan-in around it with `FanOut` / `FanInSum`)."""
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        return tuple(zip(*[init(rng, shape) for init, shape in zip(init_funs, input_shape)])) or ((), ())

    def apply_fun(params, inputs, **kwargs):
        return tuple(apply(p, x, **kwargs) for apply, p, x in zip(apply_funs, params, inputs))
    return init_fun, apply_fun


def FanOut(num):
    """`num` copies of the input, as a tuple."""
    return (lambda rng, input_shape: ((input_shape,) * num, ())), (lambda params, inputs, **kwargs: (inputs,) * num)


def _fan_in(combine, shape):
    return (lambda rng, input_shape: (shape(input_shape), ())), (lambda params, inputs, **kwargs: combine(inputs))


FanInSum = _fan_in(lambda xs: sum(xs[1:], xs[0]), lambda shapes: shapes[0])


def FanInConcat(axis=-1):
    """The tuple of inputs concatenated along `axis`."""
    def shape(shapes):
        ax = axis % len(shapes[0])
        return shapes[0][:ax] + (sum(s[ax] for s in shapes),) + shapes[0][ax + 1:]
    return _fan_in(lambda xs: fnp.concatenate(xs, axis=axis), shape)
