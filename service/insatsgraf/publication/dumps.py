"""Dumps of the published data: which graphs are public, and their serialisation in each format.

Published = every named graph except the history graphs (``{base}id/submission/…``), the harmonisation
decisions and the provenance graphs. The two flags add them back for internal use. The personal graphs
(people's names) are never dumped on their own: with ``include_internal`` their triples come with the
provenance or decisions graph they belong to (as ``Store.graph`` reads them), without it not at all.

The embedded store writes a dump with Oxigraph's serialisers, graph by graph, straight into the output (a
file, a gzip stream): nothing is held in memory and no rdflib graph is built (``write_dump``). The triple
formats are the concatenation of the published graphs (a triple in two graphs is written twice, the same
RDF graph); TriG writes each graph in its block; JSON-LD is expanded (an array of node objects). A remote
store's dump goes through rdflib (``serialise_rdflib``).
"""

from __future__ import annotations

import gzip
import io

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.rdf import new_graph
from insatsgraf.sparql import media
from insatsgraf.sparql.embedded import OxigraphStore, Writable
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
    dataset's descriptions, ``dcat`` and ``void``). Large dumps: ``write_dump`` into a file."""
    out = io.BytesIO()
    write_dump(store, fmt, out, include_history=include_history, include_internal=include_internal)
    return out.getvalue()


def write_dump(
    store: Store,
    fmt: str,
    out: Writable,
    *,
    include_history: bool = False,
    include_internal: bool = False,
) -> None:
    """Write the dump in ``fmt`` into ``out`` as it is read: Oxigraph's serialisers for the embedded store."""
    if fmt not in FORMATS:
        raise unknown_format(fmt)
    if not isinstance(store, OxigraphStore):
        out.write(
            serialise_rdflib(store, fmt, include_history=include_history, include_internal=include_internal)
        )
        return
    names = published_graph_names(store, include_history=include_history, include_internal=include_internal)
    present = set(store.graph_names())
    if fmt in _UNION_WRITERS and not include_history and not include_internal:
        # the published graphs are the store's union less the internal graphs (personal ones are in no union)
        left_out = [g for g in present if is_internal_graph(g, store.base)]
        _UNION_WRITERS[fmt](store, set(names), left_out, out)
        return
    parts = [
        (name, [g for g in (name, iris.personal_graph(name, store.base)) if g and g in present])
        for name in names
    ]
    _ENGINE_WRITERS[fmt](store, parts, out)


Parts = list[tuple[str, list[str]]]
"""Each dumped graph's name with the store graphs that hold its triples (itself, and its personal graph)."""


def _prefix_lines(prefixes: dict[str, str]) -> bytes:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items()).encode("utf-8")


def _write_nt(store: OxigraphStore, parts: Parts, out: Writable) -> None:
    written: set[str] = set()
    for _, graphs in parts:
        for graph in graphs:
            store.dump_graph_once(out, ox.RdfFormat.N_TRIPLES, graph, written)
            written.add(graph)


def _write_ttl(store: OxigraphStore, parts: Parts, out: Writable) -> None:
    prefixes = media.project_prefixes(store.base)
    out.write(_prefix_lines(prefixes))
    body = _WithoutPrefixes(out)
    written: set[str] = set()
    for _, graphs in parts:
        for graph in graphs:
            body.reset()
            store.dump_graph_once(body, ox.RdfFormat.TURTLE, graph, written, prefixes)
            written.add(graph)


def _union_nt(store: OxigraphStore, published: set[str], left_out: list[str], out: Writable) -> None:
    store.dump_union(out, ox.RdfFormat.N_TRIPLES, published, left_out)


def _union_ttl(store: OxigraphStore, published: set[str], left_out: list[str], out: Writable) -> None:
    prefixes = media.project_prefixes(store.base)
    out.write(_prefix_lines(prefixes))
    store.dump_union(_WithoutPrefixes(out), ox.RdfFormat.TURTLE, published, left_out, prefixes)


def _union_jsonld(store: OxigraphStore, published: set[str], left_out: list[str], out: Writable) -> None:
    store.dump_union(out, ox.RdfFormat.JSON_LD, published, left_out)  # one array of node objects


_UNION_WRITERS = {"nt": _union_nt, "ttl": _union_ttl, "jsonld": _union_jsonld}
"""The union formats of the default dump (no history, no internal graphs): the store's union, one pass."""


def _write_trig(store: OxigraphStore, parts: Parts, out: Writable) -> None:
    prefixes = media.project_prefixes(store.base)
    out.write(_prefix_lines(prefixes))
    body = _WithoutPrefixes(out)
    for name, graphs in parts:
        out.write(f"\n<{name}> {{\n".encode())
        for graph in graphs:
            body.reset()
            store.dump_graph(body, ox.RdfFormat.TURTLE, graph, prefixes)
        out.write(b"}\n")


def _write_jsonld(store: OxigraphStore, parts: Parts, out: Writable) -> None:
    out.write(b"[")
    items = _ArrayItems(out)
    written: set[str] = set()
    for _, graphs in parts:
        for graph in graphs:
            items.reset()
            store.dump_graph_once(items, ox.RdfFormat.JSON_LD, graph, written)
            items.finish()
            written.add(graph)
    out.write(b"]\n")


class _WithoutPrefixes:
    """A writer that drops the ``@prefix`` lines Oxigraph's Turtle serialiser starts each graph with (the
    dump writes them once, at the top)."""

    def __init__(self, out: Writable):
        self.out = out
        self.reset()

    def reset(self) -> None:
        self._head = b""
        self._in_head = True

    def write(self, data: bytes) -> int:
        if not self._in_head:
            return self.out.write(data) or len(data)
        self._head += data
        while self._in_head:
            if not self._head.startswith(b"@prefix"[: len(self._head)]):
                self._in_head = False  # a statement: the header is over
            elif b"\n" in self._head:
                line, _, rest = self._head.partition(b"\n")
                if not line.startswith(b"@prefix "):
                    self._in_head = False
                else:
                    self._head = rest
                    continue
            else:
                return len(data)  # a partial line, maybe a prefix: wait for the rest
        self.out.write(self._head)
        self._head = b""
        return len(data)

    def flush(self) -> None:
        self.out.flush()


class _ArrayItems:
    """A writer that turns the JSON array Oxigraph writes for each graph (``[{…},{…}]``) into items of the one
    array of the dump: the brackets dropped, a comma between the graphs' items."""

    def __init__(self, out: Writable):
        self.out = out
        self.wrote_any = False
        self.reset()

    def reset(self) -> None:
        self._opened = False
        self._pending = b""
        self._started = False

    def write(self, data: bytes) -> int:
        size = len(data)
        if not self._opened:
            data = data.lstrip()
            if not data:
                return size
            if data[:1] != b"[":
                raise ValueError("Oxigraph's JSON-LD did not start with an array")
            self._opened, data = True, data[1:]
        data = self._pending + data
        end = len(data.rstrip())
        keep = max(end - 1, 0)  # the last non-space byte may be the closing bracket: held back
        self._pending = data[keep:]
        self._emit(data[:keep])
        return size

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        if not self._started:
            self._started = True
            if self.wrote_any:
                self.out.write(b",")
        self.wrote_any = True
        self.out.write(data)

    def finish(self) -> None:
        if self._opened and self._pending.strip() != b"]":
            raise ValueError("Oxigraph's JSON-LD did not end its array")
        self._pending = b""

    def flush(self) -> None:
        self.out.flush()


_ENGINE_WRITERS = {"nt": _write_nt, "ttl": _write_ttl, "trig": _write_trig, "jsonld": _write_jsonld}


def serialise_rdflib(
    store: Store,
    fmt: str,
    *,
    include_history: bool = False,
    include_internal: bool = False,
) -> bytes:
    """The dump through rdflib, for a store that is not the embedded one (a remote SPARQL store)."""
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
