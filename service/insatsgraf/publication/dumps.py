"""Dumps of the published data: which graphs are public, and their serialisation in each format.

Published = every named graph except the history graphs (``{base}id/submission/…``), the harmonisation
decisions and the provenance graphs. The two flags add them back for internal use.
"""

from __future__ import annotations

import gzip

from rdflib import Dataset, Graph, URIRef

from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.rdf import new_graph
from insatsgraf.sparql import media
from insatsgraf.sparql.store import Store

FORMATS: dict[str, media.Format] = {media.FORMATS[m].ext or "": media.FORMATS[m] for m in media.DUMP_TYPES}
"""Dump formats by file extension (``ttl``, ``nt``, ``jsonld``, ``trig``): rows of the one media-type table."""

DESCRIPTIONS = ("dcat", "void")
EXPORT_FORMATS = (*FORMATS, *DESCRIPTIONS)
DUMP_NAME = "insatsgraf"


def unknown_format(fmt: str) -> UserError:
    choices = ", ".join(EXPORT_FORMATS)
    return UserError(
        f"unknown export format {fmt!r}; choose one of {choices}",
        f"okänt exportformat {fmt!r}; välj ett av {choices}",
        code="bad-format",
    )


def is_internal_graph(name: str, base: str) -> bool:
    """Decisions and provenance: who decided and who sent what, kept out of the public dump by default."""
    return name == iris.graph("decisions", base) or name.startswith(iris.graph("provenance/", base))


def published_graph_names(
    store: Store, *, include_history: bool = False, include_internal: bool = False
) -> list[str]:
    """The named graphs a dump holds, sorted."""
    names = []
    for name in store.graph_names():
        if iris.is_personal_graph(name, store.base):
            continue  # the people's names: ``store.graph`` of their provenance or decisions graph holds them
        if iris.is_history_graph(name, store.base) and not include_history:
            continue
        if is_internal_graph(name, store.base) and not include_internal:
            continue
        names.append(name)
    return names


def build_dataset(store: Store, *, include_history: bool = False, include_internal: bool = False) -> Dataset:
    """The published graphs as an rdflib Dataset, each in its named graph."""
    dataset = Dataset()
    for prefix, ns in new_graph(store.base).namespaces():
        dataset.bind(prefix, ns, override=True)
    for name in published_graph_names(
        store, include_history=include_history, include_internal=include_internal
    ):
        target = dataset.graph(URIRef(name))
        for triple in store.graph(name):
            target.add(triple)
    return dataset


def union_graph(dataset: Dataset, base: str) -> Graph:
    """Every graph's triples in one graph (duplicates across graphs collapse)."""
    graph = new_graph(base)
    for quad in dataset.quads((None, None, None, None)):
        graph.add(quad[:3])
    return graph


def serialise(
    store: Store,
    fmt: str,
    *,
    include_history: bool = False,
    include_internal: bool = False,
) -> bytes:
    """The dump in ``fmt`` (``ttl``, ``nt``, ``jsonld``, ``trig``) as bytes (``dcat.description_turtle`` writes the
    dataset's descriptions, ``dcat`` and ``void``)."""
    if fmt not in FORMATS:
        raise unknown_format(fmt)
    spec = FORMATS[fmt]
    dataset = build_dataset(store, include_history=include_history, include_internal=include_internal)
    if spec.quads:
        return dataset.serialize(format=spec.rdflib or "trig", encoding="utf-8")
    graph = union_graph(dataset, store.base)
    if fmt == "nt":  # sorted lines: two dumps of the same data are byte-equal
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(line for line in lines if line)) + "\n").encode("utf-8")
    return serialise_graph(graph, spec)


def serialise_graph(graph: Graph, fmt: media.Format) -> bytes:
    """rdflib serialisation; JSON-LD gets the graph's prefixes as its ``@context``, so it reads as compact
    JSON (``"ig:offeredBy"``) instead of full IRIs everywhere."""
    if fmt.rdflib is None:
        raise ValueError(f"{fmt.label} is not an RDF format")
    if fmt.rdflib != "json-ld":
        return graph.serialize(format=fmt.rdflib, encoding="utf-8")
    context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
    return graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")


def gzip_dump(data: bytes) -> bytes:
    """Gzip with a fixed timestamp, so the same data gives the same bytes (and the same ETag)."""
    return gzip.compress(data, compresslevel=6, mtime=0)
