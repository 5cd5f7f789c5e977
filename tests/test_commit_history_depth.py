"""Commits at history depth (issue 16, item 2): the embedded store writes only what changed and never checks
history copies, and its union (the default graph) stays exactly the union of the current graphs through 20
submissions of the same organisation, with triples another current graph shares leaving and coming back."""

from __future__ import annotations

from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib import Graph

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql import commit
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.lists import commit as commit_list
from insatsgraf.submission.lists import prepare

LINKOPING = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
SHARED = iris.graph("shared-test")
"""Another current graph holding some of the list's triples (as the catalogue or a neighbour might)."""


def as_set(quads: object) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in quads}  # type: ignore[attr-defined]


def union_from_scratch(store: OxigraphStore) -> set[tuple[str, str, str]]:
    """The union as its definition says: every triple of every current named graph."""
    union = store._union
    return as_set(
        q
        for q in store.quads()
        if isinstance(q.graph_name, ox.NamedNode) and union.is_current(q.graph_name.value)
    )


def test_union_stays_exact_through_20_submissions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings().with_(store=str(tmp_path / "store"))
    store = OxigraphStore(tmp_path / "store", base=settings.base)
    load_bundled(store, settings)
    text = LINKOPING.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    short = "".join(lines[: len(lines) - 3])  # three offerings fewer: their triples leave the list
    full = prepare(store, settings, text.encode(), LINKOPING.name, "0580")
    fewer = prepare(store, settings, short.encode(), LINKOPING.name, "0580")
    current = iris.current_graph("0580", settings.base)

    commit_list(store, full, settings, now=datetime(2024, 1, 1, tzinfo=UTC))
    listed = store.graph(current)
    shared = Graph()
    for triple in list(listed)[:: max(1, len(listed) // 40)]:
        shared.add(triple)
    leaving = set(listed) - set(mapped_short(store, settings, fewer))
    for triple in list(leaving)[:5]:  # some shared triples are among those the short list drops
        shared.add(triple)
    store.replace_graphs({SHARED: shared})
    assert union_from_scratch(store) == as_set(store.quads(ox.DefaultGraph()))

    for depth in range(2, 21):
        prepared = fewer if depth % 2 == 0 else full
        day = f"2024-{1 + depth // 28:02d}-{1 + depth % 28:02d}"
        prepared.day = day
        commit_list(store, prepared, settings, now=datetime(2024, 2, 1, tzinfo=UTC))
        union = as_set(store.quads(ox.DefaultGraph()))
        assert union == union_from_scratch(store), f"union wrong after submission {depth}"
        assert as_set(ox.Quad(s, p, o) for s, p, o in _ox(shared)) <= union  # shared triples never leave
    history = [g for g in store.graph_names() if g.startswith(iris.submission("0580", "", settings.base))]
    assert len(history) >= 20
    after_short = len(store.graph(current))
    assert 0 < after_short < len(listed)  # the last (20th) submission is the short list


def mapped_short(store: OxigraphStore, settings: Settings, fewer) -> Graph:  # type: ignore[no-untyped-def]
    """The current graph the short list would write (a scratch copy of its submission graph)."""
    from insatsgraf.harmonisation import mapping

    return mapping.move_statements(fewer.graph, settings.base)


def _ox(graph: Graph) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]:
    from insatsgraf.sparql.terms import to_ox

    return [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph]  # type: ignore[misc]


def test_a_resubmission_writes_only_the_difference(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same list again: the current graph's update lists no triple of it, and no triple leaves the union."""
    settings = Settings().with_(store="memory:")
    store = OxigraphStore(None, base=settings.base)
    load_bundled(store, settings)
    data = LINKOPING.read_bytes()
    first = prepare(store, settings, data, LINKOPING.name, "0580")
    commit_list(store, first, settings)
    current = iris.current_graph("0580", settings.base)
    same = store.graph(current)
    planned = commit.plan(store._store, {current: same}, store._union)
    assert not planned.removed[current] and not planned.added[current] and not planned.union_removed
    assert planned.update() == ""
    smaller = Graph()
    for triple in list(same)[10:]:
        smaller.add(triple)
    planned = commit.plan(store._store, {current: smaller}, store._union)
    assert len(planned.removed[current]) == 10 and not planned.added[current]
    store.replace_graphs({current: smaller})
    assert len(store.graph(current)) == len(smaller)
    assert union_from_scratch(store) == as_set(store.quads(ox.DefaultGraph()))
