"""A jit(grad(f)) mapped over chunks of work by the executors people use
(multiprocessing fork and spawn, ProcessPoolExecutor, joblib's loky, Dask's
processes scheduler and a 2-worker dask.distributed LocalCluster) gives the
serial loop's results. The workers share this session's disk cache, where
the test process compiled the kernel first: they load it. The Dask tests
run where dask[distributed] is installed and are skipped, saying so,
elsewhere. Spawned processes are slow to start: few tests, two workers."""
import importlib.util
import multiprocessing
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import picklable as pk
import pytest

import functrans as ft
from functrans.errors import KernelBuildError

SEEDS = range(6)
HAS_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(not HAS_DASK, reason='dask.distributed is not installed (pip install -e ".[dask]")')


@pytest.fixture(autouse=True)
def tiered(monkeypatch):
    """Workers run jit as users do: tiered (the suite runs untiered, conftest)."""
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "1")


@pytest.fixture(scope="module")
def serial():
    """The serial loop's results (and the kernel compiled into the shared cache)."""
    return [pk.fit(seed) for seed in SEEDS]


def check(results, serial):
    """Tier 0 and the kernel agree to jit's tolerance (libm's last bits), not bit for bit."""
    assert len(results) == len(serial)
    for (_, w, _), want in zip(results, serial):
        np.testing.assert_allclose(w, want, rtol=1e-9, atol=1e-12)
    return {pid for pid, _, _ in results}


def test_multiprocessing_fork_pool(serial):
    with multiprocessing.get_context("fork").Pool(2) as pool:
        check(pool.map(pk.fit_in_worker, SEEDS), serial)


def test_workers_wanting_a_new_kernel_at_once_compile_it_once(tmp_path, monkeypatch, capfd):
    # A cold cache of its own and a shape no other test uses: both workers
    # ask for this kernel in the same instant; one compiles, one waits and loads.
    monkeypatch.setenv("FUNCTRANS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "0")
    monkeypatch.setenv("FUNCTRANS_LOG_COMPILES", "1")
    context = multiprocessing.get_context("fork")
    with context.Pool(2, initializer=pk.keep_barrier, initargs=(context.Barrier(2),)) as pool:
        results = pool.starmap(pk.fit_together, [(0, 17), (1, 17)], chunksize=1)
    assert len({pid for pid, _, _ in results}) == 2
    log = capfd.readouterr().err
    compiled = re.findall(r"kernel \w+ compiled in .* \(pid (\d+)\)", log)
    loaded = re.findall(r"kernel \w+ loaded from disk in .* \(pid (\d+)\)", log)
    assert len(compiled) == 1 and len(loaded) == 1 and compiled != loaded, log
    for (_, w, _), seed in zip(results, (0, 1)):
        np.testing.assert_allclose(w, pk.fit(seed, 17), rtol=1e-12)


def _alive(pid) -> bool:
    """Whether `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="checks processes through Linux's /proc")
def test_spawn_pool_workers_run_tiered_with_their_own_compile_worker_and_leave_none_behind(serial):
    # Pool workers are daemonic, which forbids multiprocessing children only:
    # the compile worker is a subprocess, started when the worker unpickles
    # a jitted function, and it exits with its pool worker.
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(pk.fit_in_worker, SEEDS)
    assert len(check(results, serial)) >= 1
    compile_workers = {cw for _, _, cw in results}
    assert None not in compile_workers
    deadline = time.monotonic() + 10
    while any(map(_alive, compile_workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, compile_workers)), "a compile worker outlived its pool"


def test_process_pool_executor_with_spawn(serial):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        check(list(pool.map(pk.fit_in_worker, SEEDS)), serial)


def test_joblib_loky(serial):
    joblib = pytest.importorskip("joblib")
    check(joblib.Parallel(n_jobs=2, backend="loky")(joblib.delayed(pk.fit_in_worker)(s) for s in SEEDS), serial)


def test_a_worker_without_numba_raises_naming_the_function_in_the_worker_and_in_the_callers_traceback():
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=pk.hide_numba) as pool:
        future = pool.submit(pk.fit_with_a_new_function, 0)
        with pytest.raises(KernelBuildError, match=r"kernel of loss for \(f64\[3\], f64\[40,3\], f64\[40\]\) in "
                                                    r"process (\d+) on host .*: numba is not installed here") as e:
            future.result()
    worker_pid = int(re.search(r"in process (\d+)", str(e.value)).group(1))
    assert worker_pid != os.getpid()
    remote = str(e.value.__cause__)          # the worker's own traceback, as the caller sees it
    assert "fit_with_a_new_function" in remote and "KernelBuildError" in remote


@needs_dask
def test_dask_processes_scheduler(serial):
    import dask
    results = dask.compute(*[dask.delayed(pk.fit_in_worker)(s) for s in SEEDS], scheduler="processes", num_workers=2)
    check(list(results), serial)


@needs_dask
def test_dask_distributed_local_cluster_of_two_workers(serial):
    from dask.distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        fitted = client.gather(client.map(ft.jit, [pk.loss]))[0]    # a jitted function travels back, too
        results = client.gather(client.map(pk.fit_in_worker, SEEDS))
    check(results, serial)
    assert np.allclose(fitted(np.zeros(3), *pk.chunk_data(0)), pk.loss(np.zeros(3), *pk.chunk_data(0)))
