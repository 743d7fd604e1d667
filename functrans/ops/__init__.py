"""The primitives, grouped by family. Importing this package declares them all."""
from . import calls, custom, elementwise, indexing, linalg, reduce, rules, shape  # noqa: F401
