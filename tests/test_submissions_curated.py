"""Curated collections (``submission/curated.py``): current graph, history copy and PROV record in one write."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import curated

BASE = Settings().base
THING = URIRef(f"{BASE}id/test/thing")


def _graph(label: str) -> Graph:
    graph = Graph()
    graph.add((THING, RDFS.label, Literal(label, lang="sv")))
    return graph


def _labels(store: OxigraphStore) -> set[str]:
    rows = store.query(f"SELECT ?l WHERE {{ <{THING}> <{RDFS.label}> ?l }}").rows
    return {row["l"]["value"] for row in rows}


def test_a_second_import_replaces_the_first_and_keeps_it_in_history() -> None:
    store, settings = OxigraphStore(None, base=BASE), Settings()
    coll = curated.Collection.named("statistics", "Öppna jämförelser 2018")
    assert coll.key == "oppna-jamforelser-2018"
    first = curated.commit(
        store, settings, coll, _graph("ett"), filename="a.csv", digest="1", day="2024-01-01", by="Ada"
    )
    second = curated.commit(
        store, settings, coll, _graph("två"), filename="b.csv", digest="2", day="2024-01-01", by="Bo"
    )
    assert second.previous == first.submission
    assert second.submission.endswith("/statistics/oppna-jamforelser-2018/2024-01-01-2")
    assert _labels(store) == {"två"}  # the union sees the current graph only
    assert {str(o) for _s, _p, o in store.graph(first.submission)} == {"ett"}
    rows = curated.history(store, coll, BASE)
    assert [r["file"] for r in rows] == ["a.csv", "b.csv"]
    assert [r["current"] for r in rows] == [False, True]
    assert rows[1]["by"] == "Bo"
    assert curated.keys(store, "statistics", BASE) == ["oppna-jamforelser-2018"]
    # the importer's name is personal data: not in the provenance graph's public part
    public = store.query(
        f"ASK {{ GRAPH <{coll.provenance(BASE)}> {{ ?a <http://xmlns.com/foaf/0.1/name> ?n }} }}"
    )
    assert public.boolean is False
    assert iris.personal_graph(coll.provenance(BASE), BASE) in store.graph_names()


@pytest.mark.parametrize("key", ["", "Stor", "a/b", "x" * 81, "-a"])
def test_a_key_that_cannot_name_a_graph_is_refused(key: str) -> None:
    with pytest.raises(UserError) as err:
        curated.Collection("evidence", key)
    assert err.value.code == "bad-collection-key"


@pytest.mark.parametrize("examples", [False, True])
def test_the_load_progress_counts_every_step(examples: bool) -> None:
    """Regression: ``insatsgraf load --examples`` showed 18/14 once the statistics tables were loaded too."""
    from insatsgraf.submission.bundled import load_bundled, load_steps

    steps: list[str] = []
    settings = Settings()
    load_bundled(OxigraphStore(None, base=BASE), settings, steps.append, examples=examples)
    assert len(steps) == load_steps(settings, examples=examples)
