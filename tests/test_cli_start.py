"""A fast start: ``insatsgraf --help`` (and every command's start) imports neither rdflib, pySHACL nor FastAPI.

The commands import the stages that need them inside their bodies (``commands/common.py``); this checks the
modules a fresh interpreter holds after ``--help``, not a time (bench/README.md has the times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from insatsgraf.commands import harmonise as harmonise_command
from insatsgraf.harmonisation import matcher

HEAVY = ("rdflib", "pyshacl", "fastapi", "openpyxl", "rapidfuzz", "uvicorn")

PROBE = """
import json, sys, runpy
sys.argv = ["insatsgraf", *json.loads(sys.argv[1])]
try:
    runpy.run_module("insatsgraf", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "modules": sorted(m.split(".")[0] for m in sys.modules)}))
"""


def modules_after(*args: str) -> tuple[int | str | None, set[str], str]:
    """Run ``insatsgraf ARGS`` in a fresh interpreter: exit code, top-level modules imported, the output."""
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), done.stdout


@pytest.mark.parametrize(
    "args", [("--help",), ("submit", "--help"), ("serve", "--help"), ("harmonise", "--help")]
)
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    code, modules, out = modules_after(*args)
    assert code == 0 and "Usage" in out
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_a_command_that_needs_rdflib_still_gets_it() -> None:
    """The probe sees imports: a command that reads the catalogue does import rdflib (the test can fail)."""
    code, modules, out = modules_after("queries")
    assert code == 0 and "coverage-matrix" in out
    assert "rdflib" in modules


def test_the_help_lists_the_matcher_variant_kinds() -> None:
    """``commands/harmonise.py`` keeps its own copy of the relation names for ``--help``: it must agree."""
    assert harmonise_command.VARIANT_KINDS == matcher.VARIANT_KINDS
