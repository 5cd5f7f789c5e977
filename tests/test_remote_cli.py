"""``insatsgraf load --store sparql+http://…`` fills a real SPARQL server with the bundled data."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.remote import SparqlStore
from insatsgraf.submission.bundled import load_bundled
from tests import servers


def without_bnode_labels(nquads: bytes) -> list[str]:
    lines = (line for line in nquads.decode().splitlines() if line)
    return sorted(re.sub(r"_:[A-Za-z0-9_.-]*[A-Za-z0-9_-]", "_:b", line) for line in lines)


@pytest.mark.remote
@pytest.mark.parametrize("server_fixture", ["oxigraph_server", "virtuoso_server"])
def test_load_into_a_sparql_server(request: pytest.FixtureRequest, server_fixture: str) -> None:
    server: servers.RunningServer = request.getfixturevalue(server_fixture)
    remote = SparqlStore.from_spec(server.spec)
    servers.clear(remote)
    result = CliRunner().invoke(app, ["load", "--store", server.spec])
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output
    embedded = OxigraphStore(None)
    load_bundled(embedded, Settings())
    assert remote.graph_names() == embedded.graph_names()
    assert without_bnode_labels(remote.dump_nquads()) == without_bnode_labels(embedded.dump_nquads())
    again = CliRunner().invoke(app, ["load", "--store", server.spec])  # a reload replaces, never doubles
    assert again.exit_code == 0, again.output
    assert without_bnode_labels(remote.dump_nquads()) == without_bnode_labels(embedded.dump_nquads())


def test_load_into_an_unreachable_server_says_so() -> None:
    spec = f"sparql+http://127.0.0.1:{servers.free_port()}/sparql"
    result = CliRunner().invoke(app, ["load", "--store", spec])
    assert result.exit_code == 2  # a message, not a traceback
    assert "cannot reach the SPARQL endpoint" in result.output
