"""Reverse mode on concrete values, one equation at a time, from cached splits.

Eager `grad` of a traced Jaxpr whose inputs and consts are all concrete runs
each equation that reads a nonzero tangent through its *split*: the
equation's JVP, partially evaluated into a known part (outputs and
residuals, evaluated now on NumPy) and a linear part, transposed once (what
reads the residuals and the output cotangents, evaluated on the way back).
A split depends only on the primitive, its params, the input types and which
inputs carry tangents (Literals are inputs like the others), so a program of
2,000 operations of a handful of kinds builds a handful of splits, and each
operation then costs two small evaluations: no JVP rule runs and nothing is
recorded per operation. The splits come from the same passes as staged
reverse mode (`jvp_jaxpr`, `partial_eval_jaxpr`, `transpose_jaxpr`), so they
compute what that computes. An equation whose rules cannot run on abstract
inputs, or whose params are functions (custom rules), sends the program back
to whole-program linearization (`api.autodiff`).
"""
from __future__ import annotations

import numpy as np

from ..core import Tracer, bind
from ..ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var
from .jvp import jvp_jaxpr
from .markers import Zero, add_cotangents, instantiate, is_differentiable
from .partial_eval import partial_eval_jaxpr
from .transpose import transpose_jaxpr

_SPLITS: dict = {}
_MAX_SPLITS = 2048


class Unsplittable(Exception):
    """An equation whose rules cannot run on abstract inputs (a rule reading
    a concrete value): the caller differentiates the program as a whole."""


class _Plan:
    """A small Jaxpr flattened for repeated evaluation: values are numbered
    (consts, literals, inputs, then each equation's outputs in turn) and each
    step names its operands by number. On arrays it runs as generated Python
    calling the impls directly (the program was typechecked when traced,
    and debug_nans, which wraps impls, keeps the whole-program path), with no
    dicts, lists or argument unpacking per step."""
    __slots__ = ("init", "steps", "outs", "run")

    def __init__(self, closed: ClosedJaxpr):
        jaxpr = closed.jaxpr
        literals = [x for e in jaxpr.eqns for x in e.invars if type(x) is Literal]
        literals += [x for x in jaxpr.outvars if type(x) is Literal]
        self.init = list(closed.consts) + [x.value for x in literals]
        number = {v: i for i, v in enumerate(jaxpr.constvars)}
        number.update((x, len(closed.consts) + i) for i, x in enumerate(literals))   # Literals hash by identity
        count = len(self.init)
        number.update((v, count + i) for i, v in enumerate(jaxpr.invars))
        count += len(jaxpr.invars)
        steps = []
        for eqn in jaxpr.eqns:
            outs = tuple(range(count, count + len(eqn.outvars)))
            steps.append((eqn.primitive, tuple(number[x] for x in eqn.invars), eqn.params, outs))
            number.update(zip(eqn.outvars, outs))
            count += len(outs)
        self.steps = tuple(steps)
        self.outs = tuple(number[x] for x in jaxpr.outvars)
        self.run = self._generate(len(jaxpr.invars))

    def _generate(self, n_args):
        n_init = len(self.init)
        namespace = {f"k{i}": value for i, value in enumerate(self.init)}
        ref = lambda i: f"k{i}" if i < n_init else f"v{i}"
        targets = lambda numbers: "".join(f"v{i}, " for i in numbers)
        lines = ["def run(args):"]
        if n_args:
            lines.append(f"    {targets(range(n_init, n_init + n_args))}= args")
        for k, (prim, ins, params, outs) in enumerate(self.steps):
            namespace[f"impl{k}"], namespace[f"params{k}"] = prim.impl, params
            call = f"impl{k}({''.join(ref(i) + ', ' for i in ins)}{f'**params{k}' if params else ''})"
            if not prim.multiple_results:
                lines.append(f"    v{outs[0]} = {call}")
            else:
                lines.append(f"    {targets(outs)}= {call}" if outs else f"    {call}")
        lines.append(f"    return [{', '.join(ref(i) for i in self.outs)}]")
        exec("\n".join(lines), namespace)
        return namespace["run"]

    def __call__(self, args, apply=None):
        """The outputs on `args` (a list); `apply=bind` records instead of
        running the impls, for traced cotangents."""
        if apply is None:
            return self.run(args)
        values = self.init + args
        for prim, ins, params, outs in self.steps:
            out = apply(prim, [values[i] for i in ins], params)
            values.extend(out if prim.multiple_results else [out])
        return [values[i] for i in self.outs]


class _Split:
    """One equation's known part and transposed linear part, as plans, and
    which of its outputs carry tangents."""
    __slots__ = ("known", "transposed", "num_out", "out_nonzero", "single")

    def __init__(self, known, transposed, num_out, out_nonzero):
        self.known, self.transposed = _Plan(known), _Plan(transposed)
        self.num_out, self.out_nonzero = num_out, out_nonzero
        self.single = num_out == 1 and out_nonzero == [True]   # the common case, handled without loops


_PLAIN = (int, float, bool, str, type(None), np.dtype, np.generic)


def _plain(value) -> bool:
    """Params a split may be built for: values, not functions or Jaxprs
    (custom rules keep seeing concrete values, on every call, as before)."""
    if type(value) is tuple:
        return all(_plain(v) for v in value)
    return isinstance(value, _PLAIN)


def splittable(jaxpr) -> bool:
    """Whether every equation's params are plain values, checked before any
    work so that a program sent back to the whole-program path wasted none."""
    return all(not e.params or all(_plain(v) for v in e.params.values()) for e in jaxpr.eqns)


def _key(eqn, nonzeros):
    """What a split depends on (Literals are inputs of the split, so their
    values are not part of it)."""
    params = eqn.params
    key = [eqn.primitive, nonzeros]
    for x in eqn.invars:
        aval = x.aval
        key += aval.shape, aval.dtype, aval.weak_type    # flat: the nonzeros fix the arity
    if params:
        key.append(tuple(params.items()))
    return tuple(key)


def _build(eqn, nonzeros) -> _Split:
    """The split of `eqn`, every input abstract."""
    invars = [Var(x.aval) for x in eqn.invars]
    outvars = [Var(v.aval) for v in eqn.outvars]
    one = ClosedJaxpr(Jaxpr([], invars, [Eqn(eqn.primitive, invars, outvars, eqn.params)], outvars), [])
    jvp_closed, out_nz = jvp_jaxpr(one, list(nonzeros))
    n_out, n_lin = len(outvars), sum(nonzeros)
    known, linear, _, num_res = partial_eval_jaxpr(
        jvp_closed, [False] * len(invars) + [True] * n_lin, instantiate=[False] * n_out + [True] * sum(out_nz))
    transposed = transpose_jaxpr(linear, [False] * num_res + [True] * n_lin)
    return _Split(known, transposed, n_out, out_nz)


def _new_split(eqn, nonzeros, key):
    """Build the split of `eqn` and cache it under `key`."""
    try:
        split = _build(eqn, nonzeros)
    except Exception as error:    # the whole-program path raises it again, or succeeds
        raise Unsplittable(eqn.primitive.name) from error
    if len(_SPLITS) >= _MAX_SPLITS:
        _SPLITS.clear()
    _SPLITS[key] = split
    return split


def forward(jaxpr, consts, primals, nonzeros):
    """Evaluate `jaxpr` on concrete `primals`, keeping what the backward
    pass needs. Returns (outputs, tape); `nonzeros` flags the inputs
    differentiated."""
    env = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, primals))
    tangent_vars = {v for v, nz in zip(jaxpr.invars, nonzeros) if nz and is_differentiable(v.aval)}
    tape = []
    splits = _SPLITS
    # One pass per equation: this loop is eager grad's forward cost, so it stays flat.
    for eqn in jaxpr.eqns:
        inputs = eqn.invars
        vals = [x.value if type(x) is Literal else env[x] for x in inputs]
        flags = tuple([x in tangent_vars for x in inputs])    # a Literal is never in the set
        if True not in flags:
            out = eqn.primitive.impl(*vals, **eqn.params)
            if eqn.primitive.multiple_results:
                env.update(zip(eqn.outvars, out))
            else:
                env[eqn.outvars[0]] = out
            continue
        key = _key(eqn, flags)
        split = splits.get(key)
        if split is None:
            split = _new_split(eqn, flags, key)
        res = split.known(vals)
        outvars = eqn.outvars
        if split.single:
            v = outvars[0]
            env[v] = res[0]
            outs_nz = outvars
            tangent_vars.add(v)
            del res[0]
        else:
            n = split.num_out
            env.update(zip(outvars, res[:n]))
            outs_nz = [v for v, nz in zip(outvars, split.out_nonzero) if nz]
            tangent_vars.update(outs_nz)
            res = res[n:]
        tape.append((split, res, [x for x, f in zip(inputs, flags) if f], outs_nz))
    outs = [x.value if type(x) is Literal else env[x] for x in jaxpr.outvars]
    return outs, (tape, jaxpr, tangent_vars, nonzeros)


def backward(tape_state, cts_out):
    """Cotangents of the differentiated inputs (instantiated), given
    cotangents of the first outputs (possibly Zero, or Literals)."""
    tape, jaxpr, tangent_vars, nonzeros = tape_state
    # Cotangents traced by an enclosing transformation are recorded there.
    apply = bind if any(type(ct) is Tracer for ct in cts_out) else None
    ct_env = {}
    for v, ct in zip(jaxpr.outvars, cts_out):
        if ct is not None and type(ct) is not Zero and type(v) is Var and v in tangent_vars:
            ct = ct.value if type(ct) is Literal else ct
            ct_env[v] = ct if v not in ct_env else add_cotangents(ct_env[v], ct)
    pop = ct_env.pop
    for split, residuals, lin_ins, outs_nz in reversed(tape):
        if split.single:
            ct = pop(outs_nz[0], None)
            if ct is None:
                continue
            cts = [ct]
        else:
            cts = [pop(v, None) for v in outs_nz]
            if all(ct is None for ct in cts):
                continue
            cts = [instantiate(Zero(v.aval)) if ct is None else ct for v, ct in zip(outs_nz, cts)]
        for x, ct in zip(lin_ins, split.transposed(residuals + cts, apply)):
            ct_env[x] = ct if x not in ct_env else add_cotangents(ct_env[x], ct)
    return [instantiate(ct_env.get(v, Zero(v.aval))) for v, nz in zip(jaxpr.invars, nonzeros) if nz]
