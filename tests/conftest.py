"""Shared fixtures: settings, a fresh in-memory store with the bundled data, and the skip-or-fail rule.

A test that needs an external component (Java, Virtuoso, Chromium) calls ``require(...)``: on a developer's
machine without it the test is skipped with the reason; in CI (``INSATSGRAF_REQUIRE_ALL=1``) it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from insatsgraf.config import Settings
from insatsgraf.loader import load_bundled
from insatsgraf.store import OxigraphStore

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (CI) when an external component is missing."""
    if condition:
        return
    if os.environ.get("INSATSGRAF_REQUIRE_ALL"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def require_binary(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` is not installed")
    return path or ""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with the store in a temporary directory."""
    return Settings().with_(store=str(tmp_path / "store"))


@pytest.fixture(scope="session")
def bundled_store() -> OxigraphStore:
    """One in-memory store with the bundled data, shared read-only by the whole session."""
    store = OxigraphStore(None, base=Settings().base)
    load_bundled(store, Settings())
    return store


@pytest.fixture
def fresh_store() -> Iterator[OxigraphStore]:
    """A new in-memory store with the bundled data, for tests that write."""
    store = OxigraphStore(None, base=Settings().base)
    load_bundled(store, Settings())
    yield store
