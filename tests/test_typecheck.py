"""The package passes mypy with the project's settings (which files, which checks and why: pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys

from insatsgraf.config import ROOT


def test_mypy_finds_nothing() -> None:
    # no cache: like ruff's --no-cache, a test run leaves nothing behind and cannot be fooled by a stale one
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", os.devnull],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
