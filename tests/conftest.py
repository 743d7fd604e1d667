"""Shared test set-up: compiled kernels go to a fresh cache directory per
session, so that tests neither read nor pollute the user's cache.

The suite runs jit untiered (FUNCTRANS_JIT_TIERED=0): its jit tests check
kernels, which tiered jit would only reach after a few calls, and a compile
worker would build every test's kernel in the background, doubling CI's
compile work. Tier 0, the tier switch and the worker are tested on purpose
in test_tiers.py (which turns tiering on per test), and every op-table row
runs through both tiers in test_backend.py."""
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))   # tests import op_table

_CACHE_DIR = tempfile.mkdtemp(prefix="functrans-test-cache-")
os.environ["FUNCTRANS_CACHE_DIR"] = _CACHE_DIR
os.environ["FUNCTRANS_JIT_TIERED"] = "0"


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)
