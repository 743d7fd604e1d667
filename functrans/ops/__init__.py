"""The primitives, grouped by family. Importing this package declares them all."""
from . import control_flow, custom, elementwise, indexing, linalg, reduce, rules, scatter_combine, shaping  # noqa: F401
