"""Thread pinning for the benchmark processes.

Every runtime reads its thread count once, when it is imported, so `pin`
must run before numpy, numba, torch or jax is imported; this module imports
nothing heavy so that `benchmarks/__main__.py` can call it first.
"""
import os
import sys

# Libraries whose thread pools are sized from the environment at import.
_ONE_THREAD = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NPROC")   # NPROC: JAX 0.10's CPU client ignores XLA_FLAGS thread settings


def pin(numba_threads: int = 1) -> list[str]:
    """Give every runtime one thread and numba `numba_threads`, on numba's
    workqueue layer (so it never shares an OpenMP runtime with torch).
    Returns warnings about libraries imported too early to be pinned."""
    for var in _ONE_THREAD:
        os.environ[var] = "1"
    os.environ["NUMBA_NUM_THREADS"] = str(numba_threads)
    os.environ["NUMBA_THREADING_LAYER"] = "workqueue"
    early = [m for m in ("numpy", "numba", "torch", "jax") if m in sys.modules]
    return [f"{m} was imported before the thread settings; its thread count may be wrong" for m in early]
