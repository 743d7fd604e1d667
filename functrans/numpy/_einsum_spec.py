"""einsum's subscripts read into plain terms that `_linalg.einsum`
contracts pairwise: NumPy's sublist form becomes a string, `...` becomes
letters for the broadcast axes (size-1 ones squeezed where the others are
longer), and a letter repeated within a term becomes a diagonal of that
operand (so 'ii->i' is diag and 'ii' a trace)."""
from __future__ import annotations

import string

from ..errors import ShapeError
from ._base import aval
from ._matrix_shape import diagonal
from ._shape import squeeze

_LETTERS = string.ascii_letters


def from_sublists(args):
    """(subscripts, operands) from einsum's arguments in either form:
    ('ij,jk->ik', a, b) or NumPy's (a, [0, 1], b, [1, 2], [0, 2])."""
    if isinstance(args[0], str):
        return args[0], list(args[1:])
    output = args[-1] if len(args) % 2 else None       # a last, unpaired sublist names the output
    pairs = args[:-1] if output is not None else args
    inputs = ",".join(_sublist(s) for s in pairs[1::2])
    return inputs + ("->" + _sublist(output) if output is not None else ""), list(pairs[0::2])


def _sublist(labels):
    out = []
    for label in labels:
        if label is Ellipsis:
            out.append("...")
        elif isinstance(label, int) and 0 <= label < len(_LETTERS):
            out.append(_LETTERS[label])
        else:
            raise ValueError(f"einsum: sublist labels are Ellipsis or integers in [0, {len(_LETTERS)}), got {label!r}")
    return "".join(out)


def _expand_ellipses(terms, output, operands, explicit):
    """`...` replaced by letters unused elsewhere, one per broadcast axis,
    aligned on the right as NumPy broadcasts them."""
    used = set("".join(terms) + output)
    spare = [c for c in _LETTERS if c not in used]
    widths = []
    for term, x in zip(terms, operands):
        ndim = aval(x).ndim
        width = ndim - (len(term) - 3) if "..." in term else 0
        if width < 0 or "..." not in term and len(term) != ndim:
            raise ShapeError(f"einsum: term {term!r} does not fit an operand of shape {aval(x).shape}")
        widths.append(width)
    most = max(widths, default=0)
    letters = "".join(spare[:most])
    terms = [t.replace("...", letters[most - w:]) for t, w in zip(terms, widths)]
    if explicit:
        output = output.replace("...", letters)
    else:      # NumPy's implicit output: the broadcast axes, then the letters seen once, sorted
        joined = "".join(terms)
        output = letters + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in letters))
    return terms, output


def _take_diagonals(term, x):
    """A term with each repeated letter once: the operand's diagonal over
    the repeated axes (moved last)."""
    while True:
        repeated = next((c for c in term if term.count(c) > 1), None)
        if repeated is None:
            return term, x
        i = term.index(repeated)
        j = term.index(repeated, i + 1)
        shape = aval(x).shape
        if shape[i] != shape[j]:
            raise ShapeError(f"einsum: index {repeated!r} of term {term!r} stands for axes of lengths {shape[i]} "
                             f"and {shape[j]}; a repeated index needs one length")
        x = diagonal(x, 0, i, j)
        term = "".join(c for k, c in enumerate(term) if k not in (i, j)) + repeated


def _squeeze_broadcast(terms, operands):
    """Size-1 axes whose letter has a longer axis elsewhere are broadcast:
    squeezed out, so that the letter's axes agree."""
    sizes = {}
    for term, x in zip(terms, operands):
        for c, n in zip(term, aval(x).shape):
            sizes.setdefault(c, set()).add(n)
    for c, seen in sizes.items():
        if len(seen - {1}) > 1:
            shapes = [str(aval(x).shape) for term, x in zip(terms, operands) if c in term]
            raise ShapeError(f"einsum: shapes {' and '.join(shapes)} do not agree on index {c!r} (lengths "
                             f"{' and '.join(map(str, sorted(seen)))}): the axes one index names need one length "
                             "(or length 1, which broadcasts); check the subscripts and the operands' order")
    out_terms, out_operands = [], []
    for term, x in zip(terms, operands):
        drop = tuple(k for k, (c, n) in enumerate(zip(term, aval(x).shape)) if n == 1 and max(sizes[c]) > 1)
        out_terms.append("".join(c for k, c in enumerate(term) if k not in drop))
        out_operands.append(squeeze(x, drop) if drop else x)
    return out_terms, out_operands


def normalize(subscripts, operands):
    """(terms, output, operands): one term per operand, no `...`, no letter
    repeated within a term, and axes of one letter of one length."""
    subscripts = subscripts.replace(" ", "")
    explicit = "->" in subscripts
    inputs, _, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {len(terms)} subscript terms for {len(operands)} operands")
    bad = set(subscripts) - set(_LETTERS) - set(",->.")
    if bad or "." in subscripts.replace("...", ""):
        raise ValueError(f"einsum: invalid subscripts {subscripts!r}: use letters, ',', '->' and '...'")
    terms, output = _expand_ellipses(terms, output, operands, explicit)
    if len(set(output)) != len(output):
        raise ValueError(f"einsum: output subscripts {output!r} repeat an index")
    pairs = [_take_diagonals(t, x) for t, x in zip(terms, operands)]
    terms, operands = _squeeze_broadcast([t for t, _ in pairs], [x for _, x in pairs])
    if set(output) - set("".join(terms)):
        raise ValueError(f"einsum: output subscripts {output!r} name indices no operand has")
    return terms, output, operands
