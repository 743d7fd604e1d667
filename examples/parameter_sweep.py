"""A parameter sweep: many small independent fits, run serially, on a
local process pool and on a dask.distributed cluster. Each fit is a
logistic regression of one group's data for one L2 strength, by gradient
descent with `ft.jit(ft.value_and_grad(loss))`. The jitted function travels
to the workers by pickle; they find its kernel in the disk cache the serial
run filled, instead of compiling it again. Prints each executor's wall
time, its speed-up over the serial run and whether its results equal it.

    python examples/parameter_sweep.py [--small] [--executor all|serial|pool|dask] [--workers N]

The Dask executor needs `pip install -e ".[dask]"`; without it the script
says so and runs the others.
"""
import argparse
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

import functrans as ft
import functrans.numpy as fnp

LEARNING_RATE = 0.5


def group_data(group, rows, cols):
    """One group's features and 0/1 labels from a noisy linear rule of its own."""
    rng = np.random.default_rng(group)
    X = rng.standard_normal((rows, cols))
    y = (X @ rng.standard_normal(cols) + 0.5 * rng.standard_normal(rows) > 0).astype(np.float64)
    return X, y


def loss(w, X, y, l2):
    """Mean logistic loss of the linear model `w`, plus `l2 * |w|^2`."""
    logits = X @ w
    return fnp.mean(ft.nn.softplus(logits) - y * logits) + l2 * fnp.sum(w * w)


# One compiled function serves every fit: all groups have the same shapes.
loss_and_grad = ft.jit(ft.value_and_grad(loss))


def fit(task):
    """Fit one (group, l2) task; return its final loss and training accuracy."""
    group, l2, rows, cols, steps = task
    X, y = group_data(group, rows, cols)
    w = np.zeros(cols)
    for _ in range(steps):
        value, g = loss_and_grad(w, X, y, l2)
        w = w - LEARNING_RATE * g
    return float(value), float(np.mean((X @ w > 0) == (y > 0)))


def run_serial(tasks, workers):
    return [fit(t) for t in tasks]


def run_pool(tasks, workers):
    # spawn: fresh interpreters, as on every platform (fork would copy this
    # process, kernels in memory included, and is unsafe with threads)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fit, tasks, chunksize=max(1, len(tasks) // (4 * workers))))


def run_dask(tasks, workers):
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        return client.gather(client.map(fit, tasks, pure=False))


EXECUTORS = {"serial": run_serial, "pool": run_pool, "dask": run_dask}


def dask_missing():
    """Why the Dask executor cannot run here, or None."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError as e:
        return f"dask.distributed is not installed ({e}); install it with: pip install -e \".[dask]\""
    return None


def main(small=False, executor="all", workers=2):
    """Run the sweep on each executor asked for; return {executor: (seconds, results)}."""
    groups, l2s, rows, cols, steps = (4, (0.0, 0.1), 200, 4, 30) if small else (16, (0.0, 0.01, 0.1), 2000, 16, 200)
    tasks = [(g, l2, rows, cols, steps) for g in range(groups) for l2 in l2s]
    print(f"{len(tasks)} fits ({groups} groups x {len(l2s)} L2 strengths), each {steps} steps on "
          f"{rows}x{cols}; {workers} workers; kernel cache {os.environ.get('FUNCTRANS_CACHE_DIR', 'default')}")
    names = ["serial", "pool", "dask"] if executor == "all" else ["serial", executor] if executor != "serial" \
        else ["serial"]
    if "dask" in names and (why := dask_missing()):
        print(f"dask: skipped: {why}")
        names.remove("dask")
    out = {}
    for name in names:
        start = time.perf_counter()
        results = EXECUTORS[name](tasks, workers)
        out[name] = (time.perf_counter() - start, results)
    serial_seconds, serial_results = out["serial"]
    for name, (seconds, results) in out.items():
        worst = max(abs(a - b) / max(abs(b), 1e-300) for r, s in zip(results, serial_results) for a, b in zip(r, s))
        same = "equal to serial" if worst <= 1e-9 else f"DIFFERENT from serial (max rel diff {worst:.1e})"
        print(f"{name:>6}: {seconds:6.2f} s, speed-up {serial_seconds / seconds:4.2f}x, results {same}")
    best = {}
    for (group, l2, *_), (value, accuracy) in zip(tasks, serial_results):
        if group not in best or value < best[group][1]:
            best[group] = (l2, value, accuracy)
    for group, (l2, value, accuracy) in sorted(best.items())[:4]:
        print(f"group {group}: best l2 {l2}, loss {value:.4f}, train accuracy {accuracy:.3f}")
    print("(times include starting the workers; the serial run compiled the kernel, the workers loaded it from disk)")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a fast run with small sizes")
    parser.add_argument("--executor", choices=["all", *EXECUTORS], default="all",
                        help="serial always runs, as the reference")
    parser.add_argument("--workers", type=int, default=2, help="processes in the pool and the Dask cluster")
    args = parser.parse_args()
    main(small=args.small, executor=args.executor, workers=args.workers)
