"""functrans.numpy.linalg: the norms (other decompositions are not provided)."""
from ._linalg import norm  # noqa: F401
