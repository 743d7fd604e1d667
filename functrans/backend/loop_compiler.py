"""Compile a fused loop nest to LLVM through numba's own typing and lowering.

numba's pipeline costs about a millisecond per Python statement (bytecode
analysis, type inference with its constraint solver, lowering through its
IR), so the gradient of a 2,000-op chain, one loop of ~6,000 scalar
statements, took ~10 s to compile. A loop group is much simpler than what
that pipeline is built for: straight-line scalar code in `for` loops over
arrays. `fused_loop(source, *args)` is a numba intrinsic: `source`, a
string constant, is the text of a small Python function written by
`loopgen.call_lines`. At compile time it is parsed once, each operation is
typed by numba's typing context (memoized per operation and argument types)
and lowered by numba's implementation of that operation, so the semantics
are numba's exactly, at a fraction of the cost.

Owning the loop's LLVM also lets it say what numba cannot: float64 libm
calls carry glibc's 4-wide variants (`vector_math`), and array accesses
carry scoped-noalias metadata (a loop's outputs are fresh allocations), so
LLVM vectorizes loops that numba's code leaves scalar.
"""
from __future__ import annotations

import ast
import itertools

from llvmlite import ir
from numba.core import cgutils, types
from numba.core.extending import intrinsic
from numba.core.typing import fold_arguments, signature
from numba.np.arrayobj import make_array

from ..errors import UnsupportedError
from . import vector_math
from .loopgen import BINARY, COMPARE, GLOBALS, UNARY, parse, unsupported

# LLVM's loop vectorizer interleaves iterations (two chains of libm calls in
# flight: W9's gradient loop runs 2x faster with it), but its cost grows with
# the loop body: it was 2.3 s of the 4.3 s compile of W9's 5,000-statement
# loop. Loops with longer bodies than this are compiled without it.
VECTORIZE_MAX_STATEMENTS = 2000


_LOOP_IDS = itertools.count()   # one alias domain per loop lowered


class _DistinctNode(ir.values.MDValue):
    """A metadata node compared by identity: it refers to itself."""
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other


def _self_referential(node):
    """`node` with itself as first operand: how LLVM spells a distinct node
    (a loop ID, an alias scope or domain)."""
    node.operands = (node,) + node.operands
    node.__class__ = _DistinctNode
    return node


def _resolve_global(node):
    """The Python object an `np.float32` / `sin` / `math.exp` expression names."""
    if isinstance(node, ast.Name):
        return GLOBALS[node.id]
    return getattr(_resolve_global(node.value), node.attr)


def _constant_type(value):
    """numba's type of a constant in source: as numba types literals."""
    if type(value) is bool:
        return types.boolean
    if type(value) is int:
        return types.intp if value < 2 ** 63 else types.uint64
    if type(value) is float:
        return types.float64
    raise UnsupportedError(f"fused_loop: {value!r} is not a numeric constant")


class _Typer:
    """Types every expression of a loop function, given its arguments'
    numba types: `types[node]`, and `calls[node] = (callee, signature)`."""

    def __init__(self, typingctx, fn, arg_types):
        self.ctx = typingctx
        self.types, self.calls, self.resolved = {}, {}, {}
        self.env = {a.arg: t for a, t in zip(fn.args.args, arg_types)}
        for st in fn.body:
            self.statement(st)

    def statement(self, st):
        if isinstance(st, ast.For):
            self.env[st.target.id] = types.intp
            for inner in st.body:
                self.statement(inner)
        elif isinstance(st, ast.Assign):
            value = self.expr(st.value)
            target = st.targets[0]
            if isinstance(target, ast.Name):
                self.env.setdefault(target.id, value)
            else:
                self.expr(target.slice)
        else:   # the final return
            self.expr(st.value)

    def call(self, node, callee, arg_types):
        # numba's resolution costs ~1 ms a call; a loop repeats a few signatures.
        key = (callee, tuple(arg_types))
        sig = self.resolved.get(key)
        if sig is None:
            sig = self.resolved[key] = self.ctx.resolve_function_type(callee, key[1], {})
        if sig is None:
            raise UnsupportedError(f"fused_loop: numba cannot type `{ast.unparse(node)}` on {arg_types}")
        self.calls[node] = (callee, sig)
        return sig.return_type

    def expr(self, node):
        t = self._expr(node)
        self.types[node] = t
        return t

    def _expr(self, node):
        if isinstance(node, ast.Name):
            return self.env[node.id]
        if isinstance(node, ast.Constant):
            return _constant_type(node.value)
        if isinstance(node, ast.Attribute):   # np.nan, np.inf
            return _constant_type(_resolve_global(node))
        if isinstance(node, ast.BinOp):
            return self.call(node, BINARY[type(node.op)], [self.expr(node.left), self.expr(node.right)])
        if isinstance(node, ast.UnaryOp):
            return self.call(node, UNARY[type(node.op)], [self.expr(node.operand)])
        if isinstance(node, ast.Compare):
            operands = [self.expr(node.left)] + [self.expr(c) for c in node.comparators]
            for k, op in enumerate(node.ops):
                self.call((node, k), COMPARE[type(op)], operands[k:k + 2])
            return types.boolean
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.expr(value)
            return types.boolean
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return self.ctx.unify_types(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, ast.Call):
            callee = self.ctx.resolve_value_type(_resolve_global(node.func))
            return self.call(node, callee, [self.expr(a) for a in node.args])
        if isinstance(node, ast.Subscript):
            self.expr(node.slice)
            return self.env[node.value.id].dtype
        if isinstance(node, ast.Tuple):
            return types.Tuple([self.expr(e) for e in node.elts])
        unsupported(node)


class _Lowerer:
    """Emits the LLVM of a typed loop function into numba's builder."""

    def __init__(self, context, builder, fn, typer, arg_types, args):
        self.context, self.builder, self.typer = context, builder, typer
        self.impls = {}
        self.values = {}          # name -> (LLVM value, numba type), for names assigned once
        self.slots = {}           # name -> (alloca, numba type), for names assigned more than once
        counts = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                counts[node.targets[0].id] = counts.get(node.targets[0].id, 0) + 1
        self.reassigned = {n for n, c in counts.items() if c > 1}
        self.arrays = {}
        for a, t, v in zip(fn.args.args, arg_types, args):
            if isinstance(t, types.Array):
                self.arrays[a.arg] = (t, make_array(t)(context, builder, value=v))
            else:
                self.values[a.arg] = (v, t)
        self.scopes = self._alias_scopes(fn, builder.module)
        self.result = None
        for st in fn.body:
            self.statement(st)

    @staticmethod
    def _alias_scopes(fn, module):
        """{written array: (its scope, the scopes of the other written arrays)}.

        The arrays a loop writes are always ones the kernel allocated just
        before it (render.py's live outputs and accumulators), so they alias
        nothing else the loop touches. Telling LLVM so (scoped noalias
        metadata) lets it vectorize loops with several outputs without
        runtime overlap checks, which it gives up on past a handful."""
        written = list(dict.fromkeys(n.targets[0].value.id for n in ast.walk(fn)
                                     if type(n) is ast.Assign and type(n.targets[0]) is ast.Subscript))
        if not written:
            return {}
        distinct = lambda *ops: _self_referential(module.add_metadata(list(ops)))
        domain = distinct(ir.MetaDataString(module, f"functrans fused_loop {next(_LOOP_IDS)}"))
        scopes = {name: distinct(domain, ir.MetaDataString(module, name)) for name in written}
        return {name: (module.add_metadata([scope]), module.add_metadata([s for n, s in scopes.items() if n != name]))
                for name, scope in scopes.items()}

    def load(self, name, aryty, ptr):
        """An array element, marked as not aliasing the arrays being written."""
        model = self.context.data_model_manager[aryty.dtype]
        raw = self.builder.load(ptr)
        others = [s for n, (s, _) in self.scopes.items() if n != name]
        if others:
            raw.set_metadata("noalias", self.builder.module.add_metadata([o.operands[0] for o in others]))
        return model.from_data(self.builder, raw)

    def store(self, name, aryty, value, ptr):
        model = self.context.data_model_manager[aryty.dtype]
        stored = self.builder.store(model.as_data(self.builder, value), ptr)
        scope, others = self.scopes[name]
        stored.set_metadata("alias.scope", scope)
        if others.operands:
            stored.set_metadata("noalias", others)

    def cast(self, value, from_type, to_type):
        return self.context.cast(self.builder, value, from_type, to_type)

    def statement(self, st):
        if isinstance(st, ast.For):
            outer = dict(self.values)
            self.loop(st)
            self.values = outer    # names first bound in the body do not outlive it
        elif isinstance(st, ast.Assign):
            target = st.targets[0]
            value = self.expr(st.value)
            vtype = self.typer.types[st.value]
            if isinstance(target, ast.Subscript):
                aryty, ptr = self.element(target)
                self.store(target.value.id, aryty, self.cast(value, vtype, aryty.dtype), ptr)
            elif target.id in self.reassigned:
                slot = self.slots.get(target.id)
                if slot is None:
                    ll = self.context.get_value_type(vtype)
                    slot = self.slots[target.id] = (cgutils.alloca_once(self.builder, ll), vtype)
                self.builder.store(self.cast(value, vtype, slot[1]), slot[0])
            else:
                self.values[target.id] = (value, vtype)
        else:
            self.result = self.expr(st.value)

    def loop(self, st):
        """`for i in range(N)` as a counted loop; a long one tells LLVM not
        to vectorize it (`VECTORIZE_MAX_STATEMENTS`)."""
        b, intp = self.builder, self.context.get_value_type(types.intp)
        count = ir.Constant(intp, st.iter.args[0].value)
        before = b.block
        head, body, end = (b.append_basic_block(f"loop.{part}") for part in ("head", "body", "end"))
        b.branch(head)
        b.position_at_end(head)
        index = b.phi(intp)
        index.add_incoming(ir.Constant(intp, 0), before)
        b.cbranch(b.icmp_signed("<", index, count), body, end)
        b.position_at_end(body)
        self.values[st.target.id] = (index, types.intp)
        for inner in st.body:
            self.statement(inner)
        index.add_incoming(b.add(index, ir.Constant(intp, 1)), b.block)
        back = b.branch(head)
        if sum(type(n) is ast.Assign for n in ast.walk(st)) > VECTORIZE_MAX_STATEMENTS:
            module = b.module
            off = module.add_metadata([ir.MetaDataString(module, "llvm.loop.vectorize.enable"),
                                       ir.Constant(ir.IntType(1), 0)])
            back.set_metadata("llvm.loop", _self_referential(module.add_metadata([off])))
        b.position_at_end(end)

    def element(self, node):
        aryty, ary = self.arrays[node.value.id]
        index = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        inds = [self.cast(self.expr(i), self.typer.types[i], types.intp) for i in index]
        return aryty, cgutils.get_item_pointer(self.context, self.builder, aryty, ary, inds)

    def call(self, key, args):
        callee, sig = self.typer.calls[key]
        impl = self.impls.get((callee, sig))
        if impl is None:
            impl = self.impls[callee, sig] = self.context.get_function(callee, sig)
        if sig.pysig is None:
            return impl(self.builder, [self.cast(v, t, st) for (v, t), st in zip(args, sig.args)])
        # An overload with defaults (np.round's decimals): fill them in, as numba's lowering does.
        values = fold_arguments(
            sig.pysig, args, {},
            lambda k, param, arg: self.cast(arg[0], arg[1], sig.args[k]),
            lambda k, param, default: self.context.get_constant_generic(self.builder, sig.args[k], default),
            lambda k, param, star: unsupported(key))
        return impl(self.builder, values)

    def typed(self, node):
        return self.expr(node), self.typer.types[node]

    def expr(self, node):
        b = self.builder
        if isinstance(node, ast.Name):
            if node.id in self.slots:
                return b.load(self.slots[node.id][0])
            return self.values[node.id][0]
        if isinstance(node, (ast.Constant, ast.Attribute)):
            value = node.value if isinstance(node, ast.Constant) else _resolve_global(node)
            return self.context.get_constant(self.typer.types[node], value)
        if isinstance(node, ast.BinOp):
            return self.call(node, [self.typed(node.left), self.typed(node.right)])
        if isinstance(node, ast.UnaryOp):
            return self.call(node, [self.typed(node.operand)])
        if isinstance(node, ast.Compare):
            operands = [self.typed(node.left)] + [self.typed(c) for c in node.comparators]
            tests = [self.call((node, k), operands[k:k + 2]) for k in range(len(node.ops))]
            return self.all_of([(t, self.typer.calls[(node, k)][1].return_type) for k, t in enumerate(tests)])
        if isinstance(node, ast.BoolOp):   # `and` of pure index tests: evaluating all of them is safe
            return self.all_of([self.typed(v) for v in node.values])
        if isinstance(node, ast.IfExp):
            # A real branch: the arm not taken may read out of bounds (pad).
            out_type = self.typer.types[node]
            pred = self.context.is_true(b, self.typer.types[node.test], self.expr(node.test))
            with b.if_else(pred) as (then, otherwise):
                with then:
                    yes = self.cast(self.expr(node.body), self.typer.types[node.body], out_type)
                    yes_block = b.block
                with otherwise:
                    no = self.cast(self.expr(node.orelse), self.typer.types[node.orelse], out_type)
                    no_block = b.block
            phi = b.phi(yes.type)
            phi.add_incoming(yes, yes_block)
            phi.add_incoming(no, no_block)
            return phi
        if isinstance(node, ast.Call):
            args = [self.typed(a) for a in node.args]
            function, sig = _resolve_global(node.func), self.typer.calls[node][1]
            if (function in vector_math.VECTORIZABLE and sig.return_type in vector_math.KINDS
                    and sig.args == (sig.return_type,)):
                return vector_math.call(self.builder, function, self.cast(*args[0], sig.return_type), sig.return_type)
            return self.call(node, args)
        if isinstance(node, ast.Subscript):
            aryty, ptr = self.element(node)
            return self.load(node.value.id, aryty, ptr)
        if isinstance(node, ast.Tuple):
            tup_type = self.typer.types[node]
            return self.context.make_tuple(b, tup_type, [self.expr(e) for e in node.elts])
        unsupported(node)

    def all_of(self, typed_tests):
        b = self.builder
        result = None
        for value, vtype in typed_tests:
            truth = self.context.is_true(b, vtype, value)
            result = truth if result is None else b.and_(result, truth)
        return result


@intrinsic(prefer_literal=True)
def fused_loop(typingctx, source, *arg_types):
    """`fused_loop("def loop(a, out): ...", a, out)`: run the loop function
    given as a string constant on the arguments, compiled by this module."""
    if not isinstance(source, types.StringLiteral):
        return None
    fn = parse(source.literal_value)
    typer = _Typer(typingctx, fn, arg_types)
    returns = isinstance(fn.body[-1], ast.Return)
    out_type = typer.types[fn.body[-1].value] if returns else types.none

    def codegen(context, builder, sig, args):
        values = cgutils.unpack_tuple(builder, args[1], len(arg_types))
        result = _Lowerer(context, builder, fn, typer, arg_types, values).result
        return result if returns else context.get_dummy_value()
    # numba hands the variadic arguments to codegen packed as one tuple.
    return signature(out_type, source, types.StarArgTuple.from_types(arg_types)), codegen
