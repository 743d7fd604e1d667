"""The source side of the loop compiler: a fused loop nest as the text of a
small Python function, checked to be in the subset `loop_compiler` accepts.

numba's pipeline costs about a millisecond per Python statement, so the
renderer does not inline loop groups into the kernel: `call_lines` writes a
call `fused_loop(source, *args)` instead, with the loop function as a string, and
`loop_compiler.fused_loop` (a numba intrinsic) types and lowers that text
itself. This module never imports numba, so that rendering a kernel (which
happens in the caller's process, before any kernel is built) stays cheap;
`fused_loop` is looked up here lazily, when a kernel module is executed.

The accepted subset is what `render.py` emits for loop groups: `for i in
range(N)` loops, assignments to names and to array elements, and
expressions built from names, numeric constants, arithmetic, comparisons,
`and`, conditional expressions, array reads and calls of `math`, `np` and
builtin functions. Anything else raises `UnsupportedError` at render time
(`call_lines`), never inside numba.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import math
import operator
import textwrap

import numpy as np

from ..errors import UnsupportedError

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
          ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
          ast.LShift: operator.lshift, ast.RShift: operator.rshift}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}
COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}


def _numba_side(module: str):
    """The backend module `module` (one that imports numba), imported now."""
    # In a function: rendering must not import numba; a kernel that calls into the module loads it here.
    return importlib.import_module(f".{module}", __package__)


class _LazyModule:
    """A backend module loop sources call into (`special.psi(x, 0)`), imported
    (numba and all) only when a loop is compiled that does."""

    def __init__(self, module: str):
        self.module = module

    def __getattr__(self, name):
        return getattr(_numba_side(self.module), name)


# Namespaces of compiled functions loop sources may call, by the module that
# defines them; a kernel calling one imports the module (registering its symbols).
LOOP_MODULES = {"special": "special_kernels"}
# What global names in loop sources resolve to: the kernel module's imports
# (render.py keeps IR names clear of these).
GLOBALS = {**vars(builtins), **{n: f for n in dir(math) if callable(f := getattr(math, n)) and n[0] != "_"},
           "np": np, "math": math, **{name: _LazyModule(module) for name, module in LOOP_MODULES.items()}}


CALLEE = "fused_loop"


def call_lines(loop_lines, results, targets=None) -> list[str]:
    """Statements that run `loop_lines` (a loop nest as `render.py` writes
    it) through `fused_loop`, assigning the names in `results` after it
    (to `targets` instead, if given).
    The loop function's parameters are the names it reads but never assigns:
    IR names never shadow a global, so these are exactly its inputs."""
    body = ["    " + line for line in loop_lines] + ([f"    return ({', '.join(results)},)"] if results else [])
    fn, names = _checked(ast.parse("\n".join(["def loop():"] + body)))   # now, not inside numba
    stored = {n.id for n in names if type(n.ctx) is ast.Store}
    params = list(dict.fromkeys(n.id for n in names if n.id not in stored and n.id not in GLOBALS))
    fn.args.args = [ast.arg(arg=p) for p in params]
    source = [f"def loop({', '.join(params)}):"] + body
    _remember("\n".join(source), fn)     # numba's typing of the call parses nothing
    assign = f"({', '.join(results if targets is None else targets)},) = " if results else ""
    return [f'{assign}{CALLEE}("""'] + source + [f'""", {", ".join(params)})']


_PARSED: dict = {}    # loop functions by source text, dedented


def parse(source: str) -> ast.FunctionDef:
    """The loop function of `source` (indented or not), checked to be in the
    accepted subset; raises UnsupportedError if it is not."""
    key = textwrap.dedent(source).strip()
    fn = _PARSED.get(key)
    return fn if fn is not None else _remember(key, _checked(ast.parse(key))[0])


def _remember(key, fn):
    if len(_PARSED) >= 256:    # a long session renders many loops: keep the recent ones
        _PARSED.clear()
    _PARSED[key] = fn
    return fn


def _checked(module):
    """(the function of a parsed module, its Name nodes), in one walk."""
    fn = module.body[0]
    if len(module.body) != 1 or type(fn) is not ast.FunctionDef:
        raise UnsupportedError("fused_loop expects the source of one function")
    names = []
    for node in ast.walk(fn):
        if not _accepted(node) or (type(node) is ast.Return and node is not fn.body[-1]):
            unsupported(node)
        if type(node) is ast.Name:
            names.append(node)
    return fn, names


_NODES = {ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.For, ast.Name, ast.Load, ast.Store,
          ast.Constant, ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.And, ast.IfExp, ast.Call,
          ast.Subscript, ast.Tuple, ast.Attribute, *BINARY, *UNARY, *COMPARE}


def _accepted(node) -> bool:
    kind = type(node)
    if kind is ast.Constant:
        return type(node.value) in (int, float, bool)
    if kind is ast.Subscript:      # elements of named arrays only
        return type(node.value) is ast.Name
    if kind is ast.Attribute:      # np.float32, math.exp, np.inf
        return type(node.value) is ast.Name and node.value.id in GLOBALS
    if kind is ast.Assign:
        return len(node.targets) == 1 and type(node.targets[0]) in (ast.Name, ast.Subscript)
    if kind is ast.For:
        it = node.iter
        return (type(node.target) is ast.Name and type(it) is ast.Call and type(it.func) is ast.Name
                and it.func.id == "range" and len(it.args) == 1 and type(it.args[0]) is ast.Constant
                and not node.orelse)
    return kind in _NODES


def unsupported(node):
    raise UnsupportedError(f"fused_loop cannot compile `{ast.unparse(node)}`")


# The intrinsics a kernel may call, by the module that defines them; kernel
# modules import them from here, and the numba side loads only then.
# linalg_kernels: the LAPACK routines of the linear-algebra primitives, one per float dtype.
LINALG_KERNELS = ("cholesky", "eigh", "lu", "qr", "singular_values", "svd", "triangular_solve")
INTRINSICS = {CALLEE: "loop_compiler", "batched_matmul": "blas",
              **{f"{name}_{dtype}": "linalg_kernels" for name in LINALG_KERNELS for dtype in ("float32", "float64")},
              # sort_kernels: the stable argsort the sort primitive lowers to, one per key dtype.
              **{f"argsort_{dtype}": "sort_kernels" for dtype in ("float32", "float64", "int32", "int64")}}


def __getattr__(name):
    if name in INTRINSICS:
        return getattr(_numba_side(INTRINSICS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
