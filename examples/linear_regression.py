"""Linear regression from scratch, as in Dive into Deep Learning: synthetic
data from y = X w + b + noise, then minibatch stochastic gradient descent
with a compiled gradient, `ft.jit(ft.grad(loss))`. Prints the loss falling
epoch by epoch and the recovered w and b beside the true ones.

    python examples/linear_regression.py [--small]
"""
import argparse
import time

import numpy as np

import functrans as ft
import functrans.numpy as fnp

TRUE_W = np.array([2.0, -3.4])
TRUE_B = 4.2


def synthetic_data(rng, num_examples):
    """Features from N(0, 1) and labels y = X w + b plus N(0, 0.01^2) noise."""
    X = rng.standard_normal((num_examples, len(TRUE_W)))
    y = X @ TRUE_W + TRUE_B + 0.01 * rng.standard_normal(num_examples)
    return X, y


def loss(params, X, y):
    """Half the mean squared error of the linear model `params = (w, b)`."""
    w, b = params
    return fnp.mean((X @ w + b - y) ** 2) / 2


# Traced and compiled by numba on the first call, reused by every later one
# (all minibatches have the same shapes). grad differentiates with respect
# to the first argument, the (w, b) pytree, and returns gradients shaped alike.
loss_grad = ft.jit(ft.grad(loss))


def main(small=False):
    """Fit w and b by minibatch SGD; return them."""
    rng = np.random.default_rng(0)
    num_examples, batch_size, lr, num_epochs = (200, 10, 0.1, 3) if small else (1000, 10, 0.03, 3)
    X, y = synthetic_data(rng, num_examples)
    params = (np.zeros(2), 0.0)
    print(f"{num_examples} examples, minibatches of {batch_size}, learning rate {lr}")
    print(f"epoch 0: loss {loss(params, X, y):.6f}")
    start = time.perf_counter()
    for epoch in range(1, num_epochs + 1):
        order = rng.permutation(num_examples)
        for i in range(0, num_examples, batch_size):
            batch = order[i:i + batch_size]
            grads = loss_grad(params, X[batch], y[batch])
            params = tuple(p - lr * g for p, g in zip(params, grads))
        print(f"epoch {epoch}: loss {loss(params, X, y):.6f}")
    print(f"training took {time.perf_counter() - start:.2f} s (the first step includes numba's compile)")
    w, b = params
    print(f"w = {np.round(w, 4)}, true w = {TRUE_W}, error {np.abs(w - TRUE_W).max():.4f}")
    print(f"b = {float(b):.4f}, true b = {TRUE_B}, error {abs(b - TRUE_B):.4f}")
    return w, b


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a fast run with small sizes")
    main(small=parser.parse_args().small)
