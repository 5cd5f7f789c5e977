"""The store: one interface, an embedded pyoxigraph implementation here and a remote one in ``remote.py``.

Writes replace whole named graphs in one SPARQL Update, which Oxigraph applies as one transaction,
so readers see either the old or the new data. A lock keeps it to one writer at a time in a process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Protocol, TypedDict

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.results import QueryResult
from insatsgraf.sparql.text import names_dataset

MEDIA_TYPES_RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
"""SPARQL 1.1 Query Results formats: JSON, XML, CSV/TSV (https://www.w3.org/TR/sparql11-results-json/ …)."""

MEDIA_TYPES_RDF = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
"""What pyoxigraph accepts as a graph of a query's dataset."""


class DatasetArgs(TypedDict, total=False):
    """The dataset keywords of pyoxigraph's ``Store.query`` (none: the query's own FROM clauses)."""

    default_graph: list[GraphName]


class StoreError(Exception):
    """A store operation failed; nothing was written."""


class QuerySyntaxError(StoreError):
    """The SPARQL text does not parse; the message is the parser's."""


class Store(Protocol):
    base: str

    def query(self, sparql: str, *, include_history: bool = False) -> QueryResult: ...

    def query_raw(self, sparql: str, media_type: str, *, include_history: bool = False) -> bytes: ...

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None: ...

    def graph(self, name: str) -> Graph: ...

    def graph_names(self) -> list[str]: ...

    def dump_nquads(self) -> bytes: ...

    def close(self) -> None: ...


def to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: object) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"not an RDF term: {term!r}")


def _written(data: bytes | None) -> bytes:
    """pyoxigraph's ``serialize`` without an output returns the bytes (its stubs say ``bytes | None``)."""
    assert data is not None
    return data


def graph_to_ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt")


_UNMERGE = """DELETE {{ ?s ?p ?o }} WHERE {{
  GRAPH <{name}> {{ ?s ?p ?o }}
  FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != <{name}> && !STRSTARTS(STR(?other), "{history}")) }}
}}"""
"""Remove a named graph's triples from the default graph (the union) unless another current graph has them."""


class OxigraphStore:
    """The embedded store: on disk (a directory) or in memory (``path=None``)."""

    def __init__(self, path: str | Path | None = None, *, base: str | None = None, read_only: bool = False):
        self.base = base or Settings().base
        self.path = Path(path) if path else None
        self.read_only = read_only
        if self.path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = ox.Store.read_only(str(self.path))
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            try:
                self._store = ox.Store(str(self.path))
            except OSError as exc:
                raise StoreError(
                    f"cannot open the store at {self.path}: {exc}. Is another insatsgraf process "
                    "(e.g. `insatsgraf serve`) using it? Stop it or pass another --store."
                ) from exc
        self._write_lock = threading.Lock()
        if not read_only:
            self._ensure_union()

    # -- reading ---------------------------------------------------------------------------------

    def _dataset(self, include_history: bool) -> list[GraphName]:
        """The default graph for queries: every named graph except the history (with it: plus the history).

        The store's own default graph *is* that union: ``replace_graphs`` and ``bulk_load`` keep it equal to
        the union of every non-history named graph. Handing Oxigraph one graph instead of a list of ~600
        (one current and one provenance graph per organisation) makes national-scale queries about 50×
        faster, and a triple held by two graphs is seen once (bench/README.md).
        """
        if not include_history:
            return [ox.DefaultGraph()]
        history = [
            g
            for g in self._store.named_graphs()
            if isinstance(g, ox.NamedNode) and iris.is_history_graph(g.value, self.base)
        ]
        return [ox.DefaultGraph(), *history]

    def dataset_kwargs(self, sparql: str, *, include_history: bool = False) -> DatasetArgs:
        """pyoxigraph's dataset arguments: our default graph, unless the query names its own with FROM."""
        if names_dataset(sparql):
            return {}
        return {"default_graph": self._dataset(include_history)}

    def _run(
        self, sparql: str, include_history: bool
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        try:
            return self._store.query(sparql, **self.dataset_kwargs(sparql, include_history=include_history))
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def query(self, sparql: str, *, include_history: bool = False) -> QueryResult:
        result = self._run(sparql, include_history)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            doc = json.loads(_written(result.serialize(format=ox.QueryResultsFormat.JSON)))
            return QueryResult.from_sparql_json(doc)
        graph = Graph()
        for triple in result:
            graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
        return QueryResult(kind="graph", graph=graph)

    def query_raw(self, sparql: str, media_type: str, *, include_history: bool = False) -> bytes:
        """The result serialised by Oxigraph itself (no Python round trip), for the HTTP endpoint."""
        result = self._run(sparql, include_history)
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            return _written(result.serialize(format=MEDIA_TYPES_RESULTS[media_type]))
        if media_type in MEDIA_TYPES_RDF:
            return _written(result.serialize(format=MEDIA_TYPES_RDF[media_type]))
        graph = self.query(sparql, include_history=include_history).graph
        assert graph is not None
        return graph.serialize(format="json-ld" if "json" in media_type else "turtle", encoding="utf-8")

    def graph(self, name: str) -> Graph:
        graph = Graph()
        for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
        return graph

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def dump_nquads(self) -> bytes:
        """Every quad of the named graphs, sorted: byte-equal dumps mean the stores hold the same data.

        The default graph is left out: it is derived from the named graphs (see ``_dataset``).
        """
        named = (
            q
            for q in self._store.quads_for_pattern(None, None, None, None)
            if not isinstance(q.graph_name, ox.DefaultGraph)
        )
        text = _written(ox.serialize(named, format=ox.RdfFormat.N_QUADS)).decode("utf-8")
        return "\n".join(sorted(line for line in text.splitlines() if line)).encode("utf-8")

    def __len__(self) -> int:
        """Quads in the named graphs (the default graph is their derived union, not counted)."""
        union = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(union, ox.QuerySolutions)
        return len(self._store) - int(next(union)["n"].value)

    # -- writing ---------------------------------------------------------------------------------

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None:
        """Replace each named graph by the given triples (``None`` drops it), all in one transaction."""
        parts: list[str] = []
        for name, graph in graphs.items():
            current = not iris.is_history_graph(name, self.base)
            if current:  # take the graph's triples out of the union, unless another current graph has them
                parts.append(_UNMERGE.format(name=name, history=f"{self.base}id/submission/"))
            parts.append(f"DROP SILENT GRAPH <{name}>")
            if graph is not None and len(graph):
                triples = graph_to_ntriples(graph)
                # one INSERT DATA for the graph and its union copy, so blank nodes are the same nodes
                union = f"\n{triples}\n" if current else ""
                parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{triples}\n}}{union} }}")
        if not parts:
            return
        with self._write_lock:
            try:
                self._store.update(" ;\n".join(parts))
            except (SyntaxError, OSError) as exc:
                raise StoreError(f"the store refused the write, nothing was changed: {exc}") from exc
            if self.path:
                self._store.flush()

    def bulk_load(self, quads: Iterable[ox.Quad]) -> None:
        """Fast, non-transactional load for generated benchmark data only (named graphs, plus the union)."""
        history = f"{self.base}id/submission/"

        def with_union() -> Iterator[ox.Quad]:
            for quad in quads:
                yield quad
                graph = quad.graph_name
                if isinstance(graph, ox.NamedNode) and not graph.value.startswith(history):
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())

        with self._write_lock:
            self._store.bulk_extend(with_union())

    def _ensure_union(self) -> None:
        """A store written before the default graph held the union gets it now (once, on a writable open)."""
        if next(iter(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
            return
        history = f"{self.base}id/submission/"
        graphs = self._store.named_graphs()
        if not any(isinstance(g, ox.NamedNode) and not g.value.startswith(history) for g in graphs):
            return
        self._store.update(
            f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f'FILTER(!STRSTARTS(STR(?g), "{self.base}id/submission/")) }}'
        )

    def optimize(self) -> None:
        if self.path:
            self._store.optimize()

    def close(self) -> None:
        if self.path and not self.read_only:  # a read-only instance cannot flush
            self._store.flush()
        del self._store

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for the few places that need it (bench, endpoint)."""
        return self._store


def is_directory_spec(spec: str) -> bool:
    """Is this store spec an on-disk embedded store (neither ``memory:`` nor a SPARQL endpoint)?"""
    return not spec.startswith("sparql+") and spec not in ("memory:", ":memory:")


def open_store(
    settings: Settings | None = None, spec: str | None = None, *, read_only: bool = False
) -> Store:
    """Open the store named by ``spec`` (or the settings): a directory, ``memory:``, or ``sparql+http(s)://…``."""
    settings = settings or Settings()
    spec = spec or settings.store
    if spec.startswith("sparql+"):
        from insatsgraf.sparql.remote import SparqlStore

        return SparqlStore.from_spec(spec, base=settings.base)
    if spec in ("memory:", ":memory:"):
        return OxigraphStore(None, base=settings.base)
    return OxigraphStore(spec, base=settings.base, read_only=read_only)
