"""Modules that scripts import first must import on their own, whatever the import order.

Both of these failed with a circular import (settings → auth → throttling → settings, and
throttling → auth → throttling) until auth reached throttling as a module.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["pingan_common.settings", "pingan_common.throttling", "pingan_common.app"]
)
def test_a_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
