"""functrans.scipy.special: logsumexp, expit and erf, differentiable."""
from ..nn import logsumexp  # noqa: F401
from ..nn import sigmoid as expit  # noqa: F401
from ..ops.elementwise import erf  # noqa: F401
