"""The embedded store's default graph is the union of the non-history named graphs, kept so by every write.

Queries run on that one graph instead of a list of ~600 (bench/README.md): these tests check the union
stays exact through replacements, shared triples, blank nodes, bulk loads and stores from before.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from insatsgraf.config import DEFAULT_BASE
from insatsgraf.sparql.embedded import OxigraphStore

B = DEFAULT_BASE
CURRENT = f"{B}graph/current/0580"
CATALOGUE = f"{B}graph/catalogue"
HISTORY = f"{B}id/submission/0580/2021-06-01"
P = URIRef("urn:p")


def graph(*objects: str, subject: str = "urn:s") -> Graph:
    g = Graph()
    for o in objects:
        g.add((URIRef(subject), P, Literal(o)))
    return g


def default_graph(store: OxigraphStore) -> set[tuple[str, str, str]]:
    quads = store.quads(ox.DefaultGraph())
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}


def union_of_named(store: OxigraphStore) -> set[tuple[str, str, str]]:
    quads = store.quads()
    history = f"{B}id/submission/"
    return {
        (str(q.subject), str(q.predicate), str(q.object))
        for q in quads
        if isinstance(q.graph_name, ox.NamedNode) and not q.graph_name.value.startswith(history)
    }


def objects(store: OxigraphStore, *, include_history: bool = False) -> list[str]:
    result = store.query("SELECT ?o WHERE { <urn:s> <urn:p> ?o }", include_history=include_history)
    return sorted(v for v in result.values("o") if v is not None)


def test_union_follows_replacements_and_keeps_shared_triples() -> None:
    store = OxigraphStore(None)
    store.replace_graphs(
        {CURRENT: graph("a", "shared"), CATALOGUE: graph("shared", "c"), HISTORY: graph("old")}
    )
    assert objects(store) == ["a", "c", "shared"], "a triple in two graphs is seen once; history is out"
    assert objects(store, include_history=True) == ["a", "c", "old", "shared"]
    store.replace_graphs({CURRENT: graph("b")})
    assert objects(store) == ["b", "c", "shared"], "shared stays while the catalogue still has it"
    store.replace_graphs({CATALOGUE: None})
    assert objects(store) == ["b"]
    store.replace_graphs({CURRENT: graph("x", "y"), CATALOGUE: graph("y")})
    store.replace_graphs({CURRENT: None, CATALOGUE: None})
    assert objects(store) == [] and default_graph(store) == set()
    assert store.graph_names() == [HISTORY]


def test_blank_nodes_leave_the_union_with_their_graph() -> None:
    store = OxigraphStore(None)
    g = Graph()
    agent = BNode()
    g.add((URIRef("urn:s"), P, agent))
    g.add((agent, URIRef("urn:name"), Literal("Anna")))
    store.replace_graphs({CURRENT: g})
    assert len(default_graph(store)) == 2
    assert default_graph(store) == union_of_named(store)
    store.replace_graphs({CURRENT: graph("plain")})
    assert default_graph(store) == union_of_named(store) == {("<urn:s>", "<urn:p>", '"plain"')}


def test_bulk_load_fills_the_union_without_history() -> None:
    store = OxigraphStore(None)
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    store.bulk_load(
        [
            ox.Quad(s, p, ox.Literal("now"), ox.NamedNode(CURRENT)),
            ox.Quad(s, p, ox.Literal("then"), ox.NamedNode(HISTORY)),
        ]
    )
    assert objects(store) == ["now"]
    assert default_graph(store) == union_of_named(store)


def test_dump_and_count_leave_the_derived_union_out() -> None:
    store = OxigraphStore(None)
    store.replace_graphs({CURRENT: graph("a"), CATALOGUE: graph("a", "b")})
    assert store.dump_nquads().decode().splitlines() == [
        f'<urn:s> <urn:p> "a" <{CATALOGUE}> .',
        f'<urn:s> <urn:p> "a" <{CURRENT}> .',
        f'<urn:s> <urn:p> "b" <{CATALOGUE}> .',
    ]
    assert len(store) == 3


def test_a_store_written_before_the_union_gets_it_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old"
    raw = ox.Store(str(path))
    raw.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("a"), ox.NamedNode(CURRENT)))
    raw.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("h"), ox.NamedNode(HISTORY)))
    raw.flush()
    del raw
    store = OxigraphStore(path)
    assert objects(store) == ["a"]
    store.close()
