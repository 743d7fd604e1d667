"""The on-disk kernel cache: one file per kernel, verified before use.

    <cache dir>/<digest>.kernel

    functrans-kernel <FORMAT> <sha256 of everything after this line>\\n
    {"digest", "numba", "python", "signature", "target", "source": n, "payload": m}\\n
    <n bytes: the kernel's Python source><m bytes: numba's reduced CompileResult>

`digest` is the sha256 of the source and of everything else that changes
the machine code (this format, Python's and numba's versions, the
vector-math variants in use, the backend's own code). An entry is used only
after `Entry.read` has checked, in memory and before anything is executed
or unpickled, that it is a regular file of ours that no one else may write,
that its checksum matches, and that its source hashes to its name; the
caller then checks the CPU target and the signature. Anything else
(missing, cut, flipped, planted, another kernel's) is `Rejected` and built
again. Entries are written to a temporary file and renamed into place, so
a reader sees a whole entry or none, and concurrent builders of one entry
(the compile worker, a process compiling for itself) are safe.

The directory (`cache_dir`) is created 0700 and refused, with one warning
and a private temporary directory instead, when it is not a writable
directory of this user that no one else may write. Whoever can write the
cache can run code as its user, as with `__pycache__`; these checks keep
other users out. This module never imports numba.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import libmvec

try:
    import fcntl
except ImportError:       # not POSIX: no lock, builders may duplicate work (never corrupt an entry)
    fcntl = None

SUFFIX = ".kernel"
FORMAT = 2
MAGIC = b"functrans-kernel"
MAX_ENTRY_BYTES = 256 << 20      # larger files are not read into memory: no kernel is this big
BUILD_LOCK_SECONDS = 600.0       # a builder holding the lock longer is presumed stuck: build anyway
_NO_LINKS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)     # a planted symlink is refused


class CacheWarning(UserWarning):
    """The configured cache directory cannot be used safely; a private one is used instead."""


class Rejected(Exception):
    """A cache entry that must not be used; the message says why."""


# ----------------------------------------------------------------- the directory

def configured_dir() -> Path:
    """`FUNCTRANS_CACHE_DIR`, else the user cache directory."""
    configured = os.environ.get("FUNCTRANS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "functrans"


_CHECKED = {}            # configured path -> the directory used for it
_CHECK_LOCK = threading.Lock()
_FALLBACK = []


def cache_dir() -> Path:
    """The directory entries live in: the configured one once it has passed
    `directory_problem`, else (warned once) a private temporary directory."""
    configured = configured_dir()
    used = _CHECKED.get(configured)
    if used is None:
        with _CHECK_LOCK:
            used = _CHECKED.get(configured)
            if used is None:
                problem = directory_problem(configured, create=True)
                used = configured if problem is None else _fallback()
                if problem is not None:
                    warnings.warn(f"functrans: the kernel cache {configured} {problem}; this process "
                                  f"uses the private temporary directory {used} instead. Set "
                                  "FUNCTRANS_CACHE_DIR to a directory of your own.", CacheWarning, stacklevel=2)
                _CHECKED[configured] = used
    return used


def directory_problem(path: Path, create: bool = False) -> str | None:
    """Why `path` cannot hold this user's cache (None if it can): not a
    directory, owned by another user, writable by others, or not writable.
    With `create`, missing directories are made, mode 0700."""
    try:
        if create:
            _make_private_dirs(path)
        st = os.stat(path)
    except OSError as e:
        return f"cannot be created or read ({e.strerror})"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a directory"
    problem = _not_private(st)
    if problem is not None:
        return problem
    try:
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        return f"is not writable ({e.strerror})"
    return None


def _make_private_dirs(path: Path):
    missing = []
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:      # another process made it meanwhile
            pass


def _not_private(st) -> str | None:
    """Why a file or directory with this stat is not this user's alone."""
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if euid is not None and st.st_uid != euid:
        return f"is owned by another user (uid {st.st_uid})"
    if st.st_mode & stat.S_IWOTH:
        return "is writable by every user"
    if st.st_mode & stat.S_IWGRP:
        return "is writable by its group"
    return None


def _fallback() -> Path:
    if not _FALLBACK:
        path = Path(tempfile.mkdtemp(prefix="functrans-cache-"))      # mode 0700
        owner = os.getpid()
        # Removed at exit by the process that made it, not by a forked child.
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(path, ignore_errors=True))
        _FALLBACK.append(path)
    return _FALLBACK[0]


# ----------------------------------------------------------------- the key

_VERSIONS = []


def _versions() -> str:
    """Python's, numba's and the backend's versions (numba's read from its
    metadata: importing numba costs 0.2 s). The backend's is a hash of its
    modules' text, since their code lowers every kernel (the fused-loop
    intrinsic, vector math): a changed backend never loads old machine code."""
    if not _VERSIONS:
        backend = hashlib.sha256()
        for path in sorted(Path(__file__).parent.glob("*.py")):
            backend.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _VERSIONS.append(f"format {FORMAT}\npython {sys.implementation.cache_tag} {sys.platform}\n"
                         f"numba {metadata.version('numba')}\nbackend {backend.hexdigest()}\n")
    return _VERSIONS[0]


def numba_version() -> str:
    return metadata.version("numba")


def kernel_digest(source: str) -> str:
    """The content address of the kernel that `source` compiles to in this process."""
    return hashlib.sha256(f"{_versions()}{libmvec.CACHE_TAG}\n{source}".encode()).hexdigest()


# ----------------------------------------------------------------- entries

@dataclass(frozen=True)
class Contents:
    """A verified entry: the kernel's source, which numba signature and CPU
    target its machine code is for, and numba's reduced CompileResult."""
    source: str
    signature: str
    target: tuple
    payload: bytes


class Entry:
    """One kernel's file in the cache."""

    def __init__(self, digest: str, directory: Path | None = None):
        self.digest = digest
        self.directory = Path(directory) if directory is not None else cache_dir()
        self.path = self.directory / f"{digest}{SUFFIX}"

    @property
    def module_name(self) -> str:
        """The name its kernel module is registered under (numba re-imports it by name)."""
        return f"functrans_kernel_{self.digest}"

    def is_complete(self) -> bool:
        """Whether a file is there (cheap: it is verified when read)."""
        return self.path.is_file()

    def read(self) -> Contents:
        """The verified contents; FileNotFoundError if there is no entry,
        `Rejected` if it must not be used."""
        try:
            fd = os.open(self.path, os.O_RDONLY | _NO_LINKS)
        except FileNotFoundError:
            raise
        except OSError as e:
            raise Rejected(f"it cannot be opened ({e.strerror})") from None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise Rejected("it is not a regular file")
            problem = _not_private(st)
            if problem is not None:
                raise Rejected(f"it {problem}")
            if st.st_size > MAX_ENTRY_BYTES:
                raise Rejected(f"it is too large ({st.st_size} bytes)")
            try:
                data = f.read()
            except OSError as e:
                raise Rejected(f"it cannot be read ({e.strerror})") from None
        contents = parse(data, self.digest)
        try:
            os.utime(self.path)      # last use, for least-recently-used eviction
        except OSError:
            pass
        return contents

    @contextlib.contextmanager
    def build_lock(self):
        """Held while this entry is built, so that processes sharing the cache
        compile a kernel once: a second builder waits here, then finds the
        entry (check again after acquiring). The lock is the kernel's
        (flock): a builder that dies releases it. Its file is removed once
        the entry is written, by the holder: whoever locks a new one later
        finds the entry. Without a lock file, or after BUILD_LOCK_SECONDS
        (a stuck builder), it is built anyway."""
        path = self.directory / f".{self.digest}.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | _NO_LINKS, 0o600)
        except OSError:
            fd = None
        locked = False
        try:
            deadline = time.monotonic() + BUILD_LOCK_SECONDS
            while fd is not None and fcntl is not None and not locked:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    locked = True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)
            yield
        finally:
            if locked:
                with contextlib.suppress(OSError):
                    if os.stat(path).st_ino == os.fstat(fd).st_ino:     # still ours, not a later builder's
                        os.unlink(path)
            if fd is not None:
                os.close(fd)

    def write(self, contents: Contents):
        """Replace the entry by `contents`, atomically (OSError if the directory refuses)."""
        source = contents.source.encode()
        header = json.dumps({"digest": self.digest, "numba": numba_version(),
                             "python": sys.implementation.cache_tag, "signature": contents.signature,
                             "target": list(contents.target), "source": len(source),
                             "payload": len(contents.payload)}).encode() + b"\n"
        body = header + source + contents.payload
        data = b"%s %d %s\n" % (MAGIC, FORMAT, hashlib.sha256(body).hexdigest().encode()) + body
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{self.digest[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def part_ranges(data: bytes) -> dict:
    """{"manifest", "index", "source", "payload"}: (start, end) of each part
    of an entry's bytes (the checksum line, the header, the source, numba's
    data); `Rejected` if they cannot be told apart."""
    first = data.find(b"\n") + 1
    second = data.find(b"\n", first) + 1
    if not first or not second:
        raise Rejected("it is cut short")
    try:
        header = json.loads(data[first:second])
        source_end = second + int(header["source"])
        payload_end = source_end + int(header["payload"])
    except (ValueError, TypeError, KeyError):
        raise Rejected("its header is unreadable") from None
    return {"manifest": (0, first), "index": (first, second), "source": (second, source_end),
            "payload": (source_end, payload_end)}


def parse(data: bytes, digest: str) -> Contents:
    """An entry's bytes checked as `Entry.read` describes; `Rejected` if they must not be used."""
    line_end = data.find(b"\n")
    fields = data[:line_end].split(b" ") if line_end > 0 else []
    if len(fields) != 3 or fields[0] != MAGIC:
        raise Rejected("it is not a functrans kernel entry (damaged, or not ours)")
    if fields[1] != b"%d" % FORMAT:
        raise Rejected(f"it has another format ({fields[1].decode(errors='replace')})")
    if hashlib.sha256(data[line_end + 1:]).hexdigest().encode() != fields[2]:
        raise Rejected("its checksum does not match its contents (damaged)")
    parts = part_ranges(data)
    header = json.loads(data[slice(*parts["index"])])
    if parts["payload"][1] != len(data):
        raise Rejected("its parts do not add up to its size")
    if header.get("digest") != digest:
        raise Rejected("it holds another kernel")
    try:
        source = data[slice(*parts["source"])].decode()
    except UnicodeDecodeError:
        raise Rejected("its source is not text") from None
    if kernel_digest(source) != digest:
        raise Rejected("its source does not hash to its name (edited, or built by another version)")
    return Contents(source, str(header.get("signature")), tuple(header.get("target") or ()),
                    data[slice(*parts["payload"])])
