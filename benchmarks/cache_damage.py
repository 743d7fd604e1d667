"""Fault injection on the on-disk kernel cache: 27 kinds of damage, each
applied to a copy of a warm cache, then two fresh processes call the jitted
functions whose kernels it holds.

`python -m benchmarks.cache_damage [--tiered] [--only KIND,...]`

Outcomes per kind, from the first process after the damage:
  handled   right values, exit 0, and the damaged bytes were not used
  silent    right values, but the damaged entry was loaded as it was
  wrong     the process returned a wrong value
  exception the process raised
  crash     the process died from a signal
and, from the second process, whether the entry was repaired (loaded from
disk, right values). Every child runs without the capabilities that let
root ignore file modes, so that read-only directories are read-only.

The cache's parts (source, index, payload, manifest) are files of a
directory per kernel in the first layout (kernel.py, numba's .nbi and .nbc,
manifest.json) and byte ranges of one file per kernel in the verified
layout (`functrans.backend.cache`); damage to a part is done to its bytes
either way: truncated at its start or half way through it, overwritten by
random bytes, cut out.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
X = [0.0, 1.0, 2.0]
EXPECTED = {"f": [2 * x + 1 for x in X], "g": [5 * x - 1 for x in X]}
_CHILD = f"""\
import json, numpy as np, functrans as ft
f = ft.jit(lambda x: x * 2.0 + 1.0)
g = ft.jit(lambda x: x * 5.0 - 1.0)
x = np.array({X!r})
print("RESULT " + json.dumps({{"f": f(x).tolist(), "g": g(x).tolist()}}))
"""
PARTS = ("source", "index", "payload", "manifest")


# ------------------------------------------------------------ layouts

def entries(cache: Path) -> dict:
    """{"f": path, "g": path}: the cache entry of each function's kernel."""
    found = {}
    for path in cache.iterdir():
        if path.name.startswith("."):
            continue
        source = _read_part(path, "source")
        name = "f" if b"* 2.0" in source else "g" if b"* 5.0" in source else None
        if name:
            found[name] = path
    return found


def parts(entry: Path) -> dict:
    """role -> (file, start, end)."""
    if entry.is_dir():     # the first layout
        pycache = entry / "__pycache__"
        files = {"source": entry / "kernel.py", "index": next(pycache.glob("*.nbi")),
                 "payload": next(pycache.glob("*.nbc")), "manifest": entry / "manifest.json"}
        return {role: (path, 0, path.stat().st_size) for role, path in files.items()}
    from functrans.backend import cache
    return {role: (entry, start, end) for role, (start, end) in cache.part_ranges(entry.read_bytes()).items()}


def _read_part(entry: Path, role: str) -> bytes:
    path, start, end = parts(entry)[role]
    return path.read_bytes()[start:end]


def reseal(entry: Path):
    """Make the entry's own checksums agree with its (edited) bytes again."""
    if entry.is_dir():
        import hashlib
        manifest = json.loads((entry / "manifest.json").read_text())
        for rel in manifest["files"]:
            manifest["files"][rel] = hashlib.sha256((entry / rel).read_bytes()).hexdigest()
        (entry / "manifest.json").write_text(json.dumps(manifest))
    else:      # the checksum line covers the rest of the file
        import hashlib
        data = entry.read_bytes()
        end = data.index(b"\n")
        magic, version, _ = data[:end].split(b" ")
        rest = data[end + 1:]
        entry.write_bytes(b" ".join([magic, version, hashlib.sha256(rest).hexdigest().encode()]) + b"\n" + rest)


# ------------------------------------------------------------ damage

def _splice(path: Path, start: int, end: int, new: bytes | None):
    """Replace bytes [start, end) by `new`; None truncates the file at `start`."""
    data = path.read_bytes()
    data = data[:start] if new is None else data[:start] + new + data[end:]
    path.write_bytes(data)


def truncate(role, fraction):
    def damage(cache, found):
        path, start, end = parts(found["f"])[role]
        _splice(path, start + int((end - start) * fraction), end, None)
    return damage


def random_bytes(role):
    def damage(cache, found):
        path, start, end = parts(found["f"])[role]
        _splice(path, start, end, random.Random(0).randbytes(end - start))
    return damage


def delete(role):
    def damage(cache, found):
        path, start, end = parts(found["f"])[role]
        if start == 0 and end == path.stat().st_size:
            path.unlink()
        else:
            _splice(path, start, end, b"")
    return damage


def _text_section(data: bytes, base: int) -> tuple[int, int]:
    """The absolute range of the machine code in the first ELF object inside `data`."""
    elf = data.index(b"\x7fELF", base)
    shoff, = struct.unpack_from("<Q", data, elf + 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, elf + 0x3A)
    sections = [struct.unpack_from("<IIQQQQ", data, elf + shoff + i * shentsize) for i in range(shnum)]
    strtab = sections[shstrndx][4]
    for name, _, _, _, offset, size in sections:
        label = data[elf + strtab + name:data.index(b"\0", elf + strtab + name)]
        if label.lstrip(b".").lstrip(b"l").startswith(b"text") and size:   # .text, .ltext (large code model)
            return elf + offset, elf + offset + size
    raise ValueError("no .text section")


def bit_flip(where):
    def damage(cache, found):
        path, start, end = parts(found["f"])["payload"]
        data = bytearray(path.read_bytes())
        lo, hi = _text_section(bytes(data), start)
        at = lo + int((hi - lo - 1) * where)
        data[at] ^= 0x10
        path.write_bytes(bytes(data))
    return damage


def edit_source(resealed):
    def damage(cache, found):
        path, start, end = parts(found["f"])["source"]
        data = path.read_bytes()
        at = data.index(b"* 2.0", start, end)
        path.write_bytes(data[:at] + b"* 3.0" + data[at + 5:])
        if resealed:
            reseal(found["f"])
    return damage


def foreign_payload(cache, found):
    g_path, g_start, g_end = parts(found["g"])["payload"]
    path, start, end = parts(found["f"])["payload"]
    _splice(path, start, end, g_path.read_bytes()[g_start:g_end])


def foreign_entry(cache, found):
    f, g = found["f"], found["g"]
    shutil.rmtree(f) if f.is_dir() else f.unlink()
    shutil.copytree(g, f) if g.is_dir() else shutil.copyfile(g, f)


def read_only(empty):
    def damage(cache, found):
        if empty:
            for path in list(cache.iterdir()):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        for path in sorted(cache.rglob("*"), reverse=True) + [cache]:
            path.chmod(0o500 if path.is_dir() else 0o400)
    return damage


def path_is_file(below):
    def damage(cache, found):
        shutil.rmtree(cache)
        cache.write_text("not a directory\n")
        return cache / "sub" if below else cache
    return damage


KINDS = {
    **{f"truncate {role} to 0": truncate(role, 0.0) for role in PARTS},
    **{f"truncate {role} to half": truncate(role, 0.5) for role in PARTS},
    **{f"random bytes in {role}": random_bytes(role) for role in PARTS},
    **{f"delete {role}": delete(role) for role in PARTS},
    "bit flip at the start of the machine code": bit_flip(0.0),
    "bit flip in the middle of the machine code": bit_flip(0.5),
    "bit flip at the end of the machine code": bit_flip(1.0),
    "same-size edit of the source": edit_source(False),
    "same-size edit of the source with checksums updated": edit_source(True),
    "payload of another kernel": foreign_payload,
    "entry of another kernel under this name": foreign_entry,
    "read-only directory, empty": read_only(True),
    "read-only directory, full": read_only(False),
    "cache path is a regular file": path_is_file(False),
    "cache path lies below a regular file": path_is_file(True),
}


# ------------------------------------------------------------ running

def unprivileged() -> list[str]:
    """A command prefix that drops root's power to ignore file modes, if we
    are root; RuntimeError where that cannot be done."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root without setpriv(1): a read-only directory would not be read-only")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner"]


def run_child(cache: Path, tiered: bool) -> dict:
    env = {**os.environ, "FUNCTRANS_CACHE_DIR": str(cache), "FUNCTRANS_LOG_COMPILES": "1",
           "FUNCTRANS_JIT_TIERED": "1" if tiered else "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(unprivileged() + [sys.executable, "-c", _CHILD], env=env, capture_output=True,
                          text=True, timeout=300, cwd=tempfile.gettempdir())
    results = [line[7:] for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    values = json.loads(results[0]) if results else None
    log = proc.stderr
    if proc.returncode < 0:
        outcome = f"crash (signal {-proc.returncode})"
    elif proc.returncode != 0 or values is None:
        last = [line for line in log.splitlines() if line.strip()][-1:] or ["?"]
        outcome = f"exception ({last[0].strip()[:100]})"
    elif values != EXPECTED:
        outcome = "wrong"
    else:
        outcome = "ok"
    return {"outcome": outcome, "loaded": log.count("loaded from disk"), "log": log}


def probe(kind: str, pristine: Path, tiered: bool) -> dict:
    work = Path(tempfile.mkdtemp(prefix="functrans-damage-"))
    try:
        cache = work / "cache"
        shutil.copytree(pristine, cache)
        found = entries(cache)
        target = KINDS[kind](cache, found) or cache
        first = run_child(target, tiered)
        second = run_child(target, tiered)
        outcome = first["outcome"]
        if outcome == "ok":
            # The first layout reports every kernel it loaded; the payload damage kinds
            # that numba loads anyway run the damaged machine code.
            touched_f = not kind.startswith(("read-only", "cache path"))
            outcome = "silent" if touched_f and first["loaded"] == 2 and _uses_payload(kind) else "handled"
        repaired = second["outcome"] == "ok" and second["loaded"] == 2
        return {"kind": kind, "outcome": outcome, "repaired": repaired, "log": first["log"]}
    finally:
        for path in [work, *work.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o700)
        shutil.rmtree(work, ignore_errors=True)


def _uses_payload(kind: str) -> bool:
    return "payload" in kind or "bit flip" in kind or "entry of another" in kind


def warm_cache(tiered: bool) -> Path:
    pristine = Path(tempfile.mkdtemp(prefix="functrans-pristine-"))
    result = run_child(pristine, tiered)
    if result["outcome"] != "ok":
        sys.exit("the undamaged run failed:\n" + result["log"])
    if len(entries(pristine)) != 2:
        sys.exit(f"expected two cache entries in {pristine}, found {sorted(os.listdir(pristine))}")
    return pristine


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiered", action="store_true", help="children run jit tiered (default: untiered)")
    parser.add_argument("--only", help="comma-separated kinds")
    parser.add_argument("--verbose", action="store_true", help="print each failing child's log")
    args = parser.parse_args(argv)
    kinds = args.only.split(",") if args.only else list(KINDS)
    try:
        unprivileged()
    except RuntimeError as e:
        sys.exit(str(e))
    pristine = warm_cache(args.tiered)
    counts = {}
    try:
        for kind in kinds:
            result = probe(kind, pristine, args.tiered)
            counts[result["outcome"].split(" ")[0]] = counts.get(result["outcome"].split(" ")[0], 0) + 1
            print(f"| {kind} | {result['outcome']} | {'yes' if result['repaired'] else 'no'} |", flush=True)
            if args.verbose and result["outcome"] != "handled":
                print(result["log"][-3000:])
    finally:
        shutil.rmtree(pristine, ignore_errors=True)
    print(f"\n{len(kinds)} kinds: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
