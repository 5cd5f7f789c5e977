"""Shared fixtures: settings, a fresh in-memory store with the bundled data, and the skip-or-fail rule.

A test that needs an external component (Java, Virtuoso, Chromium) calls ``require(...)``: on a developer's
machine without it the test is skipped with the reason; in CI (``INSATSGRAF_REQUIRE_ALL=1``) it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.remote import SparqlStore
from insatsgraf.sparql.store import Store
from insatsgraf.submission.bundled import load_bundled
from tests import servers

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


@pytest.fixture(scope="session")
def example_store() -> OxigraphStore:
    """The bundled data plus the fictional example municipalities (``insatsgraf load --examples``), read-only."""
    store = OxigraphStore(None, base=Settings().base)
    load_bundled(store, Settings(), examples=True)
    return store


@pytest.fixture
def fresh_store() -> Iterator[OxigraphStore]:
    """A new in-memory store with the bundled data, for tests that write."""
    store = OxigraphStore(None, base=Settings().base)
    load_bundled(store, Settings())
    yield store


@pytest.fixture
def loaded_store_dir(tmp_path: Path) -> str:
    """An on-disk store loaded by the CLI's own ``insatsgraf load``, for command-line tests."""
    from typer.testing import CliRunner

    from insatsgraf.cli import app

    path = str(tmp_path / "store")
    result = CliRunner().invoke(app, ["load", "--store", path])
    assert result.exit_code == 0, result.output
    return path


# -- remote backends (tests/servers.py): one Oxigraph server and one Virtuoso per session -----------

BACKENDS = [
    "embedded",
    pytest.param("oxigraph-server", marks=pytest.mark.remote),
    pytest.param("virtuoso", marks=pytest.mark.remote),
]


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningServer]:
    """A real ``oxigraph serve`` on a free loopback port for the whole session."""
    require(servers.oxigraph_binary() is not None, "the `oxigraph` server is missing (pip install oxigraph)")
    with servers.oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningServer]:
    """A real Virtuoso (Debian's virtuoso-t) on a free loopback port for the whole session."""
    require_binary("virtuoso-t")
    require_binary("isql-vt")
    with servers.virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Callable[..., Store]:
    """A factory ``load(paths, graph=None) -> Store``: empties this backend, loads the Turtle/TriG files.

    TriG keeps its named graphs; Turtle (and TriG's default graph) goes to ``graph`` or to
    ``{base}graph/test/{file stem}``. Remote backends share one server per session, so each call clears it.
    ``load.backend`` names the backend ("embedded", "oxigraph-server", "virtuoso").
    """
    base = Settings().base

    def open_backend() -> Store:
        if request.param == "embedded":
            return OxigraphStore(None, base=base)
        name = "oxigraph_server" if request.param == "oxigraph-server" else "virtuoso_server"
        server = request.getfixturevalue(name)
        store = SparqlStore.from_spec(server.spec, base=base)
        servers.clear(store)
        return store

    def load(paths: Iterable[Path | str], graph: str | None = None) -> Store:
        store = open_backend()
        graphs = servers.fixture_graphs([Path(p) for p in paths], base, graph)
        if graphs:
            store.replace_graphs(graphs)
        return store

    load.backend = request.param  # type: ignore[attr-defined]
    return load
