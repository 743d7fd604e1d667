"""W2 mlp: `jit(value_and_grad(loss))` of a 2-layer tanh MLP with softmax
cross-entropy over the params pytree (W1 784x256, W2 256x10, batch 128)."""
import numpy as np

from .harness import Case, compiled, toolkit_systems

ID, TITLE = "W2", "mlp"


def loss(m, params, x, y):
    """Mean softmax cross-entropy; `y` is one-hot."""
    w1, b1, w2, b2 = params
    h = m.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    z = z - m.max(z, axis=1, keepdims=True)
    logp = z - m.log(m.sum(m.exp(z), axis=1, keepdims=True))
    return -m.mean(m.sum(y * logp, axis=1))


def hand_value_and_grad(params, x, y):
    """Backpropagation written out in NumPy."""
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    value = -np.mean(np.sum(y * (z - np.log(s)), axis=1))
    dz = (e / s * y.sum(axis=1, keepdims=True) - y) / x.shape[0]
    dh = (dz @ w2.T) * (1.0 - h * h)
    return value, (x.T @ dh, dh.sum(axis=0), h.T @ dz, dz.sum(axis=0))


def cases(quick):
    n_in, n_hidden, n_out, batch = (78, 32, 10, 16) if quick else (784, 256, 10, 128)
    rng = np.random.default_rng(0)
    params = (rng.normal(0, n_in ** -0.5, (n_in, n_hidden)), np.zeros(n_hidden),
              rng.normal(0, n_hidden ** -0.5, (n_hidden, n_out)), np.zeros(n_out))
    x = rng.normal(size=(batch, n_in))
    y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    args = (params, x, y)
    systems = toolkit_systems(lambda tk: compiled(tk, tk.value_and_grad(lambda *a: loss(tk.m, *a))), args)
    systems["numpy"] = lambda: lambda: hand_value_and_grad(*args)
    label = f"jit(value_and_grad(loss)), {n_in}x{n_hidden}x{n_out}, batch {batch}"
    return [Case(label, lambda: hand_value_and_grad(*args), systems)]
