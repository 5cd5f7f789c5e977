"""The embedded store's union check in a commit (issue 16, item 2): a triple leaving a replaced current graph
keeps its union copy exactly when another current graph, not replaced, holds it; history copies, other
triples about the same subject and the graphs replaced in the same commit do not count. Both ways of
asking (per subject when a graph is rewritten throughout, per triple when a few triples leave) give the
same answer, and a full rewrite leaves the union equal to its definition."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from insatsgraf.config import DEFAULT_BASE
from insatsgraf.model import iris
from insatsgraf.sparql import commit
from insatsgraf.sparql.embedded import OxigraphStore

EX = "https://example.org/"
MINE = iris.current_graph("0999", DEFAULT_BASE)
NEIGHBOUR = iris.current_graph("0998", DEFAULT_BASE)
REGISTER = iris.graph("organisations", DEFAULT_BASE)
HISTORY = iris.submission("0999", "2024-01-01", DEFAULT_BASE)


def triple(s: str, p: str, o: str) -> tuple[URIRef, URIRef, Literal]:
    return URIRef(EX + s), URIRef(EX + p), Literal(o)


def graph(*triples: tuple[URIRef, URIRef, Literal]) -> Graph:
    out = Graph()
    for t in triples:
        out.add(t)
    return out


def line(t: tuple[URIRef, URIRef, Literal]) -> str:
    return f"<{t[0]}> <{t[1]}> {ox.Literal(str(t[2]))}"


def union(store: OxigraphStore) -> set[str]:
    return {f"{q.subject} {q.predicate} {q.object}" for q in store.quads(ox.DefaultGraph())}


def union_from_scratch(store: OxigraphStore) -> set[str]:
    return {
        f"{q.subject} {q.predicate} {q.object}"
        for q in store.quads()
        if isinstance(q.graph_name, ox.NamedNode) and store._union.is_current(q.graph_name.value)
    }


SHARED = triple("offering/a", "name", "A")
"""Held by my list and by the neighbour's: must stay in the union when my list drops it."""
OWN = triple("offering/a", "age", "3")
"""About the same subject, held only by my list (and its history copy): must leave."""
OLD_ONLY = triple("offering/b", "name", "B")
"""Held by my list and its history copy only: must leave (a history copy is no current graph)."""


@pytest.fixture
def store() -> OxigraphStore:
    store = OxigraphStore(None, base=DEFAULT_BASE)
    store.replace_graphs(
        {
            MINE: graph(SHARED, OWN, OLD_ONLY),
            HISTORY: graph(SHARED, OWN, OLD_ONLY),
            NEIGHBOUR: graph(SHARED, triple("offering/z", "name", "Z")),
            REGISTER: graph(triple("offering/a", "kind", "registered")),
        }
    )
    return store


@pytest.mark.parametrize("way", ["per subject", "per triple"])
def test_only_a_current_graph_outside_the_commit_keeps_a_leaving_triple(
    store: OxigraphStore, way: str
) -> None:
    leaving = {line(SHARED), line(OWN), line(OLD_ONLY)}
    # per subject when most of the subjects' old triples leave; per triple when many of them stay
    before = list(leaving) if way == "per subject" else [*leaving, *(f"{line(OWN)}{i}" for i in range(9))]
    held = commit._held_elsewhere(store._store, leaving, {MINE}, store._union, before)
    assert held == {line(SHARED)}
    # the neighbour replaced in the same commit does not count either
    held = commit._held_elsewhere(store._store, leaving, {MINE, NEIGHBOUR}, store._union, before)
    assert held == set()


def test_a_list_rewritten_throughout_keeps_the_union_exact(store: OxigraphStore) -> None:
    renamed = graph(*(triple(f"offering/new{i}", "name", f"N{i}") for i in range(50)))
    store.replace_graphs({MINE: renamed, iris.submission("0999", "2024-02-01", DEFAULT_BASE): renamed})
    now = union(store)
    assert now == union_from_scratch(store)
    assert line(SHARED) in now  # the neighbour still holds it
    assert line(OWN) not in now and line(OLD_ONLY) not in now  # only the history copy holds them
    assert {line(t) for t in renamed} <= now


def test_a_few_leaving_triples_keep_the_union_exact(store: OxigraphStore) -> None:
    store.replace_graphs({MINE: graph(OWN, OLD_ONLY)})  # only the shared triple leaves my list
    assert line(SHARED) in union(store)
    store.replace_graphs({MINE: graph(OWN), NEIGHBOUR: graph(triple("offering/z", "name", "Z"))})
    assert line(SHARED) not in union(store) and line(OLD_ONLY) not in union(store)
    assert union(store) == union_from_scratch(store)
