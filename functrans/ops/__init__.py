"""The primitives, grouped by family. Importing this package declares them all."""
from . import calls, cond, custom, elementwise, indexing, linalg, reduce, rules, scan, shape, while_loop  # noqa: F401
