"""A damaged disk cache never crashes the process and never runs changed
code: each kind of damage (benchmarks/cache_damage.py's 27) is rejected
before anything of the entry is executed or unpickled, logged in one line
under FUNCTRANS_LOG_COMPILES, compiled again and replaced by a good entry.

One tiny kernel (and a second one, for "another kernel's" bytes) is built
once; each test damages a copy of its entry and loads it in this process,
except where damage could crash the loader (bit flips in machine code: one
subprocess) or needs file modes root ignores (read-only directories: one
subprocess without those capabilities).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import functrans as ft
from functrans.backend import cache, loader
from functrans.backend.render import render_jaxpr
from functrans.transforms.passes import inline_calls, simplify

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))      # benchmarks/ sits beside the package
from benchmarks.cache_damage import KINDS, entries, unprivileged  # noqa: E402

X = np.array([0.0, 1.0, 2.0])
FUNCTIONS = {"f": (lambda x: x * 2.0 + 1.0, X * 2.0 + 1.0), "g": (lambda x: x * 5.0 - 1.0, X * 5.0 - 1.0)}
ENTRY_KINDS = [k for k in KINDS if not k.startswith(("bit flip", "read-only", "cache path"))]


def kernel(name):
    """(source, arg avals) of one of the two kernels."""
    closed = simplify(inline_calls(ft.make_jaxpr(FUNCTIONS[name][0])(X)))
    return render_jaxpr(closed.jaxpr), [v.aval for v in closed.jaxpr.invars]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A cache directory holding the good entries of f and g."""
    directory = tmp_path_factory.mktemp("pristine")
    for name in FUNCTIONS:
        source, avals = kernel(name)
        loader.build(cache.Entry(cache.kernel_digest(source), directory), source, avals)
    return directory


@pytest.fixture
def damaged(pristine, tmp_path):
    """A copy of the pristine cache and its entries, to damage."""
    directory = tmp_path / "cache"
    shutil.copytree(pristine, directory)
    return directory, entries(directory)


def load_f(directory, capsys, monkeypatch):
    """f's dispatcher loaded from `directory`, and the lines FUNCTRANS_LOG_COMPILES printed."""
    monkeypatch.setenv("FUNCTRANS_LOG_COMPILES", "1")
    source, avals = kernel("f")
    capsys.readouterr()
    dispatcher = loader.load_or_build(cache.Entry(cache.kernel_digest(source), directory), source, avals)
    return dispatcher, capsys.readouterr().err.splitlines()


def assert_good_entry(directory, name="f"):
    source, avals = kernel(name)
    contents, problem = loader.entry_problem(cache.Entry(cache.kernel_digest(source), directory), avals)
    assert problem is None and contents is not None and contents.source == source


@pytest.mark.parametrize("kind", ENTRY_KINDS)
def test_a_damaged_entry_is_rejected_logged_once_compiled_again_and_replaced(kind, damaged, capsys, monkeypatch):
    directory, found = damaged
    KINDS[kind](directory, found)
    dispatcher, log = load_f(directory, capsys, monkeypatch)
    np.testing.assert_array_equal(dispatcher(X)[0], FUNCTIONS["f"][1])
    rejected = [line for line in log if "rejected" in line]
    assert len(rejected) == 1, log
    assert any("compiled" in line for line in log) and not any("loaded from disk" in line for line in log), log
    assert_good_entry(directory)
    assert_good_entry(directory, "g")      # the other kernel's entry is untouched


def test_an_undamaged_entry_loads_without_compiling(damaged, capsys, monkeypatch):
    dispatcher, log = load_f(damaged[0], capsys, monkeypatch)
    np.testing.assert_array_equal(dispatcher(X)[0], FUNCTIONS["f"][1])
    assert any("loaded from disk" in line for line in log) and not any("rejected" in line for line in log), log


@pytest.mark.parametrize("mode", [0o606, 0o660], ids=["world-writable", "group-writable"])
def test_an_entry_others_may_write_is_rejected_and_replaced_by_a_private_one(mode, damaged, capsys, monkeypatch):
    directory, found = damaged
    found["f"].chmod(mode)
    dispatcher, log = load_f(directory, capsys, monkeypatch)
    np.testing.assert_array_equal(dispatcher(X)[0], FUNCTIONS["f"][1])
    assert any("rejected: it is writable by" in line for line in log), log
    assert found["f"].stat().st_mode & 0o777 == 0o600
    assert_good_entry(directory)


def test_an_entry_of_another_user_is_rejected(damaged, monkeypatch):
    directory, found = damaged
    monkeypatch.setattr(os, "geteuid", lambda: found["f"].stat().st_uid + 1)
    with pytest.raises(cache.Rejected, match="owned by another user"):
        cache.Entry(found["f"].name.removesuffix(cache.SUFFIX), directory).read()


def test_a_symbolic_link_in_place_of_an_entry_is_rejected(damaged, capsys, monkeypatch):
    directory, found = damaged
    target = directory.parent / "elsewhere"
    found["f"].rename(target)
    found["f"].symlink_to(target)
    dispatcher, log = load_f(directory, capsys, monkeypatch)
    np.testing.assert_array_equal(dispatcher(X)[0], FUNCTIONS["f"][1])
    assert any("rejected: it cannot be opened" in line for line in log), log
    assert not found["f"].is_symlink()
    assert_good_entry(directory)


@pytest.mark.parametrize("kind", ["cache path is a regular file", "cache path lies below a regular file"])
def test_an_unusable_cache_path_warns_once_and_a_private_directory_serves(kind, tmp_path, capsys, monkeypatch):
    (tmp_path / "cache").mkdir()
    configured = KINDS[kind](tmp_path / "cache", {}) or tmp_path / "cache"
    monkeypatch.setenv("FUNCTRANS_CACHE_DIR", str(configured))
    with pytest.warns(cache.CacheWarning, match="private temporary directory") as caught:
        used = cache.cache_dir()
    assert len(caught) == 1 and used != configured and used.stat().st_mode & 0o777 == 0o700
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.cache_dir() == used        # once per process
    dispatcher, _ = load_f(used, capsys, monkeypatch)
    np.testing.assert_array_equal(dispatcher(X)[0], FUNCTIONS["f"][1])
    assert_good_entry(used)


def run_child(script: str, *args) -> subprocess.CompletedProcess:
    """Run `script` without root's power to ignore file modes."""
    try:
        prefix = unprivileged()
    except RuntimeError as e:
        pytest.skip(str(e))
    env = {**os.environ, "FUNCTRANS_LOG_COMPILES": "1", "FUNCTRANS_JIT_TIERED": "0", "PYTHONPATH": str(ROOT)}
    return subprocess.run(prefix + [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
                          check=False, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.startswith("bit flip")])
def test_flipped_bits_in_the_machine_code_are_rejected_in_a_fresh_process(kind, pristine, tmp_path):
    """Loaded unverified, these flips crashed the process (SIGSEGV) or ran silently."""
    proc = run_child("""
        import shutil, sys
        from pathlib import Path
        import numpy as np
        sys.path.insert(0, sys.argv[2])
        from benchmarks.cache_damage import KINDS, entries
        from test_cache_damage import FUNCTIONS, X, kernel
        from functrans.backend import cache, loader
        source, avals = kernel("f")
        directory = Path(sys.argv[3]) / "cache"
        shutil.copytree(sys.argv[1], directory)
        KINDS[sys.argv[4]](directory, entries(directory))
        dispatcher = loader.load_or_build(cache.Entry(cache.kernel_digest(source), directory), source, avals)
        print(bool(np.array_equal(dispatcher(X)[0], FUNCTIONS["f"][1])))
    """, pristine, ROOT / "tests", tmp_path, kind)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["True"]
    assert proc.stderr.count("rejected: its checksum does not match") == 1, proc.stderr[-3000:]


@pytest.mark.parametrize("kind", [k for k in KINDS if k.startswith("read-only")])
def test_a_read_only_cache_directory_empty_or_full_still_computes(kind, pristine, tmp_path):
    directory = tmp_path / "cache"
    if kind.endswith("full"):
        shutil.copytree(pristine, directory)
    else:
        directory.mkdir()
    for path in [*directory.iterdir(), directory]:
        path.chmod(0o500 if path.is_dir() else 0o400)
    try:
        proc = run_child("""
            import os, sys, numpy as np, functrans as ft
            os.environ["FUNCTRANS_CACHE_DIR"] = sys.argv[1]
            f = ft.jit(lambda x: x * 2.0 + 1.0)     # written nowhere: the directory refuses
            print(bool(np.array_equal(f(np.array([0.0, 1.0, 2.0])), [1.0, 3.0, 5.0])))
        """, directory)
    finally:
        directory.chmod(0o700)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["True"]
    assert proc.stderr.count("CacheWarning") == 1 and proc.stderr.count("is not writable") == 1, proc.stderr


def test_every_damage_kind_of_the_benchmark_has_a_test_here():
    flips = [k for k in KINDS if k.startswith("bit flip")]
    read_only = [k for k in KINDS if k.startswith("read-only")]
    paths = ["cache path is a regular file", "cache path lies below a regular file"]
    assert sorted(ENTRY_KINDS + flips + read_only + paths) == sorted(KINDS) and len(KINDS) == 27


@pytest.mark.parametrize("problem", ["world-writable", "group-writable", "another user's"])
def test_a_cache_directory_others_may_write_warns_once_and_jit_computes_in_a_private_one(
        problem, tmp_path, capsys, monkeypatch):
    configured = tmp_path / "shared"
    configured.mkdir()
    if problem == "another user's":
        monkeypatch.setattr(os, "geteuid", lambda: configured.stat().st_uid + 1)
    else:
        configured.chmod(0o777 if problem == "world-writable" else 0o770)
    monkeypatch.setenv("FUNCTRANS_CACHE_DIR", str(configured))
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "0")
    reason = {"world-writable": "writable by every user", "group-writable": "writable by its group",
              "another user's": "owned by another user"}[problem]
    with pytest.warns(cache.CacheWarning, match=reason) as caught:
        used = cache.cache_dir()
    assert len(caught) == 1 and used != configured and used.stat().st_mode & 0o777 == 0o700
    c = 1.0 + len(problem) / 64      # a new program: its kernel must be written somewhere
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no second warning
        np.testing.assert_array_equal(ft.jit(lambda x: x * c + 3.0)(X), X * c + 3.0)
    assert list(configured.iterdir()) == []


def test_a_new_cache_directory_and_its_missing_parents_are_made_0700_whatever_the_umask(tmp_path, monkeypatch):
    configured = tmp_path / "a" / "b" / "cache"
    monkeypatch.setenv("FUNCTRANS_CACHE_DIR", str(configured))
    old = os.umask(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert cache.cache_dir() == configured
    finally:
        os.umask(old)
    for path in (tmp_path / "a", tmp_path / "a" / "b", configured):
        assert path.stat().st_mode & 0o777 == 0o700, path
