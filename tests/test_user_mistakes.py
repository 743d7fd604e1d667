"""A hundred mistakes a careful user makes, each asserting the typed error and
the words that name the argument and the fix (issue 15, section 6).

One row per mistake: what the user wrote, the error type they can catch and
a pattern the message must match. A row that regresses to NumPy's, numba's
or Python's bare message fails here. Nothing in this module compiles a
kernel except the big-endian row, which checks the conversion's value.
"""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import (
    AxisError,
    BatchingError,
    ConcretizationError,
    CustomRuleError,
    DTypeError,
    GradError,
    ShapeError,
    TracerConversionError,
    UnsupportedError,
)

x3, x4, x23 = np.ones(3), np.ones(4), np.ones((2, 3))


def _branch_on_traced(x):
    if x > 0:
        return x
    return -x


def _loop_on_traced(x):
    while x < 10:
        x = x * 2
    return x


def _custom_vjp_with_bad_bwd():
    @ft.custom_vjp
    def f(x):
        return fnp.sin(x)
    f.defvjp(lambda x: (fnp.sin(x), x), lambda res, g: g * fnp.cos(res))   # bwd must return a tuple
    return ft.grad(f)


def _custom_jvp_with_bad_rule():
    @ft.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        return fnp.sin(primals[0])    # must return (primal_out, tangent_out)
    return ft.grad(f)


RANGE = r"use an axis in \[-2, 2\)"
ARGNUMS_RANGE = r"out of range for a call with 2 positional arguments; valid positions are -2 to 1"
NOT_AN_ARRAY = r"not a number or an array of numbers.*close over it"

MISTAKES = [
    # -- shapes: both shapes, the operation, and what to do
    ("add_unbroadcastable", lambda: fnp.add(x23, x4), ShapeError, r"add: .*\(2, 3\) \(4,\).*reshape, transpose"),
    ("add_unbroadcastable_jit", lambda: ft.jit(lambda a, b: a + b)(x23, x4), ShapeError, r"add: .*\(2, 3\) \(4,\)"),
    ("dot_misaligned", lambda: fnp.dot(x23, x4), ShapeError, r"dot: shapes \(2, 3\) and \(4,\).*transpose one"),
    ("dot_misaligned_jit", lambda: ft.jit(fnp.dot)(x23, x4), ShapeError, r"dot: shapes \(2, 3\) and \(4,\)"),
    ("matmul_misaligned", lambda: fnp.matmul(x23, np.ones((4, 2))), ShapeError, r"matmul: shapes \(2, 3\) and \(4, 2\)"),
    ("matmul_operator_jit", lambda: ft.jit(lambda a, b: a @ b)(x23, np.ones((4, 2))), ShapeError,
     r"matmul: shapes \(2, 3\) and \(4, 2\).*order of the operands"),
    ("matmul_of_a_scalar", lambda: fnp.matmul(x23, 2.0), ValueError, "must not be scalars; use multiply"),
    ("reshape_wrong_size", lambda: fnp.reshape(x23, (4, 2)), ShapeError,
     r"reshape an array of shape \(2, 3\) .*\(4, 2\) \(size 8\); the sizes must match"),
    ("reshape_wrong_size_jit", lambda: ft.jit(lambda a: a.reshape(5))(x23), ShapeError, r"shape \(2, 3\).*\(5,\)"),
    ("concatenate_mismatched", lambda: fnp.concatenate([x23, np.ones((2, 4))], axis=0), ShapeError,
     r"concatenate .*agree except along axis 0, got \(2, 3\), \(2, 4\)"),
    ("stack_mismatched", lambda: fnp.stack([x3, x4]), ShapeError, r"stack needs arrays of one shape.*\(3,\), \(4,\)"),
    ("where_unbroadcastable", lambda: fnp.where(x3 > 0, x23, x4), ShapeError, r"where: .*\(3,\) \(2, 3\) \(4,\)"),
    ("einsum_misaligned", lambda: fnp.einsum("ij,jk->ik", x23, x23), ShapeError, r"einsum: shapes \(2, 3\) and \(2, 3\)"),
    ("broadcast_to_smaller", lambda: fnp.broadcast_to(x3, (4,)), ShapeError, r"broadcast_to: .*\(3,\) \(4,\)"),
    ("squeeze_a_long_axis", lambda: fnp.squeeze(x23, axis=0), ShapeError, r"squeeze .*\(2, 3\).*must have size 1"),
    ("lax_add_of_two_shapes", lambda: lax.add(x3, x4), ShapeError, r"\(3,\), \(4,\); use functrans.numpy"),
    # -- axis=: the function, the argument, the rank and the valid range
    ("sum_axis_too_big", lambda: fnp.sum(x23, axis=2), AxisError, "sum: axis=2 .*rank 2; " + RANGE),
    ("sum_axis_too_negative", lambda: fnp.sum(x23, axis=-3), AxisError, "sum: axis=-3 .*" + RANGE),
    ("sum_axis_float", lambda: fnp.sum(x23, axis=1.0), TypeError, "sum: axis must be an integer, got float"),
    ("mean_axis_jit", lambda: ft.jit(lambda a: fnp.mean(a, axis=5))(x23), AxisError, "mean: axis=5 .*" + RANGE),
    ("argmax_axis", lambda: fnp.argmax(x23, axis=2), AxisError, "argmax: axis=2"),
    ("cumsum_axis", lambda: fnp.cumsum(x23, axis=3), AxisError, "cumsum: axis=3"),
    ("concatenate_axis", lambda: fnp.concatenate([x23, x23], axis=2), AxisError, "concatenate: axis=2"),
    ("take_axis", lambda: fnp.take(x23, np.array([0]), axis=4), AxisError, "take: axis=4 .*" + RANGE),
    ("transpose_axes_out_of_range", lambda: fnp.transpose(x23, (0, 2)), AxisError, "transpose: axes=2"),
    ("transpose_axes_too_few", lambda: fnp.transpose(x23, (0,)), ShapeError,
     r"axes=\(0,\) is not a permutation of the 2 axes .*give each of 0..1 once"),
    ("swapaxes_axis2", lambda: fnp.swapaxes(x23, 0, 2), AxisError, "swapaxes: axis2=2"),
    ("moveaxis_destination", lambda: fnp.moveaxis(x23, 0, -3), AxisError, "moveaxis: destination=-3"),
    ("softmax_axis", lambda: ft.nn.softmax(x23, axis=2), AxisError, "softmax: axis=2"),
    ("logsumexp_axis", lambda: ft.nn.logsumexp(x23, axis=3), AxisError, "logsumexp: axis=3"),
    ("tensordot_axes", lambda: fnp.tensordot(np.ones((3, 3)), np.ones((3, 3)), axes=([5], [0])), AxisError,
     r"tensordot: axes\[0\]=5 .*rank 2"),
    # -- vmap in_axes / out_axes
    ("vmap_out_axes_past_the_rank", lambda: ft.vmap(lambda a: a * 2.0, out_axes=3)(x23), BatchingError,
     "vmap: out_axes=3 is out of range for an array of rank 2; " + RANGE),
    ("vmap_out_axes_negative", lambda: ft.vmap(lambda a: a * 2.0, out_axes=-3)(x23), BatchingError, "out_axes=-3"),
    ("vmap_in_axes_past_the_rank", lambda: ft.vmap(lambda a: a, in_axes=2)(x23), BatchingError,
     r"argument leaf 0, shape \(2, 3\)\): in_axes=2 .*" + RANGE),
    ("vmap_in_axes_string", lambda: ft.vmap(lambda a: a, in_axes="0")(x23), TypeError,
     "in_axes must be an int, None, or a tuple with one entry per positional argument, got str"),
    ("vmap_in_axes_float", lambda: ft.vmap(lambda a: a, in_axes=0.0)(x3), TypeError, "in_axes must be an int.*float"),
    ("vmap_in_axes_too_few", lambda: ft.vmap(lambda a, b: a + b, in_axes=(0,))(x3, x3), BatchingError,
     "1 entries but .* 2 positional arguments; give one entry per argument"),
    ("vmap_sizes_differ", lambda: ft.vmap(lambda a, b: a + b)(x3, x4), BatchingError, "size 3 .*size 4.*in_axes=None"),
    ("vmap_of_a_scalar", lambda: ft.vmap(lambda a: a)(1.0), BatchingError, "scalar .*no axis to map over.*in_axes=None"),
    ("vmap_nothing_mapped", lambda: ft.vmap(lambda a: a, in_axes=None)(x3), BatchingError, "at least one argument"),
    ("vmap_in_axes_tree", lambda: ft.vmap(lambda d: d["a"], in_axes=({"b": 0},))({"a": x3}), ValueError,
     "does not match the argument structure.*int or None per leaf"),
    ("vmap_out_axes_tree", lambda: ft.vmap(lambda a: (a, a), out_axes=(0, 0, 0))(x3), ValueError, "out_axes .*does not match"),
    ("vmap_out_axes_none_of_mapped", lambda: ft.vmap(lambda a: a, out_axes=None)(x3), BatchingError,
     "depends on the mapped inputs; give that output an integer out_axes"),
    ("vmap_of_a_non_function", lambda: ft.vmap(3), TypeError, r"vmap expects a function .*got int 3; write vmap\(f\)\(x\)"),
    # -- grad and friends
    ("grad_of_an_int", lambda: ft.grad(lambda a: a * 2.0)(2), GradError, r"floating-point.*2.0 rather than 2"),
    ("grad_of_an_int_array", lambda: ft.grad(fnp.sum)(np.arange(3)), GradError, r"int64.*astype\(float\)"),
    ("grad_nonscalar_output", lambda: ft.grad(fnp.sin)(x3), GradError, r"scalar output.*\(3,\).*vjp.*jacrev"),
    ("grad_argnums_too_big", lambda: ft.grad(lambda a, b: a * b, argnums=2)(1.0, 2.0), ValueError,
     "grad: argnums=.*" + ARGNUMS_RANGE),
    ("grad_argnums_too_negative", lambda: ft.grad(lambda a, b: a * b, argnums=-3)(1.0, 2.0), ValueError, ARGNUMS_RANGE),
    ("grad_argnums_string", lambda: ft.grad(lambda a: a, argnums="a"), TypeError,
     r"grad: argnums must be an int or a tuple of ints, got 'a'"),
    ("grad_argnums_float", lambda: ft.grad(lambda a: a, argnums=0.0), TypeError, "argnums must be an int"),
    ("grad_of_none", lambda: ft.grad(lambda a: a)(None), TypeError, "argument 0 is None.*pass a float"),
    ("grad_of_a_string", lambda: ft.grad(lambda a: a)("1.0"), TypeError, "grad: argument 0 is a str .*" + NOT_AN_ARRAY),
    ("grad_of_an_object", lambda: ft.grad(lambda a: a)(object()), TypeError, "argument 0 is an object"),
    ("grad_with_no_arguments", lambda: ft.grad(lambda: 1.0)(), ValueError, "called with no positional arguments"),
    ("grad_of_a_bool_output", lambda: ft.grad(lambda a: a > 0)(1.0), GradError, "returned bool; return a float"),
    ("grad_output_is_none", lambda: ft.grad(lambda a: None)(1.0), GradError, "returned no array.*`return` missing"),
    ("grad_has_aux_not_a_pair", lambda: ft.grad(lambda a: a, has_aux=True)(1.0), GradError, r"pair \(output, aux\)"),
    ("grad_of_a_non_function", lambda: ft.grad(3), TypeError, r"grad expects a function .*not grad\(f\(x\)\)"),
    ("grad_through_np_asarray", lambda: ft.grad(lambda a: np.sum(np.asarray(a)))(x3), TracerConversionError,
     "Use functrans.numpy"),
    ("grad_of_a_list_into_fnp", lambda: ft.grad(lambda a: fnp.sum(fnp.square(a)))([1.0, 2.0]), TypeError,
     r"Python list of traced values.*np.asarray\(x\).*fnp.stack"),
    ("vjp_cotangent_shape", lambda: ft.vjp(fnp.sin, x3)[1](x4), ValueError,
     r"cotangent of shape \(4,\) for an output of shape \(3,\); a cotangent has its output's shape"),
    ("vjp_cotangent_structure", lambda: ft.vjp(fnp.sin, x3)[1]((x3, x3)), ValueError, "structured like the output"),
    ("jvp_not_tuples", lambda: ft.jvp(fnp.sin, x3, x3), TypeError, r"jvp\(f, \(x,\), \(t,\)\)"),
    ("jvp_structures_differ", lambda: ft.jvp(lambda a, b: a + b, (x3, x3), (x3,)), ValueError, "one tangent per primal"),
    ("jvp_tangent_shape", lambda: ft.jvp(fnp.sin, (x3,), (x4,)), ValueError, r"\(4,\) for a primal of shape \(3,\)"),
    ("jacrev_argnums", lambda: ft.jacrev(lambda a: a, argnums=1)(x3), ValueError, "jacrev: argnums=.*valid positions are -1 to 0"),
    ("jacfwd_argnums", lambda: ft.jacfwd(lambda a: a, argnums=1)(x3), ValueError, "jacfwd: argnums=.*valid positions"),
    ("jacfwd_of_ints", lambda: ft.jacfwd(lambda a: a)(np.arange(3)), GradError, "floating-point"),
    ("hessian_of_a_non_function", lambda: ft.hessian("f"), TypeError, "hessian expects a function"),
    # -- jit
    ("jit_python_if", lambda: ft.jit(_branch_on_traced)(1.0), ConcretizationError, r"lax\.cond.*static_argnums"),
    ("jit_python_while", lambda: ft.jit(_loop_on_traced)(1.0), ConcretizationError, r"lax\.while_loop"),
    ("jit_int_of_traced", lambda: ft.jit(lambda a: fnp.zeros(int(a)))(3.0), ConcretizationError, r"int\(\)"),
    ("jit_shape_from_an_argument", lambda: ft.jit(lambda a, n: fnp.zeros(n))(x3, 3), ConcretizationError,
     "shape given to zeros .*static_argnums"),
    ("jit_np_asarray", lambda: ft.jit(lambda a: np.asarray(a) + 1)(x3), TracerConversionError, r"f64\[3\].*functrans.numpy"),
    ("jit_of_a_string", lambda: ft.jit(lambda a: a)("x"), TypeError,
     r"jit: argument 0 is a str .*mark it static \(jit\(f, static_argnums=0\)\)"),
    ("jit_of_an_object", lambda: ft.jit(lambda a: a)(object()), TypeError, "jit: argument 0 is an object"),
    ("jit_of_an_object_array", lambda: ft.jit(lambda a: a)(np.array([1, "a"], dtype=object)), TypeError,
     "argument 0 is an array of dtype object"),
    ("jit_keyword_string", lambda: ft.jit(lambda a, mode=1: a)(x3, mode="fast"), TypeError,
     r"keyword argument 'mode' is a str.*static_argnames='mode'"),
    ("jit_of_float16", lambda: ft.jit(lambda a: a * 2)(np.ones(3, np.float16)), UnsupportedError,
     r"argument 0 has dtype float16.*half precision.*astype\(np.float32\)"),
    ("jit_of_longdouble", lambda: ft.jit(lambda a: a * 2.0)(np.ones(3, np.longdouble)), UnsupportedError,
     r"extended precision.*astype\(np.float64\)"),
    ("jit_float16_inside", lambda: ft.jit(lambda a: a.astype(np.float16) * 2)(x3), UnsupportedError,
     "float16.*half precision"),
    ("jit_static_argnums_too_big", lambda: ft.jit(lambda a, n: a * n, static_argnums=2)(x3, 2), ValueError,
     "jit: static_argnums=.*" + ARGNUMS_RANGE),
    ("jit_static_argnums_string", lambda: ft.jit(lambda a: a, static_argnums="a"), TypeError,
     "static_argnums must be an int or a tuple of ints"),
    ("jit_static_unhashable", lambda: ft.jit(lambda a, n: a * n[0], static_argnums=1)(x3, [2]), TypeError,
     "must be hashable.*Pass a tuple instead of a list"),
    ("jit_static_array", lambda: ft.jit(lambda a, n: a * n, static_argnums=1)(x3, x3), TypeError, "must be hashable"),
    ("jit_static_argnames_misspelt", lambda: ft.jit(lambda a, n=2: a * n, static_argnames="m"), ValueError,
     r"static_argnames \['m'\] is not a parameter of <lambda>, whose parameters are \['a', 'n'\]"),
    ("jit_of_a_non_function", lambda: ft.jit(3), TypeError, r"jit expects a function .*not jit\(f\(x\)\)"),
    ("jit_unknown_keyword", lambda: ft.jit(lambda a: a)(x3, b=2), TypeError, "unexpected keyword argument 'b'"),
    ("jit_missing_argument", lambda: ft.jit(lambda a, b: a + b)(x3), TypeError, "missing 1 required positional argument"),
    ("make_jaxpr_static_argnums", lambda: ft.make_jaxpr(lambda a: a, static_argnums=1)(x3), ValueError,
     "make_jaxpr: static_argnums=.*valid positions are -1 to 0"),
    # -- control flow
    ("cond_branch_shapes", lambda: lax.cond(True, lambda a: a, lambda a: a[0], x3), DTypeError,
     r"every branch must return the same types.*f64\[\] became f64\[3\]\. Reshape, broadcast"),
    ("cond_branch_dtypes", lambda: lax.cond(True, lambda a: a, lambda a: a.astype(np.float32), x3), DTypeError,
     r"f32\[3\] became f64\[3\].*Cast"),
    ("scan_carry_changes_type", lambda: lax.scan(lambda c, x: (c + x, c), 0.0, x23), DTypeError,
     r"keep the type of every value it carries.*f64\[\] became f64\[3\]"),
    ("scan_body_not_a_pair", lambda: lax.scan(lambda c, x: c + x, 0.0, x3), TypeError, r"must return a pair \(new_carry, y\)"),
    ("while_body_changes_structure", lambda: lax.while_loop(lambda c: c[0] < 3, lambda c: c[0] + 1, (0, 1)), TypeError,
     "body_fun must return the structure of init_val"),
    ("switch_float_index", lambda: lax.switch(0.5, [lambda a: a, lambda a: -a], 1.0), TypeError,
     r"switch: index must be a scalar integer, got f64\[\]"),
    # -- operands
    ("lax_add_two_dtypes", lambda: lax.add(np.ones(3, np.float32), x3), DTypeError, "float32, float64.*cast first"),
    ("lax_sin_of_ints", lambda: lax.sin(np.arange(3)), DTypeError, r"floating-point .*int64.*astype\(float\)"),
    ("sin_of_a_string", lambda: fnp.sin("abc"), TypeError, "needs numbers or arrays of numbers, got str 'abc'.*np.asarray"),
    ("add_none", lambda: fnp.add(x3, None), TypeError, "needs numbers or arrays of numbers, got NoneType None"),
    ("custom_vjp_bwd_not_a_tuple", lambda: _custom_vjp_with_bad_bwd()(1.0), CustomRuleError,
     "bwd must return a tuple with one cotangent per differentiable argument"),
    ("custom_jvp_rule_not_a_pair", lambda: _custom_jvp_with_bad_rule()(1.0), CustomRuleError,
     r"custom_jvp rule of f must return a pair \(primal_out, tangent_out\), but returned float64"),
    ("index_out_of_bounds_jit", lambda: ft.jit(lambda a: a[5])(x3), IndexError, "index 5 is out of bounds for axis 0 with size 3"),
    ("index_with_a_float", lambda: fnp.sin(x3)[1.5], IndexError, "only integers, slices"),
    ("astype_unknown_dtype", lambda: fnp.astype(x3, "notadtype"), TypeError, "data type 'notadtype' not understood"),
]


@pytest.mark.parametrize("mistake, exc, pattern", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_user_mistake_gets_a_typed_error_naming_the_problem(mistake, exc, pattern):
    with pytest.raises(exc, match=pattern):
        mistake()


def test_the_table_is_the_issue_size():
    assert len(MISTAKES) >= 70 and len({m[0] for m in MISTAKES}) == len(MISTAKES)


@pytest.mark.parametrize("call, note", [
    (lambda: ft.jit(lambda a: a * 2.0)([1.0, 2.0]), r"jit: argument 0 is a Python list of 2 values.*np.asarray"),
    (lambda: ft.grad(lambda a: fnp.sum(a * a))([1.0, 2.0]), r"grad: argument 0 is a Python list of 2 values"),
    (lambda: ft.vmap(lambda a: a + 1)([x3, x3]), r"vmap: argument 0 is a Python list"),
    (lambda: ft.jit(lambda a: a * 2.0)(None), r"jit: argument 0 is None.*pass an array"),
], ids=["jit_of_a_list", "grad_of_a_list", "vmap_of_a_list", "jit_of_none"])
def test_a_python_error_on_a_list_or_none_argument_gets_a_note_saying_to_pass_an_array(call, note):
    with pytest.raises(TypeError) as info:
        call()
    assert any(__import__("re").search(note, n) for n in getattr(info.value, "__notes__", [])), info.value


def test_axis_errors_are_numpys_axis_error_too():
    with pytest.raises(np.exceptions.AxisError):
        fnp.sum(x23, axis=2)
    with pytest.raises(IndexError):
        fnp.cumsum(x23, axis=-3)


def test_rank_0_arrays_accept_axis_0_and_minus_1_like_numpy():
    assert fnp.sum(np.array(2.0), axis=0) == np.sum(np.array(2.0), axis=0)
    assert fnp.sum(np.array(2.0), axis=-1) == 2.0
    with pytest.raises(AxisError):
        fnp.sum(np.array(2.0), axis=1)


def test_a_big_endian_argument_to_jit_is_byte_swapped_and_computes_like_a_native_one():
    big = np.arange(6.0).reshape(2, 3).astype(">f8")
    out = ft.jit(lambda a, b: a * b + 1.0)(big, np.ones(3, ">f8"))
    np.testing.assert_array_equal(out, np.arange(6.0).reshape(2, 3) + 1.0)
    assert out.dtype == np.float64 and out.dtype.isnative
