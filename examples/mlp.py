"""A two-layer perceptron trained on three interleaved spirals, a data set no
linear classifier separates (it gets about a third right), generated with
NumPy: no download.

The parameters are a dict (a pytree); one compiled function,
`ft.jit(ft.value_and_grad(loss))`, returns the loss and a dict of gradients
shaped like the parameters. Prints loss and accuracy per epoch, and checks
that the test accuracy reaches the target (97%; 90% with --small).

    python examples/mlp.py [--small]
"""
import argparse
import time

import numpy as np

import functrans as ft
import functrans.numpy as fnp

NUM_CLASSES = 3


def spirals(rng, per_class):
    """`per_class` noisy points on each of NUM_CLASSES spiral arms in the
    plane: features (n, 2) and integer labels (n,)."""
    radius = np.tile(np.linspace(0.05, 1.0, per_class), NUM_CLASSES)
    labels = np.repeat(np.arange(NUM_CLASSES), per_class)
    angle = 4.0 * (labels + radius) + 0.2 * rng.standard_normal(len(labels))
    features = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return features, labels


def init_params(rng, hidden):
    """He initialisation for the ReLU layer, zero biases."""
    return {"W1": rng.standard_normal((2, hidden)), "b1": np.zeros(hidden),
            "W2": rng.standard_normal((hidden, NUM_CLASSES)) * np.sqrt(2.0 / hidden),
            "b2": np.zeros(NUM_CLASSES)}


def logits(params, X):
    """The network: affine, ReLU, affine."""
    z = X @ params["W1"] + params["b1"]
    h = fnp.where(z > 0, z, 0.0)
    return h @ params["W2"] + params["b2"]


def log_softmax(z):
    # Subtracting the row maximum keeps exp from overflowing. It changes no
    # value, so its gradient is zero: stop_gradient says so, and spares the
    # compiled gradient the work of differentiating the maximum.
    z = z - ft.stop_gradient(fnp.max(z, axis=1, keepdims=True))
    return z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True))


def loss(params, X, one_hot):
    """Mean cross-entropy of the softmax of the logits."""
    return -fnp.mean(fnp.sum(log_softmax(logits(params, X)) * one_hot, axis=1))


# One numba compile on the first call: every minibatch has the same shapes.
loss_and_grads = ft.jit(ft.value_and_grad(loss))


def accuracy(params, X, labels):
    # Called eagerly, outside jit: functrans runs op by op on NumPy arrays,
    # so evaluating needs no second compile.
    return float(np.mean(np.argmax(logits(params, X), axis=1) == labels))


def main(small=False):
    """Train; return the final test accuracy."""
    rng = np.random.default_rng(0)
    per_class, epochs, target = (100, 30, 0.90) if small else (200, 100, 0.97)
    hidden, batch_size, lr = 64, 32, 0.5
    X, labels = spirals(rng, per_class)
    X_test, labels_test = spirals(rng, per_class)
    one_hot = np.eye(NUM_CLASSES)[labels]
    params = init_params(rng, hidden)
    print(f"{len(X)} training and {len(X_test)} test points in {NUM_CLASSES} spirals; "
          f"{hidden} hidden units; SGD, minibatches of {batch_size}, learning rate {lr}")
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(X))
        losses = []
        # Whole minibatches only, so that every call has the compiled shapes.
        for i in range(0, len(X) - batch_size + 1, batch_size):
            batch = order[i:i + batch_size]
            value, grads = loss_and_grads(params, X[batch], one_hot[batch])
            params = {k: params[k] - lr * grads[k] for k in params}
            losses.append(value)
        if epoch == 1 or epoch % (epochs // 10) == 0:
            print(f"epoch {epoch:3d}: loss {np.mean(losses):.4f}, train accuracy "
                  f"{accuracy(params, X, labels):.3f}, test accuracy {accuracy(params, X_test, labels_test):.3f}")
    test_accuracy = accuracy(params, X_test, labels_test)
    print(f"training took {time.perf_counter() - start:.2f} s (the first step includes numba's compile)")
    print(f"final test accuracy {test_accuracy:.3f} (target {target:.2f})")
    if test_accuracy < target:
        raise SystemExit(f"test accuracy {test_accuracy:.3f} is below the target {target:.2f}")
    return test_accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a fast run with small sizes")
    main(small=parser.parse_args().small)
