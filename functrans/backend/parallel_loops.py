"""A loop group's nest, assembled serially or split over numba's threads.

A nest whose iteration count reaches `PARALLEL_MIN_ITERATIONS` runs its
outer loop in `CHUNKS` fixed chunks under `numba.prange`: each chunk is one
`fused_loop` call on its own index range, returning its partial scalar
reductions, which are combined in chunk order after the parallel loop (then
the rows the chunks leave over). The chunks do not depend on the thread
count, so a kernel's results are the same on any number of threads. Shapes
are static, so the choice is made here, when the kernel is rendered: small
programs never pay numba's slower parallel compile or its launch.

Thread count: numba's, `NUMBA_NUM_THREADS` or `numba.set_num_threads`.
"""
from __future__ import annotations

import math

from . import loopgen
from .lowering import dtype_expr, loops

# Below this many iterations a loop stays serial. A parallel launch costs
# ~10-50 us and a parallel kernel compiles ~0.3 s slower; at >= 2^18
# iterations (a 2 MB float64 array) the loop itself takes a few hundred us
# at the least.
PARALLEL_MIN_ITERATIONS = 1 << 18
CHUNKS = 64
_CHUNK, _STEP = "c0", "j0"     # digits: never IR names


def _indent(lines):
    return ["    " + line for line in lines]


class Nest:
    """The parts of a loop nest over `shape` that `render._render_group`
    fills: allocations (`top`), array fills of reductions run before the
    loop (`fills`), statements before and after each depth's inner loops,
    the innermost body, and the full reductions' scalar accumulators
    (`results`: (name, combine(acc, x) -> expression, dtype))."""

    def __init__(self, shape, idx):
        self.shape, self.idx = shape, idx
        # Per loop: a stride s > 1 runs index i as s * block + residue, the
        # residue loop innermost: a pad's interior test `i % s == 0` becomes
        # a constant in each unrolled residue, which lets LLVM vectorize
        # (W7's interleaving loop: 18 ms -> 1.3 ms).
        self.strides = [1] * len(shape)
        self.top, self.fills, self.body, self.results = [], [], [], []
        self.before = [[] for _ in range(len(shape) + 1)]
        self.after = [[] for _ in range(len(shape) + 1)]
        self.shared_outer = False    # a reduction accumulates across the outer index into an array

    def _nest(self, d):
        if d == len(self.shape):
            return self.body
        inner = self.before[d + 1] + self._nest(d + 1) + self.after[d + 1]
        return self._loop(d, 0, self.shape[d] // self.strides[d], inner,
                          self.idx[d] if self.strides[d] == 1 else f"b{d}")

    def _loop(self, d, start, count, inner, block):
        """`for` over `count` blocks from `start` of loop d, binding its index."""
        s, i = self.strides[d], self.idx[d]
        first = f"{start} + {block}" if start else block
        if s == 1:
            if block == i:
                return [f"for {i} in range({count}):"] + _indent(inner)
            return [f"for {block} in range({count}):", f"    {i} = {first}"] + _indent(inner)
        first = f"({first})" if start else first
        return [f"for {block} in range({count}):", f"    for r{d} in range({s}):",
                f"        {i} = {s} * {first} + r{d}"] + _indent(_indent(inner))

    def serial_lines(self) -> list[str]:
        loop = self.fills + self.before[0] + self._nest(0) + self.after[0]
        return self.top + loopgen.call_lines(loop, [acc for acc, _, _ in self.results])

    def parallelizable(self) -> bool:
        return (not self.shared_outer and self.shape[0] >= 2
                and math.prod(self.shape) >= PARALLEL_MIN_ITERATIONS)

    def parallel_lines(self) -> list[str]:
        n = self.shape[0] // self.strides[0]
        # A chunk count dividing the outer extent leaves no rows over (no second copy of the body).
        k = next((k for k in range(CHUNKS, CHUNKS // 2, -1) if n % k == 0), min(CHUNKS, n))
        size, rest = divmod(n, k)
        accs = [acc for acc, _, _ in self.results]
        inner = self.before[1] + self._nest(1) + self.after[1]

        def chunk(start, count):
            return self._loop(0, start, count, inner, _STEP)
        lines = list(self.top)
        if self.fills:
            lines += loopgen.call_lines(self.fills, [])
        lines += [f"{acc}_parts = np.empty({k}, {dtype_expr(dtype)})" for acc, _, dtype in self.results]
        body = loopgen.call_lines(self.before[0] + chunk(f"{_CHUNK} * {size}", size), accs,
                                  targets=[f"{acc}_chunk" for acc in accs])
        body += [f"{acc}_parts[{_CHUNK}] = {acc}_chunk" for acc in accs]
        lines += [f"for {_CHUNK} in prange({k}):"] + _indent(body)
        if accs or rest:
            tail = list(self.before[0])
            if accs:
                tail += loops([(_CHUNK, k)], [f"{acc} = {combine(acc, f'{acc}_parts[{_CHUNK}]')}"
                                              for acc, combine, _ in self.results])
            tail += chunk(k * size, rest) if rest else []
            lines += loopgen.call_lines(tail, accs)
        return lines
