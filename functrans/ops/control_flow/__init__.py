"""Higher-order primitives: the branch (`cond`), the loops (`scan`, `while`
and its reverse mode, `while_vjp`, run as loop programs) and the calls
(`closed_call`, `checkpoint`). Their rules apply the Jaxpr transformations to
the Jaxprs they hold."""
from . import calls, cond, scan, while_loop  # noqa: F401
