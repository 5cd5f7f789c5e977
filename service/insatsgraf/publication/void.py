"""VoID's numbers counted by the engine: aggregate queries over exactly the graphs the dump publishes.

The dump's triples are the union of the published graphs (``dumps.published_graph_names``), a triple in two
graphs once. Counting that set with ``SELECT DISTINCT ?s ?p ?o`` over the graphs holds every triple in a hash
table (8 s and 400 MB nationally). But the store already keeps the union of its current graphs deduplicated
(its default graph; the union graph of a remote store), and the published graphs are exactly the current ones
less the internal ones (provenance, decisions): so triples, subjects, entities and class partitions are the
union's less what only the internal graphs hold (a few thousand triples, checked against the published
graphs). Properties and objects are counted over the published graphs themselves (a ``VALUES`` list of graphs,
which every store takes: embedded, Oxigraph server, Virtuoso). The queries are files
(``catalogue/rq/void-*.rq``); ``voidcache`` runs them once per store version.
"""

from __future__ import annotations

from dataclasses import dataclass

from insatsgraf.catalogue import rq
from insatsgraf.publication.dumps import is_internal_graph, published_graph_names
from insatsgraf.sparql.store import Store


@dataclass(frozen=True)
class VoidCounts:
    """The statistics of the published dump, as VoID states them."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    properties: int
    class_partitions: tuple[tuple[str, int], ...]
    """(class IRI, entities typed with it), sorted by class."""

    @property
    def classes(self) -> int:
        return len(self.class_partitions)


def _row(store: Store, text: str) -> dict[str, int]:
    """The one row of an aggregate query as numbers (an empty group's SUM is unbound: 0)."""
    rows = store.query(text).table()
    return {k: int(v) for k, v in rows[0].items()} if rows else {}


def _by_class(store: Store, text: str) -> dict[str, int]:
    return {
        row["class"]["value"]: int(row["entities"]["value"])
        for row in store.query(text).rows
        if row.get("class", {}).get("type") == "uri" and "entities" in row
    }


def count(store: Store) -> VoidCounts:
    """The published graphs' VoID statistics, from the engine: the store's union's numbers less the internal
    graphs' own (small), and properties and objects over the published graphs (seven aggregate queries)."""
    published = published_graph_names(store)
    if not published:
        return VoidCounts(0, 0, 0, 0, 0, ())
    internal = [n for n in store.graph_names() if is_internal_graph(n, store.base)]

    def inside(text: str) -> str:  # the internal graphs' own numbers (none without internal graphs)
        return rq.values(rq.values(text, "g", internal), "h", published)

    triples = _row(store, rq.read("void-union-triples")).get("triples", 0)
    subjects = _row(store, rq.read("void-union-subjects"))
    classes = _by_class(store, rq.read("void-union-classes"))
    if internal:
        triples -= _row(store, inside(rq.read("void-internal-triples"))).get("triples", 0)
        only = _row(store, inside(rq.read("void-internal-subjects")))
        subjects = {k: v - only.get(k, 0) for k, v in subjects.items()}
        for cls, n in _by_class(store, inside(rq.read("void-internal-classes"))).items():
            classes[cls] = classes.get(cls, 0) - n
    terms = _row(store, rq.values(rq.read("void-properties-objects"), "g", published))
    return VoidCounts(
        triples=triples,
        entities=subjects.get("entities", 0),
        distinct_subjects=subjects.get("subjects", 0),
        distinct_objects=terms.get("objects", 0),
        properties=terms.get("properties", 0),
        class_partitions=tuple(sorted((c, n) for c, n in classes.items() if n > 0)),
    )
