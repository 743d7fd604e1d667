"""Shared test set-up: compiled kernels go to a fresh cache directory per
session, so that tests neither read nor pollute the user's cache."""
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))   # tests import op_table

_CACHE_DIR = tempfile.mkdtemp(prefix="functrans-test-cache-")
os.environ["FUNCTRANS_CACHE_DIR"] = _CACHE_DIR


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)
