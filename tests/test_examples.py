"""The examples run as a learner runs them: each script in a fresh Python
process with `--small`, its exit status and key printed values checked.
Then `ft.to_dot` on the chapter's `z = w x + b`, line by line.

Each subprocess inherits FUNCTRANS_CACHE_DIR from conftest, so the scripts
compile into this session's cache; the MLP's training step (one numba
compile of several seconds) dominates this file's run time.
"""
import ast
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import functrans as ft
from functrans import lax

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run(script, *args, python_code=None):
    """Run examples/`script` with --small (or `python_code`, which runs it
    its own way) in a new process; return the CompletedProcess."""
    command = ([sys.executable, "-c", python_code] if python_code
               else [sys.executable, str(EXAMPLES / script), "--small", *args])
    return subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=EXAMPLES.parent)


def ok(result):
    assert result.returncode == 0, f"exit status {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_example_has_main_with_small_and_a_small_flag(script):
    source = (EXAMPLES / script).read_text()
    tree = ast.parse(source)
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    assert main.args.args[0].arg == "small" and ast.literal_eval(main.args.defaults[0]) is False
    assert '"--small"' in source and ast.get_docstring(tree)


def test_quickstart_prints_the_ir_and_the_second_derivative():
    out = ok(run("quickstart.py"))
    assert "reduce_sum" in out and "d^2/dx^2 sin(1.0) = -0.8414709848078965" in out


def test_d2l_autograd_checks_every_section_against_its_closed_form():
    out = ok(run("d2l_autograd.py"))
    assert [int(n) for n in re.findall(r"^== (\d)\.", out, re.M)] == list(range(1, 10))
    checks = re.findall(r"closed form .*: (ok|MISMATCH)$", out, re.M)
    assert len(checks) == 19 and set(checks) == {"ok"}
    assert "grad(2 x.x) at x = [0 1 2 3] = [ 0. 4. 8. 12.]" in out
    assert "mul_bwd was called 1 time(s)" in out
    assert re.search(r"wide R\^200 -> R .*jacfwd .*jacrev", out)
    assert out.rstrip().endswith("All sections match their closed forms.")


def test_linear_regression_loss_falls_and_recovers_the_weights():
    out = ok(run("linear_regression.py"))
    losses = [float(x) for x in re.findall(r"^epoch \d+: loss ([\d.]+)$", out, re.M)]
    assert len(losses) == 4 and all(a > b for a, b in zip(losses, losses[1:])) and losses[-1] < 1e-3
    errors = [float(x) for x in re.findall(r"error ([\d.]+)$", out, re.M)]
    assert len(errors) == 2 and max(errors) < 0.05


def test_mlp_reaches_its_stated_test_accuracy():
    out = ok(run("mlp.py"))
    epochs = re.findall(r"^epoch +\d+: loss ([\d.]+), train accuracy ([\d.]+), test accuracy ([\d.]+)$", out, re.M)
    assert len(epochs) == 11 and float(epochs[-1][0]) < float(epochs[0][0])
    final = float(re.search(r"final test accuracy ([\d.]+) \(target 0.90\)", out).group(1))
    assert final >= 0.90


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason='matplotlib is not installed (pip install -e ".[plot]")')
def test_plot_derivatives_writes_two_pngs(tmp_path):
    out = ok(run("plot_derivatives.py", "--out", str(tmp_path)))
    assert "max |d_sin - cos| = 0.0e+00" in out and "y = 2x - 3   (closed form: y = 2x - 3)" in out
    for name in ("sin.png", "tangent.png"):
        png = (tmp_path / name).read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_plot_derivatives_without_matplotlib_says_how_to_install_it_and_exits_1(tmp_path):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError,
    # as on a machine without it.
    code = ("import runpy, sys; sys.modules['matplotlib'] = None; "
            f"sys.argv = ['plot_derivatives.py', '--small', '--out', {str(tmp_path)!r}]; "
            "runpy.run_path('examples/plot_derivatives.py', run_name='__main__')")
    result = run(None, python_code=code)
    assert result.returncode == 1, result.stderr
    assert 'pip install -e ".[plot]"' in result.stdout and "max |d_sin - cos|" in result.stdout
    assert not list(tmp_path.iterdir())


def test_graph_example_writes_dot_and_renders_when_graphviz_is_there(tmp_path):
    out = ok(run("graph.py", "--out", str(tmp_path)))
    assert "e:f64[1] = add d c" in out
    dot = (tmp_path / "z.dot").read_text()
    assert dot == ft.to_dot(ft.make_jaxpr(lambda w, x, b: w * x + b)(*[np.ones(1)] * 3), name="z")
    assert '"eqn1" [label="mul", shape=box];' in (tmp_path / "z_backward.dot").read_text()
    rendered = {p.name for p in tmp_path.glob("*.[sp][vn]g")}
    if shutil.which("dot"):
        assert rendered == {"z.svg", "z.png", "z_backward.svg", "z_backward.png"}
    else:
        assert not rendered and "apt-get install graphviz" in out


def dot_lines(dot):
    return [line.strip() for line in dot.splitlines()]


def test_to_dot_of_w_x_plus_b_has_the_chapter_graph():
    dot = ft.to_dot(ft.make_jaxpr(lambda w, x, b: w * x + b)(np.ones(3), np.ones(3), np.ones(3)))
    lines = dot_lines(dot)
    assert lines[0] == 'digraph "jaxpr" {' and lines[-1] == "}"
    nodes = [line for line in lines if "[label=" in line]
    assert nodes == [
        '"a" [label="a: f64[3]", style=filled, fillcolor="#dbe9f6"];',
        '"b" [label="b: f64[3]", style=filled, fillcolor="#dbe9f6"];',
        '"c" [label="c: f64[3]", style=filled, fillcolor="#dbe9f6"];',
        '"eqn0" [label="mul", shape=box];',
        '"d" [label="d: f64[3]"];',
        '"eqn1" [label="add", shape=box];',
        '"e" [label="e: f64[3]", peripheries=2, xlabel="out 0"];',
    ]
    edges = [line for line in lines if "->" in line]
    assert edges == ['"a" -> "eqn0";', '"b" -> "eqn0";', '"eqn0" -> "d";',
                     '"d" -> "eqn1";', '"c" -> "eqn1";', '"eqn1" -> "e";']


def test_to_dot_marks_literals_params_and_inputs_that_are_outputs():
    lines = dot_lines(ft.to_dot(ft.make_jaxpr(lambda x: (x.sum() * 2.0, x))(np.ones(2)), name="f"))
    assert lines[0] == 'digraph "f" {'
    assert '"a" [label="a: f64[2]", style=filled, fillcolor="#dbe9f6", peripheries=2, xlabel="out 1"];' in lines
    assert '"eqn0" [label="reduce_sum\\naxes=(0,)", shape=box];' in lines
    assert '"lit0" [label="2.0:f64[]", style=dashed];' in lines and '"lit0" -> "eqn1";' in lines


def test_to_dot_draws_cond_branches_as_clusters_joined_to_their_box():
    closed = ft.make_jaxpr(lambda x: lax.cond(x > 0, lambda x: x * 2.0, lambda x: -x, x))(1.0)
    lines = dot_lines(ft.to_dot(closed))
    cond_box = next(line.split()[0] for line in lines if '[label="cond", shape=box]' in line)
    for i, inner in enumerate(["neg", "mul"]):
        start = lines.index(f'subgraph "cluster_sub{i}" {{')
        assert lines[start + 1] == f'label="cond: branches[{i}]"; style=rounded;'
        body = lines[start + 2:lines.index("}", start)]
        assert f'"sub{i}/a" [label="a: f64[]", style=filled, fillcolor="#dbe9f6"];' in body
        assert any(f'[label="{inner}", shape=box]' in line for line in body)
        assert f'{cond_box} -> "sub{i}/a" [style=dashed, arrowhead=none, lhead="cluster_sub{i}"];' in lines


@pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz's dot program is not installed")
def test_graphviz_accepts_nested_and_empty_jaxprs():
    def f(x):
        y = lax.fori_loop(0, 3, lambda i, c: c * x, x)
        return lax.cond(y > 0, lambda y: y, lambda y: 1.0, y)
    for closed in [ft.make_jaxpr(f)(1.0), ft.make_jaxpr(lambda: 1.0)()]:
        subprocess.run(["dot", "-Tsvg"], input=ft.to_dot(closed), text=True, check=True, capture_output=True)


SWEEP_LINE = r"^ *{}: +[\d.]+ s, speed-up [\d.]+x, results equal to serial$"


def test_parameter_sweep_without_dask_says_so_and_runs_the_pool():
    # A None entry in sys.modules makes `import dask.distributed` raise ImportError.
    code = ("import runpy, sys; sys.modules['dask.distributed'] = None; "
            "sys.argv = ['parameter_sweep.py', '--small']; "
            "runpy.run_path('examples/parameter_sweep.py', run_name='__main__')")
    out = ok(run(None, python_code=code))
    assert re.search(r"^dask: skipped: dask.distributed is not installed .*pip install -e \"\.\[dask\]\"$", out, re.M)
    for executor in ("serial", "pool"):
        assert re.search(SWEEP_LINE.format(executor), out, re.M), out
    assert re.search(r"^group 0: best l2 [\d.]+, loss [\d.]+, train accuracy 0\.[89]\d+$", out, re.M), out


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason='dask.distributed is not installed (pip install -e ".[dask]")')
def test_parameter_sweep_on_a_dask_cluster_equals_the_serial_run():
    out = ok(run("parameter_sweep.py", "--executor", "dask"))
    assert re.search(SWEEP_LINE.format("dask"), out, re.M) and "skipped" not in out, out
