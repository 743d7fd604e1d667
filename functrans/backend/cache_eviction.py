"""The disk cache's size cap: least recently used entries go first, as in ccache.

`config.compilation_cache_max_size` (FUNCTRANS_CACHE_MAX_SIZE: bytes, or
with a K, M or G suffix; default 1G; -1 for none) caps the entries of one
cache directory. A process that writes an entry
adds its size to a running estimate and, when the estimate passes the cap
(or its last look is a minute old, since other processes write too),
lists the directory and removes the entries used longest ago until they
fill at most 90% of the cap; the entry just written is kept. An entry's
modification time is its last use (`Entry.read` touches it). Temporary
files older than an hour (a writer that died) and directories of the
first layout (`<digest>/kernel.py`, never read by this version) go too.
Removing an entry another process is reading is safe: it read the whole
file first, or finds none and builds it again.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path

from ..config import config
from .cache import SUFFIX

KEEP_FRACTION = 0.9
RESCAN_SECONDS = 60.0
STALE_TEMP_SECONDS = 3600.0
_DIGEST = re.compile(r"[0-9a-f]{64}")


def max_size() -> float:
    """The cap in bytes (`config.compilation_cache_max_size`; -1: none)."""
    cap = config.compilation_cache_max_size
    return float("inf") if cap == -1 else cap


_LOCK = threading.Lock()
_ESTIMATES = {}        # directory -> [estimated bytes, time of the last listing]


def written(directory: Path, path: Path):
    """Account for the entry just written at `path`; evict if the cap may be passed."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    cap = max_size()
    with _LOCK:
        estimate = _ESTIMATES.get(directory)
        if estimate is not None:
            estimate[0] += size
        if estimate is not None and estimate[0] <= cap and time.monotonic() - estimate[1] < RESCAN_SECONDS:
            return
        _ESTIMATES[directory] = [evict(directory, cap, keep=path), time.monotonic()]


def evict(directory: Path, cap: int, keep: Path | None = None) -> int:
    """Remove least recently used entries until at most 90% of `cap` is
    used (nothing if the entries fit under `cap`); returns the bytes left."""
    entries, now = [], time.time()
    try:
        listing = list(os.scandir(directory))
    except OSError:
        return 0
    for item in listing:
        try:
            if item.name.endswith(SUFFIX) and _DIGEST.fullmatch(item.name[:-len(SUFFIX)]):
                st = item.stat(follow_symlinks=False)
                entries.append((st.st_mtime, st.st_size, item.path))
            elif item.name.endswith(".tmp") and item.name.startswith("."):
                if now - item.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
                    os.unlink(item.path)
            elif _DIGEST.fullmatch(item.name) and item.is_dir(follow_symlinks=False):
                shutil.rmtree(item.path, ignore_errors=True)      # the first layout's entry
        except OSError:
            continue       # gone meanwhile: another process evicts too
    total = sum(size for _, size, _ in entries)
    if total <= cap:
        return total
    target = cap * KEEP_FRACTION
    for _, size, path in sorted(entries):
        if total <= target:
            break
        if keep is not None and path == str(keep):
            continue
        try:
            os.unlink(path)
            total -= size
        except OSError:
            pass
    return total
