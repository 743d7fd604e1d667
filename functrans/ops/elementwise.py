"""Elementwise primitives: one line each, from the `unary_primitive`/`binary_primitive` families.

Operands have one dtype; shapes are equal, except that a rank-0 operand may
stand beside an array (as in JAX's `mul b 2.0:f64[]`), which keeps Python
scalars inline as literals. NumPy broadcasting and promotion live in
`functrans.numpy`. Each line gives the NumPy impl, the numba scalar template
and one linear map per input for the JVP; transpose and batching rules come
from the family.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Primitive, bind
from ..errors import DTypeError, ShapeError
from ..ir import ShapedArray
from . import rules
from .rules import UndefinedPrimal, not_mapped

FLOAT, REAL, NUMBER, INTEGRAL, ANY = "fc", "f", "fciu", "iub", "fciub"


def scipy_special(name):
    """`scipy.special.<name>`, imported on its first call: importing
    scipy.special costs about 0.3 s, which every `import functrans` paid."""
    def impl(*args, **kwargs):
        import scipy.special
        return getattr(scipy.special, name)(*args, **kwargs)
    impl.__name__ = impl.__qualname__ = name
    return impl


def _check_kinds(name, avals, kinds):
    for aval in avals:
        if aval.dtype.kind not in kinds:
            wanted = {FLOAT: "floating-point", REAL: "real floating-point", "c": "complex", NUMBER: "numeric",
                      INTEGRAL: "integer or boolean", "fiu": "real (integer or floating-point)"}
            raise DTypeError(f"{name} needs {wanted.get(kinds, 'array')} operands, got "
                             f"{aval.dtype.name}. Cast it first, e.g. x.astype(float)"
                             + (", or take x.real." if aval.dtype.kind == "c" else "."))


def real_dtype(dtype):
    """The real dtype of a complex one (complex128 -> float64); others as they are."""
    return np.finfo(dtype).dtype if dtype.kind == "c" else dtype


def complex_dtype(dtype):
    """The complex dtype with the precision of a float one (float32 -> complex64)."""
    return np.result_type(dtype, np.complex64)


def _elementwise_shape(name, kinds, out_dtype=None):
    """`out_dtype`: None (the operands'), a dtype, or a function of the first
    operand's dtype (`real_dtype` for abs of complex)."""
    if out_dtype is not None and not callable(out_dtype):
        out_dtype = np.dtype(out_dtype)

    mapped = callable(out_dtype)

    def shape(*avals, **params):
        first = avals[0]
        if mapped:
            return _mapped_dtype_shape(name, kinds, out_dtype, avals)
        n = len(avals)
        # The common, cheap cases: one operand, or operands sharing one aval
        # (avals of arrays are shared, see `ir.array_aval`).
        if n == 1 or (n == 2 and avals[1] is first) or (n > 2 and all(a is first for a in avals[1:])):
            if first.dtype.kind not in kinds:
                _check_kinds(name, avals, kinds)
            return first if out_dtype is None else ShapedArray(first.shape, out_dtype)
        if n == 2:
            a, b = avals
            if a.dtype == b.dtype and a.dtype.kind in kinds and (a.shape == b.shape or not a.shape or not b.shape):
                wide = a if a.shape else b
                weak = a.weak_type and b.weak_type
                if out_dtype is not None:
                    return ShapedArray(wide.shape, out_dtype)
                return wide if wide.weak_type == weak else ShapedArray(wide.shape, wide.dtype, weak)
        _check_kinds(name, avals, kinds)
        dtype = first.dtype
        if any(a.dtype != dtype for a in avals[1:]):
            raise DTypeError(f"{name} needs operands of one dtype, got "
                             f"{', '.join(a.dtype.name for a in avals)}. functrans.numpy "
                             "promotes automatically; lax-level calls must cast first.")
        shapes = {a.shape for a in avals if a.shape != ()}
        if len(shapes) > 1:
            raise ShapeError(f"{name} got incompatible shapes "
                             f"{', '.join(str(a.shape) for a in avals)}; use "
                             "functrans.numpy, which broadcasts, or broadcast_to first.")
        out_shape = shapes.pop() if shapes else ()
        weak = all(a.weak_type for a in avals) and out_dtype is None
        return ShapedArray(out_shape, out_dtype or dtype, weak)
    return shape


def _mapped_dtype_shape(name, kinds, dtype_of, avals):
    same = _elementwise_shape(name, kinds)(*avals)
    dtype = dtype_of(same.dtype)
    return same if dtype == same.dtype else ShapedArray(same.shape, dtype, same.weak_type)


def elementwise_batch(prim):
    """vmap rule of every elementwise primitive: line the batch dimensions up
    (keeping the first one where it is) and broadcast what must be."""
    def rule(args, dims, params):
        per_example = [rules.aval_of(a).shape if d is not_mapped else
                       rules.aval_of(a).shape[:d] + rules.aval_of(a).shape[d + 1:]
                       for a, d in zip(args, dims)]
        out_shape = next((s for s in per_example if s != ()), ())
        size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
        out_dim = next((d for s, d in zip(per_example, dims) if d is not not_mapped and s != ()), 0)
        full = out_shape[:out_dim] + (size,) + out_shape[out_dim:]
        lined_up = []
        for a, d, s in zip(args, dims, per_example):
            if d is not_mapped:
                if s != ():
                    keep = tuple(i for i in range(len(full)) if i != out_dim)
                    a = rules.broadcast(a, full, keep)
            elif s == () and out_shape != ():
                a = rules.broadcast(a, full, (out_dim,))
            else:
                a = rules.move_bdim(a, d, out_dim)
            lined_up.append(a)
        return bind(prim, lined_up, params), out_dim
    return rule


def _declare(name, impl, numba, kinds, maps, transpose, out_dtype):
    prim = Primitive(name, shape_rule=_elementwise_shape(name, kinds, out_dtype), impl=impl,
                     numba=numba, transpose=transpose, elementwise=True)
    if maps == "linear":
        prim.jvp = rules.linear_jvp(prim)
    elif maps is None:
        prim.jvp = rules.zero_jvp(prim)
    else:
        prim.jvp = rules.jvp_maps(prim, *maps)
    prim.batch = elementwise_batch(prim)
    return prim


def unary_primitive(name, impl, numba, jvp=None, kinds=FLOAT, transpose=None, out_dtype=None):
    """Declare a one-operand elementwise primitive; `jvp(t, x, out)`."""
    maps = jvp if jvp in ("linear", None) else (jvp,)
    return _declare(name, impl, numba, kinds, maps, transpose, out_dtype)


def binary_primitive(name, impl, numba, jvp=None, kinds=NUMBER, transpose=None, out_dtype=None):
    """Declare a two-operand elementwise primitive; `jvp = (map_x, map_y)`,
    each `map(t, x, y, out)`, or "linear", or None for a zero derivative."""
    return _declare(name, impl, numba, kinds, jvp, transpose, out_dtype)


def nary_primitive(name, impl, numba, jvp, kinds=REAL):
    """Declare an elementwise primitive of any number of operands (betainc's
    three); `jvp` holds one `map(t, *operands, out)` per operand."""
    return _declare(name, impl, numba, kinds, jvp, None, None)


def _transpose_add_sub(sign_y):
    def rule(ct, x, y):
        cts = []
        for operand, sign in ((x, 1), (y, sign_y)):
            if type(operand) is UndefinedPrimal:
                cts.append(rules.unbroadcast(ct if sign > 0 else neg(ct), operand.aval))
            else:
                cts.append(None)
        return cts
    return rule


def _transpose_mul(ct, x, y):
    if type(x) is UndefinedPrimal:
        assert type(y) is not UndefinedPrimal, "mul is not linear in both operands"
        return [rules.unbroadcast(mul(ct, y), x.aval), None]
    return [None, rules.unbroadcast(mul(x, ct), y.aval)]


def _transpose_div(ct, x, y):
    assert type(y) is not UndefinedPrimal, "div is linear in its numerator only"
    return [rules.unbroadcast(div(ct, y), x.aval), None]


def _typed(value, dtype):
    """A map's primal as an operand of `dtype`: maps get Literals as Python
    scalars, which the primitives would read as float64."""
    return dtype.type(value) if dtypes.is_python_scalar(value) else value


def _balanced(x, y, out):
    """d max(x, y)/dx: 1 where x wins, 0.5 on ties (JAX's convention)."""
    dtype = rules.aval_of(out).dtype
    x, y = _typed(x, dtype), _typed(y, dtype)
    wins = select_n(eq(out, x), dtype.type(0.0), dtype.type(1.0))
    return select_n(eq(x, y), wins, dtype.type(0.5))


def _divide(x, y):
    """Float division, or integer division rounding toward zero (lax.div, C)."""
    if np.result_type(x).kind not in "iu":
        return np.true_divide(x, y) if np.result_type(x).kind != "b" else np.floor_divide(x, y)
    q = np.floor_divide(x, y)
    inexact_negative = (np.fmod(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
    return np.where(inexact_negative, q + 1, q).astype(q.dtype)


def _safe_log(x, dtype):
    """log(x), but 0 where x is 0 (so 0 ** y has a finite derivative in y)."""
    x = _typed(x, dtype)
    return log(select_n(eq(x, dtype.type(0)), x, dtype.type(1)))


def _abs_tangent(t, x, out):
    """d|x| = sign(x) dx; for complex x, Re(conj(x) dx) / |x| (JAX's), a real tangent."""
    if rules.aval_of(x).dtype.kind != "c":
        return t * sign(x)
    out_dtype = rules.aval_of(out).dtype
    nonzero = select_n(eq(out, out_dtype.type(0)), out, out_dtype.type(1))   # the tangent is 0 at 0
    return div(real(mul(t, conj(x))), nonzero)


def _trunc(q):
    return sign(q) * floor(abs(q))


# Unary ----------------------------------------------------------------------
neg = unary_primitive("neg", np.negative, "(-{0})", "linear", NUMBER, rules.linear_transpose(lambda ct, a: neg(ct)))
# NumPy's sign of -0.0 is 0.0 (numba's is -0.0); of NaN, NaN.
sign = unary_primitive("sign", np.sign,
                       {"f": "(1.0 if {0} > 0 else (-1.0 if {0} < 0 else ({0} if {0} != {0} else 0.0)))",
                        "iuc": "np.sign({0})"}, None, NUMBER)
floor = unary_primitive("floor", np.floor, "np.floor({0})", None, REAL)
ceil = unary_primitive("ceil", np.ceil, "np.ceil({0})", None, REAL)
round = unary_primitive("round", np.round, "np.round({0})", None)
is_finite = unary_primitive("is_finite", np.isfinite, "np.isfinite({0})", None, out_dtype=np.dtype(bool))
exp = unary_primitive("exp", np.exp, "math.exp({0})", lambda t, x, out: t * out)
exp2 = unary_primitive("exp2", np.exp2, "math.pow(2.0, {0})", lambda t, x, out: t * out * float(np.log(2.0)))
log = unary_primitive("log", np.log, "math.log({0})", lambda t, x, out: t / x)
log1p = unary_primitive("log1p", np.log1p, "math.log1p({0})", lambda t, x, out: t / (1.0 + x))
expm1 = unary_primitive("expm1", np.expm1, "math.expm1({0})", lambda t, x, out: t * (out + 1.0))
sqrt = unary_primitive("sqrt", np.sqrt, "math.sqrt({0})", lambda t, x, out: t * 0.5 / out)
cbrt = unary_primitive("cbrt", np.cbrt, "np.cbrt({0})", lambda t, x, out: t / (3.0 * out * out), REAL)
rsqrt = unary_primitive("rsqrt", lambda x: 1.0 / np.sqrt(x), "(1.0 / math.sqrt({0}))",
              lambda t, x, out: t * -0.5 * out / x)
sin = unary_primitive("sin", np.sin, "math.sin({0})", lambda t, x, out: t * cos(x))
cos = unary_primitive("cos", np.cos, "math.cos({0})", lambda t, x, out: -t * sin(x))
tan = unary_primitive("tan", np.tan, "math.tan({0})", lambda t, x, out: t * (1.0 + out * out))
asin = unary_primitive("asin", np.arcsin, "math.asin({0})", lambda t, x, out: t * rsqrt(1.0 - x * x))
acos = unary_primitive("acos", np.arccos, "math.acos({0})", lambda t, x, out: -t * rsqrt(1.0 - x * x))
atan = unary_primitive("atan", np.arctan, "math.atan({0})", lambda t, x, out: t / (1.0 + x * x))
sinh = unary_primitive("sinh", np.sinh, "math.sinh({0})", lambda t, x, out: t * cosh(x))
cosh = unary_primitive("cosh", np.cosh, "math.cosh({0})", lambda t, x, out: t * sinh(x))
tanh = unary_primitive("tanh", np.tanh, "math.tanh({0})", lambda t, x, out: t * (1.0 - out * out))
asinh = unary_primitive("asinh", np.arcsinh, "math.asinh({0})", lambda t, x, out: t * rsqrt(x * x + 1.0))
acosh = unary_primitive("acosh", np.arccosh, "math.acosh({0})", lambda t, x, out: t * rsqrt(x * x - 1.0))
atanh = unary_primitive("atanh", np.arctanh, "math.atanh({0})", lambda t, x, out: t / (1.0 - x * x))
logistic = unary_primitive("logistic", scipy_special("expit"), "(1.0 / (1.0 + math.exp(-{0})))",
                 lambda t, x, out: t * out * (1.0 - out))
erf = unary_primitive("erf", scipy_special("erf"), "math.erf({0})",
            lambda t, x, out: t * (2.0 / np.sqrt(np.pi)) * exp(-x * x), REAL)
abs = unary_primitive("abs", np.abs, "abs({0})", _abs_tangent, NUMBER, out_dtype=real_dtype)
not_ = unary_primitive("not", np.invert, "np.invert({0})", None, INTEGRAL)
stop_gradient = unary_primitive("stop_gradient", lambda x: x, "{0}", None, ANY)


def _integer_pow_shape(x, y):
    if y < 0 and x.dtype.kind not in FLOAT:
        raise DTypeError(f"integer_pow of an integer array to the negative power {y}; cast to float first")
    return _elementwise_shape("integer_pow", NUMBER)(x)


def _integer_pow_tangent(t, x, out, y):
    if y == 0:
        return None
    return t if y == 1 else t * (y * integer_pow(x, y=y - 1))


def _render_integer_pow(args, y):
    """Integers: x*x*x for small powers, numba's exact integer `**` beyond."""
    if 0 < y <= 4:
        return "(" + " * ".join([args[0]] * y) + ")"
    return f"({args[0]} ** {y})"


def _render_float_integer_pow(args, y):
    """Floats: NumPy computes C pow(x, y). Products of x (or of 1/x, which is
    exact at 0 and infinities, where numba's `x ** -n` raises
    ZeroDivisionError) stay within 3 ulp of it for |y| <= 4 (-2 for
    negative y); beyond, pow() itself, as repeated multiplication drifts
    (45 ulp at y = 64)."""
    x = args[0]
    if y == 0:
        return "1.0"             # pow(x, 0) is 1 for every x, NaN included
    if 0 < y <= 4:
        return "(" + " * ".join([x] * y) + ")"
    if y in (-1, -2):
        return "(" + " * ".join([f"(1.0 / {x})"] * -y) + ")"
    return f"math.pow({x}, {float(y)!r})"


integer_pow = Primitive("integer_pow", shape_rule=_integer_pow_shape, impl=lambda x, y: np.power(x, y),
                        numba={"f": _render_float_integer_pow, "iub": _render_integer_pow}, elementwise=True)
integer_pow.jvp = rules.jvp_maps(integer_pow, _integer_pow_tangent)
integer_pow.batch = elementwise_batch(integer_pow)
integer_pow.forward = lambda inputs, params, out_aval: 0 if params["y"] == 1 else None


def _convert_shape(x, new_dtype, weak_type):
    return ShapedArray(x.shape, new_dtype, weak_type)


def _convert_jvp(primals, tangents, params):
    (x,), (t,) = primals, tangents
    out = convert_element_type(x, **params)
    if type(t) is rules.Zero or params["new_dtype"].kind not in "fc":
        return out, rules.Zero(rules.aval_of(out))
    return out, convert_element_type(t, **params)


def _convert_transpose(ct, x, new_dtype, weak_type):
    return [convert_element_type(ct, new_dtype=x.aval.dtype, weak_type=x.aval.weak_type)]


def _convert_impl(x, new_dtype, weak_type):
    x = np.asarray(x)
    if x.dtype.kind == "c" and new_dtype.kind != "c":   # the real part, as JAX (NumPy warns)
        x = x.real
    return x.astype(new_dtype)


convert_element_type = Primitive(
    "convert_element_type", shape_rule=_convert_shape, impl=_convert_impl,
    jvp=_convert_jvp, transpose=_convert_transpose, elementwise=True,
    numba=lambda args, new_dtype, weak_type: f"np.{new_dtype.name}({args[0]})")
convert_element_type.batch = elementwise_batch(convert_element_type)
convert_element_type.forward = rules.forward_if_same_type

# Binary ---------------------------------------------------------------------
add = binary_primitive("add", np.add, "({0} + {1})", (lambda t, x, y, out: t, lambda t, x, y, out: t),
             transpose=_transpose_add_sub(1))
add.forward = rules.forward_neutral(0, 0)
sub = binary_primitive("sub", np.subtract, "({0} - {1})", (lambda t, x, y, out: t, lambda t, x, y, out: -t),
             transpose=_transpose_add_sub(-1))
sub.forward = rules.forward_neutral(right=0)
mul = binary_primitive("mul", np.multiply, "({0} * {1})",
             (lambda t, x, y, out: t * y, lambda t, x, y, out: x * t), transpose=_transpose_mul)
mul.forward = rules.forward_neutral(1, 1)
# For CSE (passes._cse_key): x * y is y * x, bit for bit, as x + y is y + x; and
# a float x ** 2 is x * x (how both NumPy and the kernels compute it).
add.commutative = mul.commutative = True
integer_pow.cse_form = lambda inputs, params: ((mul, [inputs[0], inputs[0]], {})
                                               if params["y"] == 2 and inputs[0].aval.dtype.kind == "f" else None)
div = binary_primitive("div", _divide,
                       {"iub": "(abs({0}) // abs({1}) if ({0} < 0) == ({1} < 0) else -(abs({0}) // abs({1})))",
                        "fc": "({0} / {1})"},
             (lambda t, x, y, out: t / y, lambda t, x, y, out: -t * out / y), transpose=_transpose_div)
div.forward = rules.forward_neutral(right=1)
pow = binary_primitive("pow", np.power, "({0} ** {1})",
             (lambda t, x, y, out: t * y * x ** (y - 1.0),   # the operator: x may be a Python scalar
              lambda t, x, y, out: t * out * _safe_log(x, rules.aval_of(out).dtype)), FLOAT)
max = binary_primitive("max", np.maximum, "np.maximum({0}, {1})",
             (lambda t, x, y, out: t * _balanced(x, y, out), lambda t, x, y, out: t * _balanced(y, x, out)))
min = binary_primitive("min", np.minimum, "np.minimum({0}, {1})",
             (lambda t, x, y, out: t * _balanced(x, y, out), lambda t, x, y, out: t * _balanced(y, x, out)))
atan2 = binary_primitive("atan2", np.arctan2, "math.atan2({0}, {1})",
               (lambda t, x, y, out: t * y / (x * x + y * y), lambda t, x, y, out: -t * x / (x * x + y * y)),
               REAL)
rem = binary_primitive("rem", np.fmod, {"f": "np.fmod({0}, {1})",   # numba's integer np.fmod drops the sign
                              "iu": "(abs({0}) % abs({1}) if {0} >= 0 else -(abs({0}) % abs({1})))"},
             (lambda t, x, y, out: t, lambda t, x, y, out: -t * _trunc(x / y)), "fiu")
and_ = binary_primitive("and", np.bitwise_and, "({0} & {1})", None, INTEGRAL)
or_ = binary_primitive("or", np.bitwise_or, "({0} | {1})", None, INTEGRAL)
xor = binary_primitive("xor", np.bitwise_xor, "({0} ^ {1})", None, INTEGRAL)
eq = binary_primitive("eq", np.equal, "({0} == {1})", None, ANY, out_dtype=np.dtype(bool))
ne = binary_primitive("ne", np.not_equal, "({0} != {1})", None, ANY, out_dtype=np.dtype(bool))
lt = binary_primitive("lt", np.less, "({0} < {1})", None, ANY, out_dtype=np.dtype(bool))   # False < True, as NumPy
le = binary_primitive("le", np.less_equal, "({0} <= {1})", None, ANY, out_dtype=np.dtype(bool))
gt = binary_primitive("gt", np.greater, "({0} > {1})", None, ANY, out_dtype=np.dtype(bool))
ge = binary_primitive("ge", np.greater_equal, "({0} >= {1})", None, ANY, out_dtype=np.dtype(bool))



# Complex numbers, with JAX's conventions: transposes pair values by Re(a * b)
# (no conjugation), so `real` transposes to complex(ct, 0) and `imag` to
# complex(0, -ct); a real-to-complex step's cotangent is the real part.

def _complex_impl(x, y):
    out = np.empty(np.broadcast_shapes(np.shape(x), np.shape(y)), complex_dtype(np.result_type(x)))
    out.real, out.imag = x, y   # not x + 1j * y: 1j * inf is nan + inf j
    return out


def _transpose_complex(ct, x, y):
    return [rules.unbroadcast(real(ct), x.aval) if type(x) is UndefinedPrimal else None,
            rules.unbroadcast(neg(imag(ct)), y.aval) if type(y) is UndefinedPrimal else None]


def _zeros_like(ct):
    return rules.zeros(rules.aval_of(ct))


real = unary_primitive("real", np.real, "{0}.real", "linear", "c", out_dtype=real_dtype,
             transpose=rules.linear_transpose(lambda ct, a: complex(ct, _zeros_like(ct))))
imag = unary_primitive("imag", np.imag, "{0}.imag", "linear", "c", out_dtype=real_dtype,
             transpose=rules.linear_transpose(lambda ct, a: complex(_zeros_like(ct), neg(ct))))
conj = unary_primitive("conj", np.conj, "{0}.conjugate()", "linear", "c",
             transpose=rules.linear_transpose(lambda ct, a: conj(ct)))
complex = binary_primitive("complex", _complex_impl, "complex({0}, {1})", "linear", REAL, _transpose_complex,
                 out_dtype=complex_dtype)


# select_n(pred, *cases): cases[pred]; pred bool (two cases) or int32 ----------

def _select_shape(pred, *cases):
    if pred.dtype.kind not in "bi":
        raise DTypeError(f"select_n needs a boolean or integer predicate, got {pred.dtype.name}")
    out = _elementwise_shape("select_n", ANY)(*cases)
    if pred.shape not in ((), out.shape) and out.shape != ():   # rank-0 cases may stand beside a pred
        raise ShapeError(f"select_n predicate shape {pred.shape} does not match the cases' {out.shape}")
    if not cases[0].shape and pred.shape:
        out = out.update(shape=pred.shape)
    return out


def _select_impl(pred, *cases):
    if len(cases) == 2 and np.asarray(pred).dtype == bool:
        return np.where(pred, cases[1], cases[0])
    return np.choose(np.asarray(pred, dtype=np.int64), np.broadcast_arrays(*cases))


def _select_transpose(ct, pred, *cases):
    assert type(pred) is not UndefinedPrimal
    zero = rules.zeros(rules.aval_of(ct))
    return [None] + [
        rules.unbroadcast(select_n(pred, *[ct if j == i else zero for j in range(len(cases))]), c.aval)
        if type(c) is UndefinedPrimal else None
        for i, c in enumerate(cases)]


def _render_select(args):
    pred, cases = args[0], args[1:]
    if len(cases) == 2:
        return f"({cases[1]} if {pred} else {cases[0]})"
    chain = "".join(f"{case} if {pred} == {i} else " for i, case in enumerate(cases[:-1]))
    return f"({chain}{cases[-1]})"


def _select_jvp(primals, tangents, params):
    pred, cases = primals[0], primals[1:]
    out = select_n(pred, *cases)
    if all(type(t) is rules.Zero for t in tangents[1:]) or not rules.is_differentiable(rules.aval_of(out)):
        return out, rules.Zero(rules.aval_of(out))
    return out, select_n(pred, *[rules.instantiate(t) for t in tangents[1:]])


select_n = Primitive("select_n", shape_rule=_select_shape, impl=_select_impl, jvp=_select_jvp,
                     transpose=_select_transpose, numba=_render_select, elementwise=True)
select_n.batch = elementwise_batch(select_n)
