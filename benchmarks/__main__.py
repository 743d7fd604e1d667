"""`python -m benchmarks [--quick] [--only W1,W4] [--systems functrans,jax]`.

Threads are pinned here, before anything imports numpy, numba, torch or jax:
their pools are sized once, at import. jit runs untiered here, so that the
steady-state rows time the kernel (tier 1) and the first-call column is the
compile; `python -m benchmarks.first_call` measures tiered first calls, and
W5's processes run tiered, as a user's would.
"""
import os
import sys

from .threads import pin

_threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
_warnings = pin(numba_threads=_threads)
os.environ["FUNCTRANS_JIT_TIERED"] = "0"

from .runner import main  # noqa: E402  (must follow pin)

sys.exit(main(sys.argv[1:], _warnings))
