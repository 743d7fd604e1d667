"""functrans.scipy: the parts of jax.scipy functrans provides."""
from . import special  # noqa: F401
