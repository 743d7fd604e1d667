"""Jaxprs as Graphviz DOT text, drawn the way textbooks draw computation
graphs: every primitive application is a box, every value an ellipse, and
edges run from the values an equation reads to the box and from the box to
the values it writes.

Names are the ones `print(jaxpr)` shows, so the picture and the text can be
read side by side. A Jaxpr inside an equation's params (the branches of
`cond`, the body of `scan` or `while`, the program of a `closed_call`,
`checkpoint` or custom rule) is drawn as a cluster next to the box of that
equation, joined to it by a dashed edge. Inside a cluster the names start
again from `a`, as in the printed form, and the cluster is not wired to the
outer values: how outer operands map onto inner inputs (consts first, then
carries, then slices...) is each primitive's own convention, and the box's
edges already show what it reads and writes. This module only reads Jaxprs.
"""
from __future__ import annotations

from .ir import ClosedJaxpr, Jaxpr, Literal, VarNames, pp_literal, pp_param

_INPUT = 'style=filled, fillcolor="#dbe9f6"'
_CONST = 'style=filled, fillcolor="#e8e8e8"'


def _quote(text: str) -> str:
    """A DOT string literal: quotes and backslashes escaped, newlines kept."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _nested(params):
    """(label, Jaxpr) for every Jaxpr among an equation's params, in order."""
    found = []
    for key, value in sorted(params.items()):
        values = value if isinstance(value, tuple) else (value,)
        jaxprs = [v.jaxpr if isinstance(v, ClosedJaxpr) else v for v in values]
        if jaxprs and all(isinstance(j, Jaxpr) for j in jaxprs):
            many = isinstance(value, tuple)
            found += [(f"{key}[{i}]" if many else key, j) for i, j in enumerate(jaxprs)]
    return found


def _box_label(eqn) -> str:
    """The primitive's name, then its params other than Jaxprs, one a line."""
    nested = {key.split("[")[0] for key, _ in _nested(eqn.params)}
    lines = [eqn.primitive.name]
    lines += [f"{k}={pp_param(v, None, 0)}" for k, v in sorted(eqn.params.items()) if k not in nested]
    return "\n".join(lines)


class _Writer:
    """Collects DOT lines; one instance per `to_dot` call."""

    def __init__(self):
        self.lines = []
        self.counts = {}

    def fresh(self, prefix: str, kind: str) -> str:
        """A new node id: eqn0, eqn1, ..., lit0, ... under `prefix`."""
        n = self.counts[kind] = self.counts.get(kind, -1) + 1
        return f"{prefix}{kind}{n}"

    def emit(self, depth: int, text: str):
        self.lines.append("  " * depth + text)

    def jaxpr(self, jaxpr: Jaxpr, prefix: str, depth: int) -> str:
        """Write the nodes and edges of `jaxpr`, node ids starting with
        `prefix`; return the id of its first node (for a cluster's edge)."""
        names = VarNames()
        first = []

        def node(node_id, attrs):
            self.emit(depth, f"{_quote(node_id)} [{attrs}];")
            first.append(node_id)

        def value(var, extra=""):
            """The id of `var`'s ellipse; a Literal gets a new node per use."""
            if isinstance(var, Literal):
                node_id = self.fresh(prefix, "lit")
                node(node_id, f"label={_quote(pp_literal(var))}, style=dashed{extra}")
                return node_id
            return prefix + names(var)

        def declare(var, attrs=""):
            label = _quote(f"{names(var)}: {var.aval.str_short()}")
            node(prefix + names(var), f"label={label}{attrs}")

        outputs = {}
        for i, var in enumerate(jaxpr.outvars):
            if not isinstance(var, Literal):
                outputs.setdefault(var, []).append(i)

        def out_attrs(var):
            where = outputs.get(var)
            return "" if where is None else f", peripheries=2, xlabel={_quote('out ' + ','.join(map(str, where)))}"

        for var in jaxpr.constvars:
            declare(var, f", {_CONST}{out_attrs(var)}")
        for var in jaxpr.invars:
            declare(var, f", {_INPUT}{out_attrs(var)}")
        for eqn in jaxpr.eqns:
            box = self.fresh(prefix, "eqn")
            node(box, f"label={_quote(_box_label(eqn))}, shape=box")
            for var in eqn.invars:
                self.emit(depth, f"{_quote(value(var))} -> {_quote(box)};")
            for var in eqn.outvars:
                declare(var, out_attrs(var))
                self.emit(depth, f"{_quote(box)} -> {_quote(prefix + names(var))};")
            for label, inner in _nested(eqn.params):
                cluster = self.fresh(prefix, "sub")
                self.emit(depth, f"subgraph {_quote('cluster_' + cluster)} {{")
                self.emit(depth + 1, f"label={_quote(eqn.primitive.name + ': ' + label)}; style=rounded;")
                anchor = self.jaxpr(inner, cluster + "/", depth + 1)
                self.emit(depth, "}")
                self.emit(depth, f"{_quote(box)} -> {_quote(anchor)} "
                                 f"[style=dashed, arrowhead=none, lhead={_quote('cluster_' + cluster)}];")
        for i, var in enumerate(jaxpr.outvars):
            if isinstance(var, Literal):
                value(var, f", peripheries=2, xlabel={_quote(f'out {i}')}")
        if not first:    # an empty program still needs a node for its cluster's edge
            node(self.fresh(prefix, "empty"), "label=\"\", shape=point")
        return first[0]


def to_dot(closed_jaxpr: ClosedJaxpr | Jaxpr, name: str = "jaxpr") -> str:
    """Graphviz DOT text of a Jaxpr (or ClosedJaxpr, as `make_jaxpr` returns):
    boxes for primitives, ellipses for values; inputs are shaded, outputs
    drawn with a double border and labelled `out i`, literals dashed.

    >>> dot = to_dot(make_jaxpr(lambda w, x, b: w * x + b)(1.0, 2.0, 3.0))
    >>> '"eqn0" [label="mul", shape=box];' in dot
    True

    Render it with `dot -Tsvg` (Graphviz), or paste it into any DOT viewer.
    """
    jaxpr = closed_jaxpr.jaxpr if isinstance(closed_jaxpr, ClosedJaxpr) else closed_jaxpr
    writer = _Writer()
    writer.emit(0, f"digraph {_quote(name)} {{")
    writer.emit(1, "rankdir=LR; compound=true; forcelabels=true;")
    writer.emit(1, 'graph [fontname="Helvetica"]; node [shape=ellipse, fontname="Helvetica"];')
    writer.jaxpr(jaxpr, "", 1)
    writer.emit(0, "}")
    return "\n".join(writer.lines) + "\n"
