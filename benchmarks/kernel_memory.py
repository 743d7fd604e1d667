"""Resident memory per kernel: one jitted function called on N distinct
shapes, then N distinct programs, in one process with an empty disk cache.

`python -m benchmarks.kernel_memory [--shapes 500] [--programs 200] [--tiered]`

Prints the resident set (VmRSS) every 100 calls, the growth per 1,000
shapes and per 1,000 programs, what `functrans.clear_caches()` gives back,
and (tiered) the compile worker's resident set. Untiered by default: every
new signature compiles in this process. `--tiered`: the worker compiles,
this process only loads (what a user's default process holds).
FUNCTRANS_MAX_KERNELS bounds the kernels held (default 512).
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile


def resident_mb(pid="self") -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", type=int, default=500)
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--tiered", action="store_true")
    args = parser.parse_args(argv)
    os.environ["FUNCTRANS_JIT_TIERED"] = "1" if args.tiered else "0"
    os.environ.setdefault("FUNCTRANS_CACHE_DIR", tempfile.mkdtemp(prefix="functrans-memory-"))
    import numpy as np

    import functrans as ft
    import functrans.numpy as fnp
    from functrans.backend import tiers

    def settle():
        tiers.wait_all()
        gc.collect()

    def measure(count: int, call, label: str) -> float:
        """Call `call(i)` for i < count; print RSS every 100; MB per 1,000 calls."""
        settle()
        start = resident_mb()
        print(f"{label}: start {start:.0f} MB", flush=True)
        for i in range(count):
            call(i)
            if (i + 1) % 100 == 0 or i + 1 == count:
                settle()
                print(f"  {i + 1:5d} {label}: {resident_mb():7.0f} MB (+{resident_mb() - start:.0f})", flush=True)
        return (resident_mb() - start) / count * 1000

    ft.jit(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3))      # numba imported and set up before the baseline
    settle()
    shaped = ft.jit(lambda x: fnp.sum(fnp.sin(x) * 2.0 + 1.0))
    per_shape = measure(args.shapes, lambda i: shaped(np.ones(i + 1)), "shapes")
    per_program = measure(args.programs, lambda i: ft.jit(lambda x: fnp.sum(fnp.tanh(x * (1.0 + i)) - i))(np.ones(7)),
                          "programs")
    before = resident_mb()
    ft.clear_caches()
    settle()
    print(f"\nper 1,000 shapes: {per_shape:.0f} MB; per 1,000 programs: {per_program:.0f} MB")
    print(f"clear_caches() then gc: {before - resident_mb():.0f} MB released of {before:.0f} MB resident")
    worker = tiers.BUILDER.worker()
    if worker is not None and worker.pid is not None and worker.dead is None:
        print(f"compile worker (pid {worker.pid}): {resident_mb(worker.pid):.0f} MB resident")
    return 0


if __name__ == "__main__":
    sys.exit(main())
