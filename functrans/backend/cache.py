"""The on-disk kernel cache: one directory per kernel, usable once its
manifest exists.

    <cache dir>/<digest>/kernel.py             the rendered source, never rewritten
    <cache dir>/<digest>/__pycache__/*.nbi|nbc numba's index and machine code for it
    <cache dir>/<digest>/manifest.json         written last: every file above with its sha256

`digest` is the sha256 of the source and of everything else that changes
the machine code (the vector-math variants in use, numba's version). An
entry without a manifest is incomplete (being built, or its builder died)
and is built again; the build finds numba's files if they were written.
Every file is written to a temporary name and then linked or renamed into
place, so a reader never sees half a file and concurrent builders of one
entry (the compile worker and a process compiling for itself) are safe.
This module never imports numba: the caller looks entries up before any
kernel is built or loaded.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from . import libmvec

SOURCE, MANIFEST, NUMBA_FILES = "kernel.py", "manifest.json", "__pycache__"
FORMAT = 1


def cache_dir() -> Path:
    """`FUNCTRANS_CACHE_DIR`, else the user cache directory."""
    configured = os.environ.get("FUNCTRANS_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "functrans"


_NUMBA_VERSION = []


def _numba_version() -> str:
    if not _NUMBA_VERSION:     # read from the installed metadata: importing numba costs 0.2 s
        _NUMBA_VERSION.append(metadata.version("numba"))
    return _NUMBA_VERSION[0]


def kernel_digest(source: str) -> str:
    """The content address of the kernel that `source` compiles to in this process."""
    key = f"{libmvec.CACHE_TAG}\nnumba {_numba_version()}\n{source}"
    return hashlib.sha256(key.encode()).hexdigest()


class Entry:
    """One kernel's directory in the cache."""

    def __init__(self, digest: str, directory: Path | None = None):
        self.digest = digest
        self.path = (directory or cache_dir()) / digest
        self.source_path = self.path / SOURCE
        self.manifest_path = self.path / MANIFEST

    @property
    def module_name(self) -> str:
        """The name its kernel module is imported under (numba's loader finds it by name)."""
        return f"functrans_kernel_{self.digest}"

    def is_complete(self) -> bool:
        return self.manifest_path.exists()

    def write_source(self, source: str):
        """Create the directory and the source file, unless it exists: numba
        keys its cache on the file's modification time, so rewriting it would
        invalidate the machine code other processes wrote."""
        self.path.mkdir(parents=True, exist_ok=True)
        if self.source_path.exists():
            return
        tmp = _write_temp(self.path, source.encode())
        try:
            os.link(tmp, self.source_path)   # atomic, and fails if another builder got there first
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)

    def write_manifest(self):
        """Mark the entry complete: the files it holds and their sha256, written
        last and atomically (rename of a complete temporary file)."""
        files = sorted(p for p in self.path.rglob("*") if p.is_file() and p.name != MANIFEST
                       and not p.name.endswith(".tmp"))
        manifest = {"format": FORMAT, "digest": self.digest, "numba": _numba_version(),
                    "files": {str(p.relative_to(self.path)): hashlib.sha256(p.read_bytes()).hexdigest()
                              for p in files}}
        tmp = _write_temp(self.path, json.dumps(manifest, indent=1).encode())
        os.replace(tmp, self.manifest_path)


def _write_temp(directory: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return tmp
