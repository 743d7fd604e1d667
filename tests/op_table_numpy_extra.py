"""The op-table rows of the `functrans.numpy` names that are compositions
of other facade functions (`_dtype_names`, `_extra_names`; import
`op_table`, which adds these to `ROWS`)."""
from __future__ import annotations

import numpy as np
from op_table import F64, I32, real
from op_table_numpy import np_row

import functrans.numpy as fnp

QUERIES = [
    np_row("isscalar", (real, (2, 3), F64)), np_row("isscalar", 1.5, case="python-float"),
    # jnp.isscalar counts 0-d arrays as scalars; np.isscalar does not.
    np_row("isscalar", (real, (), F64), reference=lambda x: np.ndim(x) == 0),
    np_row("iterable", (real, (2, 3), F64)), np_row("iterable", 1.5, case="python-float"),
    *[np_row("issubdtype", (real, (2,), dtype), fun=lambda x, k=kind: fnp.issubdtype(x.dtype, k),
             reference=lambda x, k=kind: np.issubdtype(x.dtype, k), case=f"{dtype}-{kind.__name__}")
      for dtype in (F64, I32) for kind in (np.floating, np.integer)],
]

ROWS = QUERIES
