"""The code passes the project's ruff rules and is formatted (rules and their reasons: pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from insatsgraf.config import ROOT

FOLDERS = ["service", "tests", "bench"]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *FOLDERS], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_finds_nothing() -> None:
    result = ruff("check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted() -> None:
    result = ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
