"""`python -m benchmarks [--quick] [--only W1,W4] [--systems functrans,jax]`.

Threads are pinned here, before anything imports numpy, numba, torch or jax:
their pools are sized once, at import.
"""
import sys

from .threads import pin

_threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
_warnings = pin(numba_threads=_threads)

from .runner import main  # noqa: E402  (must follow pin)

sys.exit(main(sys.argv[1:], _warnings))
