"""functrans.scipy: the parts of jax.scipy functrans provides."""
from . import linalg, special, stats  # noqa: F401
