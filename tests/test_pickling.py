"""jit, grad, vmap and the other transformed functions pickle (pickle when
the function they wrap is importable, cloudpickle always), before and after
calls, as what they are made of and never as process state; a fresh
process runs them and finds their kernels in its own disk cache.

Two subprocesses in all: one defines decorated functions in its __main__
(what a script or a notebook does) and pickles them; the other loads every
pickle of this file's table and of the first, and runs them."""
import copy
import io
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import cloudpickle
import numpy as np
import picklable as pk
import pytest

import functrans as ft
import functrans.numpy as fnp

TESTS = Path(__file__).resolve().parent
x = np.array([0.5, -2.0, 3.0])
X = np.arange(6.0).reshape(2, 3) / 4
w, (Xd, yd) = np.array([0.1, 0.2, -0.3]), pk.chunk_data(0)

# name -> (function, arguments); every function wraps importable functions only.
IMPORTABLE = {
    "jit": (lambda: ft.jit(pk.tanh_sq), (x,)),
    "grad": (lambda: ft.grad(pk.tanh_sq), (x,)),
    "vmap": (lambda: ft.vmap(pk.tanh_sq), (X,)),
    "jit(grad)": (lambda: ft.jit(ft.grad(pk.loss)), (w, Xd, yd)),
    "jit(vmap(grad))": (lambda: ft.jit(ft.vmap(ft.grad(pk.tanh_sq))), (X,)),
    "value_and_grad argnums": (lambda: ft.value_and_grad(pk.loss, argnums=(0, 2)), (w, Xd, yd)),
    "hessian": (lambda: ft.hessian(pk.tanh_sq), (x,)),
    "jacrev": (lambda: ft.jacrev(ft.vmap(pk.tanh_sq)), (X,)),
    "grad(checkpoint)": (lambda: ft.grad(ft.checkpoint(pk.tanh_sq)), (x,)),
    "jit static_argnums": (lambda: ft.jit(pk.power_sum, static_argnums=1), (x, 3)),
    "decorated jit": (lambda: pk.decorated, (x,)),
    "custom_jvp": (lambda: ft.jit(ft.grad(pk.softplus_sum)), (x,)),
    "custom_jvp itself": (lambda: pk.softplus, (x,)),
    "custom_jvp defjvps": (lambda: ft.grad(pk.softplus_by_terms), (0.3,)),
    "custom_vjp": (lambda: ft.grad(pk.clipped_sum), (x,)),
    "compile": (lambda: ft.jit(ft.grad(pk.loss)).lower(w, Xd, yd).compile(), (w, Xd, yd)),
}

# Lambdas and closures: cloudpickle sends them by value.
CLOSED_OVER = np.linspace(0.0, 1.0, 3)
BY_VALUE = {
    "jit(grad(lambda))": (lambda: ft.jit(ft.grad(lambda v: fnp.sum(fnp.sin(v) * CLOSED_OVER))), (x,)),
    "vmap(jit(closure))": (lambda: ft.vmap(ft.jit(lambda v: fnp.dot(v, CLOSED_OVER))), (X,)),
    "custom_jvp(lambda)": (lambda: _custom_lambda(), (x,)),
}


def _custom_lambda():
    f = ft.custom_jvp(lambda v: fnp.sum(v ** 3))
    f.defjvp(lambda p, t: (f(p[0]), fnp.sum(3.0 * p[0] ** 2 * t[0])))
    return ft.jit(ft.grad(f))


def close(a, b):
    flat_a, flat_b = ft.tree_util.tree_leaves(a), ft.tree_util.tree_leaves(b)
    return len(flat_a) == len(flat_b) and all(np.allclose(p, q, rtol=1e-12, atol=0) for p, q in zip(flat_a, flat_b))


@pytest.mark.parametrize("name", list(IMPORTABLE))
@pytest.mark.parametrize("pickler", [pickle, cloudpickle], ids=["pickle", "cloudpickle"])
def test_importable_functions_pickle_the_same_before_and_after_calls(name, pickler):
    make, args = IMPORTABLE[name]
    fn = make()
    before = pickler.dumps(fn)
    want = fn(*args)
    fn(*args)
    after = pickler.dumps(fn)
    assert before == after          # nothing of the calls travels: no traces, kernels or tiers
    assert len(after) < 1200, len(after)
    assert close(pickler.loads(after)(*args), want)


@pytest.mark.parametrize("name", list(BY_VALUE))
def test_lambdas_and_closures_pickle_with_cloudpickle(name):
    make, args = BY_VALUE[name]
    fn = make()
    want = fn(*args)
    assert close(cloudpickle.loads(cloudpickle.dumps(fn))(*args), want)


class _Recorder(pickle.Unpickler):
    """Records every global a pickle names."""

    def __init__(self, data):
        super().__init__(io.BytesIO(data))
        self.names = []

    def find_class(self, module, name):
        self.names.append(f"{module}.{name}")
        return super().find_class(module, name)


def test_what_travels_names_the_api_and_the_users_functions_only():
    fn = ft.jit(ft.vmap(ft.grad(pk.tanh_sq)))
    fn(X)
    recorder = _Recorder(pickle.dumps(fn))
    recorder.load()
    assert sorted(set(recorder.names)) == [
        "functrans.api._wrapped.Transformed", "functrans.api._wrapped._restore", "functrans.api.autodiff.grad",
        "functrans.api.batching.vmap", "functrans.api.jit.JitFunction", "picklable.tanh_sq"]


def test_a_compiled_function_pickles_the_shapes_of_its_arguments_not_their_data():
    big = np.zeros((200, 200))
    compiled = ft.jit(pk.tanh_sq).lower(big).compile()
    data = pickle.dumps(compiled)
    assert len(data) < 1000
    with pytest.raises(TypeError, match=r"takes \(f64\[200,200\]\)"):
        pickle.loads(data)(np.zeros(3))       # still the compiled signature, checked


def test_a_lowered_function_pickles_and_compiles_on_the_other_side():
    lowered = ft.jit(pk.tanh_sq).lower(x)
    again = pickle.loads(pickle.dumps(lowered))
    assert again.as_text() == lowered.as_text()
    assert close(again.compile()(x), pk.tanh_sq(x))


def test_transformed_functions_bind_as_methods_and_copy():
    class Model:
        scale = 3.0
        dloss = ft.grad(lambda self, v: fnp.sum(v * v) * self.scale, argnums=1)
    assert close(Model().dloss(x), 6.0 * x)
    g = ft.grad(pk.tanh_sq)
    assert close(copy.deepcopy(g)(x), g(x)) and copy.copy(pk.decorated) is pk.decorated
    assert repr(g).startswith("<grad of <function tanh_sq")


def test_unpicklable_closed_over_state_gets_cloudpickles_own_error():
    lock = threading.Lock()
    with pytest.raises(TypeError) as own:
        cloudpickle.dumps(lambda v: (lock, v)[1])
    with pytest.raises(TypeError) as ours:
        cloudpickle.dumps(ft.jit(ft.grad(lambda v: fnp.sum((lock, v)[1]))))
    assert str(ours.value) == str(own.value) == "cannot pickle '_thread.lock' object"


def test_pickle_of_a_local_function_gets_pickles_own_error():
    def f(v):
        return v
    with pytest.raises(AttributeError) as own:
        pickle.dumps(f)
    with pytest.raises(AttributeError) as ours:
        pickle.dumps(ft.jit(f))
    assert (type(ours.value), str(ours.value)) == (type(own.value), str(own.value))


# ------------------------------------------------- fresh processes

MAIN_SCRIPT = """
import pickle, sys
import numpy as np
import functrans as ft
import functrans.numpy as fnp

@ft.jit
def decorated(v):                      # hides the function it wraps: pickle cannot name that
    return fnp.sum(fnp.cos(v) * 3.0)

@ft.custom_jvp
def cube(v):
    return v ** 3

@cube.defjvp
def cube_jvp(p, t):                    # refers to its own wrapper: a cycle
    return cube(p[0]), 3.0 * p[0] ** 2 * t[0]

@ft.grad
def grad_of_cube_sum(v):
    return fnp.sum(cube(v) * decorated(v))

x = np.array([0.5, -2.0, 3.0])
out = {}
for name, fn in [("main decorated", decorated), ("main custom_jvp", ft.jit(grad_of_cube_sum))]:
    out[name] = (pickle.dumps(fn), (x,), fn(x))       # plain pickle: by value through cloudpickle
sys.stdout.buffer.write(pickle.dumps(out))
"""

LOADER = """
import pickle, sys
import numpy as np
subjects = pickle.loads(sys.stdin.buffer.read())
fns = {name: pickle.loads(data) for name, (data, args) in subjects.items() if name != "compile"}
kernel_modules = [m for m in sys.modules if m.startswith("functrans_kernel_")]
fns["compile"] = pickle.loads(subjects["compile"][0])     # a compiled function loads its kernel now
results = {name: fns[name](*args) for name, (_, args) in subjects.items()}
sys.stdout.buffer.write(pickle.dumps((kernel_modules, results)))
"""


def run_python(code, data=b"", env=None):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]), **(env or {})}
    proc = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, env=env, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    return pickle.loads(proc.stdout), proc.stderr.decode()


def test_a_fresh_process_runs_every_pickle_and_loads_its_kernels_from_disk():
    main_made, _ = run_python(MAIN_SCRIPT)
    subjects, want = {}, {}
    for name, (data, args, result) in main_made.items():
        subjects[name], want[name] = (data, args), result
    for table, pickler in [(IMPORTABLE, pickle), (BY_VALUE, cloudpickle)]:
        for name, (make, args) in table.items():
            fn = make()
            want[name] = fn(*args)     # compiles here, into the cache the loader shares
            subjects[name] = (pickler.dumps(fn), args)
    (kernel_modules, results), log = run_python(LOADER, pickle.dumps(subjects), {"FUNCTRANS_LOG_COMPILES": "1"})
    assert kernel_modules == []      # unpickling a function loads no kernel
    assert sorted(results) == sorted(want)
    for name, value in want.items():
        assert close(results[name], value), name
    assert "loaded from disk" in log and " compiled in " not in log, log


NO_NUMBA = """
import os, pickle, sys
import numpy as np
sys.modules["numba"] = None            # this process has no numba
fn = pickle.loads(sys.stdin.buffer.read())
messages = []
for tiered in ["1", "0"]:
    os.environ["FUNCTRANS_JIT_TIERED"] = tiered
    try:
        pickle.loads(pickle.dumps(fn))(np.ones(3))
    except Exception as e:
        messages.append(f"{type(e).__name__}: {e}")
sys.stdout.buffer.write(pickle.dumps((os.getpid(), messages)))
"""


def test_a_process_without_numba_says_which_function_and_why_on_its_first_call():
    (pid, messages), _ = run_python(NO_NUMBA, pickle.dumps(ft.jit(ft.grad(pk.tanh_sq))))
    assert len(messages) == 2     # tiered and untiered alike: an error, not a silent NumPy fallback
    for message in messages:
        assert message.startswith(f"KernelBuildError: jit cannot build the kernel of tanh_sq for (f64[3]) in "
                                  f"process {pid} on host ")
        assert "numba is not installed here" in message and "pip install 'numba>=0.59'" in message
