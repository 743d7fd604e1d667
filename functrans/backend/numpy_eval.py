"""Tier 0 of `jit`: a Jaxpr run by its primitives' NumPy impls, at once.

`NumpyProgram` turns the transformed, simplified Jaxpr into a flat list of
impl calls over numbered slots once, so that a call costs the NumPy work
plus about a microsecond per equation: no tracing, no rule lookup, no
`bind`. A value is dropped after its last use, so large intermediates are
freed (and their memory reused) as soon as possible, as in eager NumPy.
Inputs and outputs are converted exactly as the kernel converts them, so
the two tiers are interchangeable at any call boundary.

`estimated_seconds` guesses what one call costs here, for the choice
between running tier 0 and waiting for the kernel (a long `scan` runs one
Python step per iteration on this tier).
"""
from __future__ import annotations

import functools

import numpy as np

from ..ir import ClosedJaxpr, Literal

# The cost model of `estimated_seconds`: per equation, and per element read or written.
SECONDS_PER_EQUATION = 4e-6
SECONDS_PER_ELEMENT = 2e-9
# Trip count assumed for a loop whose count is unknown before it runs (a while_loop).
UNKNOWN_TRIPS = 1000


class NumpyProgram:
    """`program(*consts_then_args)` -> list of outputs, as a kernel returns them."""

    def __init__(self, jaxpr):
        slots = {}
        template = []

        def slot_of(atom):
            if type(atom) is Literal:
                template.append(atom.value)
                return len(template) - 1
            if atom not in slots:
                slots[atom] = len(template)
                template.append(None)
            return slots[atom]
        for v in jaxpr.constvars + jaxpr.invars:
            slot_of(v)
        self.n_inputs = len(template)
        self.converters = [_input_converter(v.aval) for v in jaxpr.constvars + jaxpr.invars]
        steps = [(eqn.primitive.impl, [slot_of(x) for x in eqn.invars], eqn.params,
                  [slot_of(v) for v in eqn.outvars], eqn.primitive.multiple_results) for eqn in jaxpr.eqns]
        self.outputs = [slot_of(v) for v in jaxpr.outvars]
        self.finishers = [_output_converter(v.aval) for v in jaxpr.outvars]
        # Free each intermediate after the step that reads it last.
        last_use = {}
        for k, (_, ins, _, _, _) in enumerate(steps):
            for i in ins:
                last_use[i] = k
        keep = set(self.outputs) | set(range(self.n_inputs))
        frees = [[] for _ in steps]
        for i, k in last_use.items():
            if i not in keep and template[i] is None:
                frees[k].append(i)
        reuse = _reusable_buffers(jaxpr, steps, last_use, keep | {i for i, v in enumerate(template) if v is not None})
        self.steps = [step + (tuple(free), into) for step, free, into in zip(steps, frees, reuse)]
        self.template = template

    def __call__(self, *inputs):
        regs = list(self.template)
        regs[:self.n_inputs] = [convert(x) for convert, x in zip(self.converters, inputs)]
        for impl, ins, params, outs, multiple, free, into in self.steps:
            if into is not None and type(regs[into]) is np.ndarray:
                out = impl(*[regs[i] for i in ins], out=regs[into])
            else:
                out = impl(*[regs[i] for i in ins], **params)
            if multiple:
                for i, value in zip(outs, out):
                    regs[i] = value
            else:
                regs[outs[0]] = out
            for i in free:
                regs[i] = None
        return [finish(regs[i]) for finish, i in zip(self.finishers, self.outputs)]


def _reusable_buffers(jaxpr, steps, last_use, kept) -> list:
    """Per step, the slot of an operand whose buffer the step's ufunc may
    write its result into (or None): an intermediate that a ufunc made (so
    it owns fresh memory), that only ufuncs read (so no view of it lives on),
    read for the last time here, with the result's shape and dtype. Writing
    there saves a fresh allocation, whose page faults dominate a first call
    on large arrays."""
    def is_ufunc_step(step):
        impl, _, params, outs, multiple = step
        return isinstance(impl, np.ufunc) and not params and not multiple and len(outs) == 1
    made_by_ufunc = {step[3][0] for step in steps if is_ufunc_step(step)}
    read_by_other = {i for step in steps if not is_ufunc_step(step) for i in step[1]}
    reuse = []
    for k, (step, eqn) in enumerate(zip(steps, jaxpr.eqns)):
        into = None
        if is_ufunc_step(step):
            out_aval = eqn.outvars[0].aval
            for i, atom in zip(step[1], eqn.invars):
                if (i in made_by_ufunc and i not in read_by_other and i not in kept and last_use[i] == k
                        and atom.aval.shape == out_aval.shape and atom.aval.dtype == out_aval.dtype
                        and out_aval.shape):
                    into = i
                    break
        reuse.append(into)
    return reuse


def _input_converter(aval):
    """As `compile.Kernel` converts an argument: arrays and scalars to the
    aval's dtype (which is native: a big-endian array is byte-swapped)."""
    return functools.partial(np.asarray, dtype=aval.dtype) if aval.shape else aval.dtype.type


def _output_converter(aval):
    """What a kernel returns: an ndarray of the aval's dtype, or a NumPy scalar for rank 0."""
    dtype = aval.dtype
    if not aval.shape:
        return dtype.type
    return lambda x: x if type(x) is np.ndarray and x.dtype == dtype else np.asarray(x, dtype)


def estimated_seconds(jaxpr) -> float:
    """A rough cost of one tier-0 call: a fixed cost per equation plus one
    per element of its operands and results; an equation holding Jaxprs (a
    loop, a branch) costs its sub-Jaxprs times its trip count (its `length`
    parameter, else UNKNOWN_TRIPS: a branch is over-counted, harmlessly)."""
    total = 0.0
    for eqn in jaxpr.eqns:
        subs = [p for v in eqn.params.values() for p in (v if isinstance(v, (tuple, list)) else (v,))
                if isinstance(p, ClosedJaxpr)]
        if subs:
            trips = eqn.params.get("length")
            trips = trips if isinstance(trips, int) else UNKNOWN_TRIPS
            total += trips * sum(estimated_seconds(s.jaxpr) for s in subs)
            continue
        elements = sum(x.aval.size for x in eqn.invars) + sum(v.aval.size for v in eqn.outvars)
        total += SECONDS_PER_EQUATION + SECONDS_PER_ELEMENT * elements
    return total
