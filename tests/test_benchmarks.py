"""The benchmark suite: it runs end to end for functrans alone, checks values
before it times, and never prints a number for what it could not run.
No time is asserted; the peers (JAX, PyTorch, autograd) are not needed."""
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # benchmarks/ sits beside the package, it is not installed

from benchmarks import WORKLOADS, timing  # noqa: E402
from benchmarks.harness import Case, run_case  # noqa: E402
from benchmarks.toolkits import NotYetSupported  # noqa: E402

QUICK = timing.Budget.quick()


def test_quick_run_of_every_workload_for_functrans_alone_passes_the_values_check(tmp_path):
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--systems", "functrans",
                           "--no-threads2", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    text = out.read_text()
    assert "values check passed" in text
    assert "**error**" not in text
    for wid in WORKLOADS:
        assert f"| {wid} " in text, f"{wid} missing from the summary table"
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| ")]
    functrans = [cells for cells in rows if len(cells) == 9 and cells[1] == "functrans"]
    assert functrans, "no functrans rows in the details tables"
    for cells in functrans:   # each row is a checked and timed result, or says why there is none
        case, diff, note = cells[0], cells[7], cells[8]
        assert (diff and float(diff) <= 1e-8) or note.startswith("**not yet supported**"), case

def test_a_result_that_disagrees_with_the_reference_is_an_error_and_is_not_timed():
    timed = []

    def run():
        timed.append(1)
        return np.array([1.0, 2.0 + 1e-6])
    case = Case("off by 1e-6", lambda: np.array([1.0, 2.0]), {"numpy": lambda: run})
    (row,) = run_case(case, ["numpy"], QUICK)
    assert row.status == "error" and "max rel diff 5.00e-07" in row.note
    assert row.stats is None and len(timed) == 1   # the checking call only


def test_a_missing_functrans_api_is_reported_without_a_number():
    def setup():
        raise NotYetSupported("functrans.lax.scan does not exist yet")
    case = Case("scan", lambda: 1.0, {"functrans": setup})
    (row,) = run_case(case, ["functrans"], QUICK)
    assert row.status == "not yet supported" and row.stats is None and row.first is None


def test_steady_state_times_exclude_the_first_call():
    calls = []

    def run():
        calls.append(1)
        if len(calls) == 1:
            import time
            time.sleep(0.05)   # a "compile" on the first call
        return 0.0
    case = Case("compile once", lambda: 0.0, {"numpy": lambda: run})
    (row,) = run_case(case, ["numpy"], QUICK)
    assert row.first >= 0.05 and row.stats.max < 0.01


def test_linalg_gradient_table_checks_functrans_against_the_hand_written_gradients(tmp_path):
    """benchmarks/linalg_grad.py (issue 17's extra table): both cases agree
    with NumPy's hand-written gradients, and its section replaces itself."""
    from benchmarks import linalg_grad
    results = [(case.label, run_case(case, ["functrans", "numpy"], QUICK)) for case in linalg_grad.cases(True)]
    for label, rows in results:
        assert [(r.system, r.status) for r in rows] == [("functrans", "ok"), ("numpy", "ok")], (label, rows)
        assert rows[0].diff <= 1e-8
    compiles = [{"caches": "empty", "first": 2.0, "cpu": 1.5, "numba": 1.0, "compiles": 3, "import": 0.5}]
    out = tmp_path / "RESULTS.md"
    out.write_text("# results\n\n## Summary\n\nkept\n")
    for _ in range(2):
        linalg_grad.write_section(out, linalg_grad.markdown(results, compiles, 40, 1, True))
    text = out.read_text()
    assert text.count(linalg_grad.SECTION) == 1 and "kept" in text
    assert "| jit(grad(slogdet(A)[1])), n=40 | functrans |" in text and "| empty | 2 s | 1.5 s | 1 s | 3 |" in text
