"""Benchmarks W1-W10 (see BENCHMARKS.md; W10, process pools and Dask, is described in w10_sweep.py):
functrans against JAX, PyTorch,
HIPS autograd, NumPy with hand-derived gradients and hand-written numba,
in one run: `python -m benchmarks [--quick] [--only W1,W4]`.

One module per workload, each exposing `ID`, `TITLE`, `cases(quick)` and
optionally `notes(results, quick, budget)`; the shared pieces are
`timing` (the timer), `harness` (check, then time), `toolkits` (one
interface over the systems) and `report`. Importing this package imports
nothing heavy, so that `__main__` can pin threads first.
"""
WORKLOADS = {
    "W1": "w1_elementwise",
    "W2": "w2_mlp",
    "W3": "w3_hessian",
    "W4": "w4_dispatch",
    "W5": "w5_compile",
    "W6": "w6_linreg",
    "W7": "w7_hvp",
    "W8": "w8_scan",
    "W9": "w9_trace",
    "W10": "w10_sweep",
}
