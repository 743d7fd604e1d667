"""Tier 1 of `jit`: kernels built off the caller's thread, loaded when ready.

`request(closed, label)` returns a `KernelBuild` at once. One background
thread of ours renders the Jaxpr, looks its digest up in the disk cache and,
on a miss, hands the source to the compile worker process (`worker`), which
compiles it into the cache; this thread then loads the machine code (the
only step that needs numba in the caller's process) and sets
`build.kernel`. The caller switches to it at its next call boundary. Where
no worker can start, this thread compiles in process. A build that fails
(the worker died, or numba refused the kernel) leaves `build.error` set:
the function stays on tier 0, and the failure is logged once.

Invariant: `build.kernel` is assigned once, to a complete `Kernel`, so a
thread that reads it sees either None (tier 0) or a kernel it can call.
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import time

from ..transforms.passes import inline_calls, simplify
from . import cache, compile_module, render
from .worker import WorkerClient

# A worker that dies is replaced for later builds, this many times per process.
MAX_WORKER_STARTS = 3


def log(message: str):
    """One line for FUNCTRANS_LOG_COMPILES=1."""
    if os.environ.get("FUNCTRANS_LOG_COMPILES") == "1":
        print(f"functrans.jit: {message}", file=sys.stderr, flush=True)


class KernelBuild:
    """One Jaxpr's kernel on its way: `kernel` is None until it can be called."""

    def __init__(self, closed, label: str):
        self.closed = closed
        self.label = label
        self.kernel = None
        self.error = None       # why there will be no kernel
        self.requested = time.perf_counter()
        self.ready_at = None
        self._done = threading.Event()

    def finish(self, kernel=None, error=None):
        if kernel is not None:
            self.ready_at = time.perf_counter()
            self.kernel = kernel
        else:
            self.error = error
        self._done.set()

    def wait(self, timeout=None):
        """The kernel, once it exists; None if the build failed (or timed out)."""
        self._done.wait(timeout)
        return self.kernel

    @property
    def done(self) -> bool:
        return self._done.is_set()


class Builder:
    """The background thread and the worker it uses."""

    def __init__(self):
        self._tasks = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread = None
        self._worker = None
        self._worker_starts = 0
        self._logged_death = None
        self.builds = []         # every build requested, for wait_all

    def prestart(self):
        """Start the worker now, so that it is warm when the first build comes."""
        self._current_worker()

    def request(self, closed, label: str) -> KernelBuild:
        return self.resume(KernelBuild(closed, label))

    def resume(self, build: KernelBuild) -> KernelBuild:
        """Build `build` here (a new one, or one a forked parent left unfinished)."""
        with self._lock:
            self.builds.append(build)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="functrans-tier1", daemon=True)
                self._thread.start()
        self._tasks.put((self._prepare, build))
        return build

    def _current_worker(self):
        """The live worker, a new one if the last died (a few times), or None."""
        with self._lock:
            if self._worker is not None and self._worker.dead is None:
                return self._worker
            if self._worker_starts >= MAX_WORKER_STARTS:
                return None
            self._worker_starts += 1
            self._worker = WorkerClient()
            worker = self._worker
        return worker if worker.start() else None

    def _run(self):
        while True:
            step, build, *args = self._tasks.get()
            try:
                step(build, *args)
            except Exception as e:    # e.g. numba fails to import: this build fails, the thread lives on
                self._fail(build, f"{type(e).__name__}: {e}")

    def _prepare(self, build: KernelBuild):
        """Render, then load from disk, hand to the worker, or compile here."""
        try:
            closed = simplify(inline_calls(build.closed))
            source = render.render_jaxpr(closed.jaxpr)
            entry = cache.Entry(cache.kernel_digest(source))
        except Exception as e:    # e.g. a primitive jit cannot lower: tier 0 serves it
            return self._fail(build, f"{type(e).__name__}: {e}")
        if entry.is_complete():
            return self._load(build, closed, entry, source, "found in the disk cache")
        avals = [v.aval for v in closed.jaxpr.constvars + closed.jaxpr.invars]
        worker = self._current_worker()

        def built(seconds, error):
            if error is None:
                how = f"compiled by the worker in {seconds:.2f} s"
                self._tasks.put((self._load, build, closed, entry, source, how))
            else:
                self._tasks.put((self._fail, build, error))
        if worker is None or not worker.submit(entry.directory, entry.digest, source, avals, built):
            return self._load(build, closed, entry, source, "compiled in process (no compile worker)")
        compile_module().prepare_numba()   # while the worker compiles: loading needs it


    def _load(self, build: KernelBuild, closed, entry, source, how: str):
        try:
            compiler = compile_module()
            start = time.perf_counter()
            jaxpr = closed.jaxpr
            arg_avals = [v.aval for v in jaxpr.constvars + jaxpr.invars]
            dispatcher = compiler.KERNELS.get(source, arg_avals)     # verified again as it is read
            consts = compiler.prepare_consts(closed.consts, [v.aval for v in jaxpr.constvars])
            kernel = compiler.Kernel(dispatcher, consts, jaxpr.in_avals, jaxpr.out_avals, source)
        except Exception as e:
            return self._fail(build, f"{type(e).__name__}: {e}")
        build.finish(kernel)
        log(f"kernel of {build.label} ready {build.ready_at - build.requested:.2f} s after its first call "
            f"({how}, loaded in {time.perf_counter() - start:.2f} s)")

    def _fail(self, build: KernelBuild, why: str):
        build.finish(error=why)
        if "compile worker" in why:      # a dead worker is logged once per process, not per build
            if self._logged_death == why:
                return
            self._logged_death = why
        log(f"no kernel for {build.label}, which stays on tier 0 (NumPy): {why}")

    def wait_all(self, timeout=None):
        """Wait for every build requested so far; when the last became ready
        (perf_counter seconds), or None if any failed or none was requested."""
        builds = list(self.builds)
        deadline = None if timeout is None else time.perf_counter() + timeout
        for build in builds:
            build.wait(None if deadline is None else max(0.0, deadline - time.perf_counter()))
        if not builds or any(b.kernel is None for b in builds):
            return None
        return max(b.ready_at for b in builds)

    def worker(self):
        """The current worker client, if one was started (tests kill it)."""
        return self._worker

    def worker_ready(self) -> bool:
        worker = self._worker
        return worker is not None and worker.dead is None and worker.ready.is_set()


BUILDER = Builder()


def _after_fork_in_child():
    # The builder thread and the worker's pipes belong to the parent: builds
    # it left unfinished start again here (a fork pool's workers would stay
    # on tier 0 otherwise), finding in the disk cache what the parent's
    # worker finishes meanwhile.
    global BUILDER
    unfinished = [build for build in BUILDER.builds if not build.done]
    BUILDER = Builder()
    for build in unfinished:
        BUILDER.resume(build)


os.register_at_fork(after_in_child=_after_fork_in_child)


def request(closed, label: str) -> KernelBuild:
    """Start building the kernel of `closed`; see `Builder`."""
    return BUILDER.request(closed, label)


def prestart():
    BUILDER.prestart()


def worker_ready() -> bool:
    """Whether a compile worker has numba set up and is waiting for builds."""
    return BUILDER.worker_ready()


def wait_all(timeout=None):
    """See `Builder.wait_all` (the first-call benchmark uses it)."""
    return BUILDER.wait_all(timeout)
