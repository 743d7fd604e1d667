"""The compile worker: a process of our own that builds kernels into the
disk cache, so that numba's seconds of compiling never hold the caller's
thread or GIL.

The worker process (`_BOOTSTRAP`) serves length-prefixed pickles on its
stdin/stdout: ("build", id, directory, digest, source, arg avals, disk cap) in,
("ready", pid) once numba is warm, then ("built", id, seconds) or
("failed", id, message) out. It exits as soon as its stdin closes, which
happens when the caller exits, however it exits: no worker outlives its
caller by more than the time to notice, and a kernel still compiling then
is compiled again next time. `WorkerClient` is the caller's side: it starts
the process, sends builds and calls back when each ends; if the process
dies (a crash inside LLVM included) every build in flight is reported
failed, once, and the caller keeps running those functions on tier 0.
"""
from __future__ import annotations

import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..config import config
from .cache import Entry, directory_problem, kernel_digest

_HEADER = struct.Struct("<I")
_PACKAGE = str(Path(__file__).resolve().parent.parent)
# The worker needs the backend, the IR and numba, not the API, the ops or
# the numpy facade: an empty `functrans` package in their place saves
# ~0.2 s of its start (the backend imports nothing above the IR).
_BOOTSTRAP = f"""\
import sys, types
package = types.ModuleType("functrans")
package.__path__ = [{_PACKAGE!r}]
sys.modules["functrans"] = package
from functrans.backend.worker import serve
serve()
"""


def send(stream, message):
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def receive(stream):
    """The next message, or None when the other side has closed the pipe."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    size, = _HEADER.unpack(header)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None


# ----------------------------------------------------------------- the worker

def serve():
    """The worker's main loop: read builds on this thread (so that a closed
    stdin ends the process at once), build them on another."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr     # a print (FUNCTRANS_DUMP) must not corrupt the protocol
    jobs = queue.SimpleQueue()
    threading.Thread(target=_build_loop, args=(jobs, out), daemon=True).start()
    while (message := receive(inp)) is not None:
        jobs.put(message)
    os._exit(0)    # the caller is gone, and so is any reason to finish


def _build_loop(jobs, out):
    from . import compile, loader  # numba loads here: the worker's reason to exist, not its caller's
    compile.prepare_numba()     # before the first build arrives, if it is not here yet
    send(out, ("ready", os.getpid()))
    while True:
        _, job, directory, digest, source, avals, cap = jobs.get()
        config.update("compilation_cache_max_size", cap)
        start = time.perf_counter()
        try:
            if kernel_digest(source) != digest:
                raise RuntimeError("the worker computes another digest for this source: its environment "
                                   "(FUNCTRANS_VECTOR_MATH, numba) differs from the caller's")
            problem = directory_problem(Path(directory))
            if problem is not None:
                raise RuntimeError(f"the cache directory {directory} {problem}")
            entry = Entry(digest, Path(directory))
            loader.ensure_built(entry, source, avals)
            reply = ("built", job, time.perf_counter() - start)
        except Exception as e:   # reported to the caller, which stays on tier 0 for this kernel
            reply = ("failed", job, f"{type(e).__name__}: {e}")
        send(out, reply)


# ----------------------------------------------------------------- the caller's side

class WorkerClient:
    """One compile worker process, started on `start()`; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._proc = None
        self._pending = {}       # build id -> done(seconds or None, error or None)
        self._ids = itertools.count()
        self.dead = None         # why the worker is gone, once it is
        self.ready = threading.Event()

    def start(self) -> bool:
        """Start the process if it is not running; False if it cannot run."""
        with self._lock:
            if self._proc is not None or self.dead is not None:
                return self.dead is None
            verbose = os.environ.get("FUNCTRANS_LOG_COMPILES") == "1"
            try:
                self._proc = subprocess.Popen(
                    [sys.executable, "-c", _BOOTSTRAP], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=None if verbose else subprocess.DEVNULL)
            except OSError as e:
                self.dead = f"the compile worker could not start ({e})"
                return False
        threading.Thread(target=self._read_loop, name="functrans-worker-reader", daemon=True).start()
        return True

    @property
    def pid(self):
        return self._proc.pid if self._proc is not None else None

    def submit(self, directory, digest: str, source: str, avals, done) -> bool:
        """Ask for a build; `done(seconds, None)` or `done(None, why)` is called
        from another thread when it ends. False if there is no worker."""
        if not self.start():
            return False
        with self._lock:
            if self.dead is not None:
                return False
            job = next(self._ids)
            self._pending[job] = done
            try:
                send(self._proc.stdin, ("build", job, str(directory), digest, source, list(avals),
                                        config.compilation_cache_max_size))     # the caller's cap rules
            except OSError:     # it died; the reader reports the builds in flight
                return True
        return True

    def _read_loop(self):
        proc = self._proc
        while (message := receive(proc.stdout)) is not None:
            kind = message[0]
            if kind == "ready":
                self.ready.set()
                continue
            with self._lock:
                done = self._pending.pop(message[1], None)
            if done is not None:
                done(message[2], None) if kind == "built" else done(None, message[2])
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        why = f"the compile worker (pid {proc.pid}) {_describe_exit(code)}"
        with self._lock:
            self.dead, pending, self._pending = why, self._pending, {}
        self.ready.set()
        for done in pending.values():
            done(None, why)

    def close(self):
        """Stop the worker (tests; at exit the closed pipe stops it anyway)."""
        with self._lock:
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


def _describe_exit(code: int) -> str:
    if code < 0:
        return f"was killed by signal {-code}"
    return f"exited with status {code}"
