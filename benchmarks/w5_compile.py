"""W5 compile: time to first result. A fresh process imports the system and
calls `jit(grad(f))` once on W1's f (n = 1000); we report its whole wall
time, with the import and the first call apart. Then the same again with a
warm persistent cache (functrans: FUNCTRANS_CACHE_DIR; JAX: its compilation
cache; numba: `cache=True`). PyTorch, autograd and NumPy have no cache:
their two rows differ only by noise.
"""
import atexit
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import timing, toolkits
from .harness import Case
from .w1_elementwise import grad_loop, hand_grad, program

ID, TITLE = "W5", "compile"
N = 1000
ROOT = Path(__file__).resolve().parent.parent

# Each script prints one JSON line: {"import": s, "first_call": s, "value": [...]}
# or {"skip": "Missing" | "NotYetSupported", "message": ...}.
_TOOLKIT = """\
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from benchmarks import toolkits
try:
    tk = toolkits.load({name!r})
except toolkits.Missing as e:
    print(json.dumps({{"skip": "Missing", "message": str(e)}})); sys.exit(0)
import numpy as np
t1 = time.perf_counter()
{source}
try:
    g = tk.grad(lambda x: program(tk.m, x))
    g = tk.jit(g) if tk.jit is not None else g
    out = tk.block(g(tk.asarray(np.linspace(-2.0, 2.0, {n}))))
except toolkits.NotYetSupported as e:
    print(json.dumps({{"skip": "NotYetSupported", "message": str(e)}})); sys.exit(0)
t2 = time.perf_counter()
out = out.detach().numpy() if hasattr(out, "detach") else np.asarray(out)
print(json.dumps({{"import": t1 - t0, "first_call": t2 - t1, "value": out.tolist()}}))
"""

_HAND = """\
import json, time
t0 = time.perf_counter()
import numpy as np
{imports}
t1 = time.perf_counter()
{source}
{define}
out = g(np.linspace(-2.0, 2.0, {n}))
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "first_call": t2 - t1, "value": out.tolist()}}))
"""


def scripts() -> dict:
    """The program each system's fresh process runs."""
    def toolkit(name):
        return _TOOLKIT.format(root=str(ROOT), name=name, source=inspect.getsource(program), n=N)
    out = {name: toolkit(name) for name in ("functrans",) + toolkits.PEERS}
    out["numpy"] = _HAND.format(imports="", source=inspect.getsource(hand_grad), define="g = hand_grad", n=N)
    out["numba"] = _HAND.format(imports="import numba", source=inspect.getsource(grad_loop),
                                define="g = numba.njit(cache=True)(grad_loop)", n=N)
    return out


def spawn(script: Path, cache: Path) -> dict:
    """Run `script` in a fresh interpreter with its persistent caches in `cache`."""
    env = {k: v for k, v in os.environ.items() if k != "FUNCTRANS_JIT_TIERED"}    # tiered, the default
    env.update(FUNCTRANS_CACHE_DIR=str(cache / "functrans"), NUMBA_CACHE_DIR=str(cache / "numba"),
               JAX_COMPILATION_CACHE_DIR=str(cache / "jax"), JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, cwd=script.parent)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{script.name} exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if "skip" in out:
        raise getattr(toolkits, out["skip"])(out["message"])
    return {**out, "total": wall}


def process_timer(run, budget: timing.Budget) -> timing.Stats:
    """`budget.min_samples` fresh processes: whole wall time, import and first call apart."""
    runs = [run() for _ in range(budget.min_samples)]
    totals = [r["total"] for r in runs]
    return timing.Stats(statistics.median(totals), min(totals), max(totals), len(runs),
                        {"import": statistics.median(r["import"] for r in runs),
                         "first call": statistics.median(r["first_call"] for r in runs)})


def cases(quick):
    work = Path(tempfile.mkdtemp(prefix="functrans-bench-w5-"))
    atexit.register(shutil.rmtree, work, True)
    paths = {}
    for name, text in scripts().items():
        paths[name] = work / f"w5_{name}.py"
        paths[name].write_text(text)

    def cold(name):
        return lambda: lambda: spawn(paths[name], Path(tempfile.mkdtemp(dir=work)))

    def warm(name):
        def setup():
            cache = Path(tempfile.mkdtemp(dir=work))
            spawn(paths[name], cache)    # fills the cache
            return lambda: spawn(paths[name], cache)
        return setup
    x = np.linspace(-2.0, 2.0, N)
    common = dict(reference=lambda: hand_grad(x), value_of=lambda r: np.array(r["value"]),
                  first_call=False, timer=process_timer)
    return [Case("fresh process, cold cache", systems={n: cold(n) for n in paths}, **common),
            Case("fresh process, warm cache", systems={n: warm(n) for n in paths}, **common)]
