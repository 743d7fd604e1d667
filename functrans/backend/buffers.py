"""The buffers a kernel takes after its inputs (`render.SCRATCH_MIN_BYTES`),
supplied per thread, so that concurrent calls from several threads never
share one (a call cannot re-enter its kernel: its machine code calls no
Python).

Scratch buffers are made on a thread's first call and kept. Output buffers
are recycled: a thread keeps its last `POOL` outputs of each slot and
passes one again only when nothing else references it (its reference count
says the caller dropped it and every view of it: numba's views of an
argument hold a reference to it), else a new one. So outputs stay fresh
arrays owned by the caller, and a loop that drops each result pays no page
faults for the next.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

POOL = 2      # `g = f(x)` in a loop: the previous result is alive during the call
_UNREFERENCED = 3     # the pool's list, the loop variable, getrefcount's argument


def buffer_getter(specs: dict):
    """None for a kernel without buffers, else a function returning this
    thread's buffers for one call, scratch then outputs (`render.buffer_specs`)."""
    scratch_specs, output_specs = specs["scratch"], specs["output"]
    if not scratch_specs and not output_specs:
        return None
    local = threading.local()
    getrefcount, empty = sys.getrefcount, np.empty

    def buffers():
        try:
            scratch, pools = local.scratch, local.pools
        except AttributeError:
            scratch = local.scratch = tuple(empty(shape, dtype) for shape, dtype in scratch_specs)
            pools = local.pools = tuple([] for _ in output_specs)
        if not pools:
            return scratch
        outs = []
        for (shape, dtype), pool in zip(output_specs, pools):
            for b in pool:
                if getrefcount(b) == _UNREFERENCED:
                    break
            else:
                b = empty(shape, dtype)
                if len(pool) == POOL:
                    del pool[0]
                pool.append(b)
            outs.append(b)
        return scratch + tuple(outs)
    return buffers
