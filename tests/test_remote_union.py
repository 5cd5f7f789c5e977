"""A remote store's default graph is its materialised union graph, kept equal to the union of its current graphs.

Runs on the Oxigraph server and Virtuoso, in every write mode each supports, against an rdflib union of the
graphs written (the oracle). See ``SparqlStore`` and docs/design.md, "Remote stores".
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.remote import SparqlStore
from insatsgraf.sparql.store import StoreError
from tests import servers

BASE = Settings().base
EX = Namespace(f"{BASE}id/test/")
IG = Namespace("https://w3id.org/insatsgraf/def#")
A = iris.current_graph("0580", BASE)
B = iris.graph("catalogue", BASE)
HISTORY = iris.submission("0580", "2021-06-01", BASE)
UNION = iris.union_graph(BASE)
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

# (server fixture, write mode): every mode on the Oxigraph server, Virtuoso's default and direct.
MODES = [
    ("oxigraph_server", "update"),
    ("oxigraph_server", "staged"),
    ("oxigraph_server", "direct"),
    ("virtuoso_server", "staged"),
    ("virtuoso_server", "direct"),
]


def triples(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.add((EX[name], IG.localName, Literal(name)))
    return graph


def open_store(server: servers.RunningServer, writes: str | None = None) -> SparqlStore:
    """A store on the server in the given write mode, emptied (union graph included)."""
    spec = server.spec
    if writes:
        options = [f"writes={writes}"]
        if server.name == "oxigraph":
            options.append(f"store={server.query_url.rsplit('/', 1)[0]}/store")
        spec += ("&" if "#" in spec else "#") + "&".join(options)
    store = SparqlStore.from_spec(spec, base=BASE)
    servers.clear(store)
    store._update(f"DROP SILENT GRAPH <{UNION}>")  # a test may have left one behind; each starts without
    return store


def count(store: SparqlStore, *, include_history: bool = False) -> int:
    return int(store.query(COUNT, include_history=include_history).rows[0]["n"]["value"])


def union_graph(store: SparqlStore) -> Graph:
    """What the union graph must hold: the union of the store's current graphs (the rdflib oracle)."""
    out = Graph()
    for name in store.graph_names():
        if not iris.is_history_graph(name, BASE):
            for triple in store.graph(name):
                out.add(triple)
    return out


@pytest.mark.remote
@pytest.mark.parametrize(("server_fixture", "writes"), MODES)
def test_the_default_graph_is_the_union_of_the_current_graphs(
    request: pytest.FixtureRequest, server_fixture: str, writes: str
) -> None:
    store = open_store(request.getfixturevalue(server_fixture), writes)
    shared = (EX.shared, IG.localName, Literal("shared"))
    store.replace_graphs({A: triples("a", "shared"), B: triples("b", "shared"), HISTORY: triples("old")})
    assert store.graph_names() == sorted([A, B, HISTORY])  # the union graph is not one of the data graphs
    assert count(store) == 3  # a, b, and the triple in both graphs once
    assert count(store, include_history=True) == 4
    ask_old = f'ASK {{ ?s <{IG.localName}> "old" }}'
    assert store.query(ask_old).boolean is False
    assert store.query(ask_old, include_history=True).boolean is True
    assert isomorphic(store.graph(UNION), union_graph(store))
    assert UNION.encode() not in store.dump_nquads() and len(store) == 5

    store.replace_graphs({A: triples("a2")})  # B still holds the shared triple: it stays
    assert shared in store.graph(UNION) and (EX.a, IG.localName, Literal("a")) not in store.graph(UNION)
    assert count(store) == 3 and isomorphic(store.graph(UNION), union_graph(store))

    store.replace_graphs({B: None, HISTORY: None})
    assert count(store) == 1 and isomorphic(store.graph(UNION), triples("a2"))
    store.replace_graphs({A: None})
    assert count(store) == 0 and len(store.graph(UNION)) == 0 and store.graph_names() == []


@pytest.mark.remote
@pytest.mark.parametrize("server_fixture", ["oxigraph_server", "virtuoso_server"])
def test_graph_patterns_do_not_see_the_union_on_the_oxigraph_server(
    request: pytest.FixtureRequest, server_fixture: str
) -> None:
    """Virtuoso's GRAPH ?g ranges over every graph of the server, the union graph too (no named-graph list)."""
    server = request.getfixturevalue(server_fixture)
    store = open_store(server)
    store.replace_graphs({A: triples("a"), HISTORY: triples("old")})
    graphs = {
        row["g"]["value"] for row in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    }
    assert {A, HISTORY} <= graphs
    assert (UNION in graphs) is (server.name == "virtuoso")


@pytest.mark.remote
@pytest.mark.parametrize("server_fixture", ["oxigraph_server", "virtuoso_server"])
def test_a_store_loaded_without_the_union_graph_gets_it_when_opened(
    request: pytest.FixtureRequest, server_fixture: str
) -> None:
    server = request.getfixturevalue(server_fixture)
    store = open_store(server)
    # Written by another tool (or an older insatsgraf): named graphs, no union graph.
    data = f'<{EX.a}> <{IG.localName}> "a" . <{EX.s}> <{IG.localName}> "shared" .'
    store._update(
        f'INSERT DATA {{ GRAPH <{A}> {{ {data} }} GRAPH <{B}> {{ <{EX.s}> <{IG.localName}> "shared" . }}'
        f' GRAPH <{HISTORY}> {{ <{EX.old}> <{IG.localName}> "old" . }} }}'
    )
    assert len(store.graph(UNION)) == 0
    reopened = SparqlStore.from_spec(server.spec, base=BASE)
    assert count(reopened) == 2
    assert isomorphic(reopened.graph(UNION), union_graph(reopened))
    reopened.replace_graphs({A: None})  # maintained from then on
    assert isomorphic(reopened.graph(UNION), reopened.graph(B))


@pytest.mark.remote
@pytest.mark.parametrize("server_fixture", ["oxigraph_server", "virtuoso_server"])
def test_the_union_graph_cannot_be_written(request: pytest.FixtureRequest, server_fixture: str) -> None:
    store = open_store(request.getfixturevalue(server_fixture))
    store.replace_graphs({A: triples("a")})
    before = store.dump_nquads()
    with pytest.raises(StoreError, match="derived"):
        store.replace_graphs({A: triples("x"), URIRef(UNION): triples("y")})
    assert store.dump_nquads() == before and isomorphic(store.graph(UNION), triples("a"))


@pytest.mark.remote
def test_a_failed_put_in_direct_mode_keeps_the_union(oxigraph_server: servers.RunningServer) -> None:
    """writes=direct is not atomic across graphs, but a graph whose PUT fails keeps its triples in the union."""
    store = open_store(oxigraph_server, "direct")
    store.replace_graphs({A: triples("a")})
    broken = SparqlStore.from_spec(
        f"{oxigraph_server.spec}&writes=direct&store={oxigraph_server.query_url.rsplit('/', 1)[0]}/nowhere",
        base=BASE,
    )
    with pytest.raises(StoreError, match="nothing was changed"):
        broken.replace_graphs({A: triples("x")})
    assert isomorphic(store.graph(A), triples("a")) and isomorphic(store.graph(UNION), triples("a"))
    assert count(store) == 1


@pytest.mark.remote
def test_a_union_graph_that_cannot_be_built_is_a_clear_error(oxigraph_server: servers.RunningServer) -> None:
    store = open_store(oxigraph_server)
    store.replace_graphs({A: triples("a")})
    store._update(f"DROP SILENT GRAPH <{UNION}>")
    no_updates = SparqlStore.from_spec(
        f"sparql+{oxigraph_server.query_url}#update={oxigraph_server.query_url.rsplit('/', 1)[0]}/nowhere",
        base=BASE,
    )
    with pytest.raises(StoreError, match="no union graph") as raised:
        no_updates.query(COUNT)
    assert "#update=URL" in str(raised.value)
    assert (
        count(SparqlStore.from_spec(oxigraph_server.spec, base=BASE)) == 1
    )  # a store that may update builds it
