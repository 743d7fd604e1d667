"""functrans.scipy: the parts of jax.scipy functrans provides."""
from . import linalg, special  # noqa: F401
