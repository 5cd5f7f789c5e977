"""The embedded store: pyoxigraph on disk (a directory) or in memory.

Writes replace whole named graphs in one SPARQL Update, which Oxigraph applies as one transaction, so
readers see either the old or the new data; the update holds only what changed (``sparql.commit``). A lock keeps it to one writer at a time in a process. The
default graph *is* the union of every non-history named graph, kept so by every write (``sparql.updates``).
"""

from __future__ import annotations

import math
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol, TypedDict, cast

import pyoxigraph as ox
from rdflib import Graph

from insatsgraf.config import DEFAULT_BASE
from insatsgraf.model import iris
from insatsgraf.sparql import binding, commit, media, updates
from insatsgraf.sparql.parse import check_bound, refuse_personal
from insatsgraf.sparql.results import QueryResult
from insatsgraf.sparql.store import (
    Answer,
    BadDatasetIri,
    Closing,
    Dataset,
    Limits,
    QuerySyntaxError,
    QueryTimeout,
    ResultsAs,
    StoreError,
    TooManyRows,
    Written,
)
from insatsgraf.sparql.terms import from_ox, term_json
from insatsgraf.sparql.text import names_dataset

GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
"""What pyoxigraph accepts as a graph of a query's dataset."""


class Writable(Protocol):
    """Where a dump is written: a binary file, a gzip stream, or a filter in front of one."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class DatasetArgs(TypedDict, total=False):
    """The dataset keywords of pyoxigraph's ``Store.query`` (none: the query's own FROM clauses)."""

    default_graph: list[GraphName]
    named_graphs: list[ox.NamedNode | ox.BlankNode]
    base_iri: str


def _written(data: bytes | None) -> bytes:
    """pyoxigraph's ``serialize`` without an output returns the bytes (its stubs say ``bytes | None``)."""
    assert data is not None
    return data


def _named_nodes(iri_list: list[str], param: str) -> list[ox.NamedNode]:
    try:
        return [ox.NamedNode(i) for i in iri_list]
    except ValueError as exc:
        raise BadDatasetIri(f"{param}: not an absolute IRI: {exc}") from exc


FAST_ANSWER_BYTES = 16 * 1024 * 1024
"""Largest SELECT answer ``evaluate_as`` lets Oxigraph's serialiser write; a larger one is evaluated again on
the row path, which stops at the row limit (5 000 rows of this size would average 3 kB each)."""


class _Full(Exception):
    """Oxigraph wrote more than a ``_Capped`` output takes."""


def _written_by_oxigraph(result: ox.QuerySolutions, media_type: str) -> bytes | None:
    """The solutions as Oxigraph's serialiser writes them in ``media_type``; ``None`` past ``FAST_ANSWER_BYTES``."""
    fmt = media.FORMATS[media_type].oxigraph
    assert isinstance(fmt, ox.QueryResultsFormat)
    output = _Capped(FAST_ANSWER_BYTES)
    try:
        result.serialize(cast(IO[bytes], output), fmt)
    except _Full:
        return None
    return b"".join(output.parts)


class _Capped:
    """Where Oxigraph writes an answer (``evaluate_as``): bytes in memory up to ``cap``."""

    def __init__(self, cap: int):
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise _Full()  # pyoxigraph stops writing and raises it again
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


_UNLIMITED = Limits(max_rows=sys.maxsize, deadline=math.inf)
"""The package's own queries: trusted, run to the end."""


def _problem(limits: Limits, count: int) -> type[StoreError] | None:
    if count > limits.max_rows:
        return TooManyRows
    if limits.cancel.is_set() or time.monotonic() > limits.deadline:
        return QueryTimeout
    return None


class OxigraphStore(Closing):
    """The embedded store: on disk (a directory) or in memory (``path=None``)."""

    def __init__(self, path: str | Path | None = None, *, base: str = DEFAULT_BASE, read_only: bool = False):
        self.base = base
        self.path = Path(path) if path else None
        self.read_only = read_only
        self._union = updates.Union(base)
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
        self._batched = 0
        """Open ``batch`` blocks: writes then leave the flush to the end of the outermost."""
        self._unflushed = False
        self._on_close: list[Callable[[], None]] = []
        self.generation = 0
        """Counts the writes of this instance: a reader of a snapshot knows when to take a newer one."""
        self._opened = uuid.uuid4().hex[:16]
        self._history: tuple[int, list[ox.NamedNode]] = (-1, [])
        self._public_named: tuple[int, list[ox.NamedNode] | None] = (-1, None)
        """The named graphs without the personal ones, for the generation they were listed at."""
        if not read_only:
            self._ensure_union()
            self._ensure_personal_split()

    @property
    def version(self) -> str:
        """Names the data this instance holds now: a fresh id at every open, then the count of writes.

        Bumped by every ``replace_graphs`` (and ``bulk_load``), so a dump cached for one version is never
        served for another (``publication.dumpcache``), and it is known before any work (the ETag of a 304);
        a restart starts a new id, so a version never names two states of the data."""
        return f"{self._opened}-{self.generation}"

    # -- reading ---------------------------------------------------------------------------------

    def _default_dataset(self, include_history: bool) -> list[GraphName]:
        """The default graph for queries: every named graph except the history (with it: plus the history).

        The store's own default graph *is* that union. Handing Oxigraph one graph instead of a list of ~600
        (one current and one provenance graph per organisation) makes national-scale queries about 50×
        faster, and a triple held by two graphs is seen once (bench/README.md).
        """
        if not include_history:
            return [ox.DefaultGraph()]
        if self._history[0] != self.generation:  # listed once per version, not on every history query
            history = [
                g
                for g in self._store.named_graphs()
                if isinstance(g, ox.NamedNode) and iris.is_history_graph(g.value, self.base)
            ]
            self._history = (self.generation, history)
        return [ox.DefaultGraph(), *self._history[1]]

    def dataset_kwargs(
        self, sparql: str, dataset: Dataset | None = None, *, has_from: bool | None = None
    ) -> DatasetArgs:
        """pyoxigraph's dataset arguments: the protocol's, else our default graph unless the query has FROM
        (``has_from`` from the query's parse; a text scan for the package's own queries)."""
        dataset = dataset or Dataset()
        if dataset.default or dataset.named:
            return {
                "default_graph": list(_named_nodes(dataset.default, "default-graph-uri")),
                "named_graphs": list(_named_nodes(dataset.named, "named-graph-uri")),
            }
        if names_dataset(sparql) if has_from is None else has_from:
            return {}
        return {"default_graph": self._default_dataset(dataset.include_history)}

    def _public_named_graphs(self, dataset: Dataset, has_from: bool | None) -> list[ox.NamedNode] | None:
        """The named graphs ``GRAPH ?g`` may see without the personal ones (``None``: all, when the store has
        no personal graph or the dataset is the query's or the protocol's own, checked by refuse_personal)."""
        if dataset.default or dataset.named or has_from is not False:
            return None
        if self._public_named[0] != self.generation:
            names = [g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]
            public = [g for g in names if not iris.is_personal_graph(g.value, self.base)]
            self._public_named = (self.generation, public if len(public) < len(names) else None)
        return self._public_named[1]

    def _run(
        self,
        sparql: str,
        dataset: Dataset,
        has_from: bool | None = None,
        named: list[ox.NamedNode] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        kwargs = self.dataset_kwargs(sparql, dataset, has_from=has_from)
        if named is not None:
            kwargs["named_graphs"] = list(named)
        if dataset.base_iri:
            kwargs["base_iri"] = dataset.base_iri
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc

    def query(self, sparql: str, *, include_history: bool = False) -> QueryResult:
        result = self._run(sparql, Dataset(include_history=include_history))
        if isinstance(result, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            # The solutions read as SPARQL-JSON terms directly: a serialise-and-parse JSON round trip took
            # about a fifth of deriving every mapping graph at national scale.
            answer, _ = self._collect(result, _UNLIMITED)
            assert isinstance(answer, QueryResult)
            return answer
        graph = Graph()
        for triple in result:
            graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
        return QueryResult(kind="graph", graph=graph)

    def evaluate(self, sparql: str, dataset: Dataset, limits: Limits) -> Answer:
        """Run one untrusted query, stopping at ``limits.max_rows`` or when cancelled or past the deadline.

        Checked on its parse first (``sparql.parse.check_bound``): SERVICE and updates are refused. Unless
        ``dataset.expose_personal``, the personal graphs (people's names) are not in its dataset: ``GRAPH ?g``
        ranges over the other named graphs, and naming a personal graph (``FROM``, ``default-graph-uri``,
        ``named-graph-uri``) is refused (``PersonalDataHidden``)."""
        answer = self._evaluate(sparql, dataset, limits, None)
        assert not isinstance(answer, Written)
        return answer

    def evaluate_as(
        self, sparql: str, dataset: Dataset, limits: Limits, results_as: ResultsAs | None
    ) -> Answer | Written:
        """``evaluate``, but a SELECT answer comes back written by Oxigraph's own serialiser when the client's
        format is one whose rows can be counted on the bytes (``media.ROW_MARKS``): no Python object per term,
        which took a quarter of the time of a 1 300-row answer (issue 16). An answer that may be over the row
        limit or over ``FAST_ANSWER_BYTES`` is evaluated again on the row path, which stops at the limit and
        says which one was passed."""
        media_type = results_as.media_type if results_as else None  # (CSV, for people or not, is not one)
        return self._evaluate(sparql, dataset, limits, media_type if media_type in media.ROW_MARKS else None)

    def _evaluate(
        self, sparql: str, dataset: Dataset, limits: Limits, written_as: str | None
    ) -> Answer | Written:
        """``evaluate`` (``written_as`` ``None``) and ``evaluate_as`` (a type of ``media.ROW_MARKS``)."""
        result = self._run_checked(sparql, dataset)
        if written_as is not None and isinstance(result, ox.QuerySolutions):
            body = _written_by_oxigraph(result, written_as)
            del result  # (see below)
            if body is not None and media.rows_at_most(body, written_as) <= limits.max_rows:
                return Written(written_as, body)
            return self._evaluate(sparql, dataset, limits, None)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(result))
        # Oxigraph's result iterators must be dropped in the thread that made them, so collect without
        # raising (an exception's traceback would carry them to the request's thread), drop, then raise.
        answer, problem = self._collect(result, limits)
        del result
        if problem is not None:
            raise problem()
        return answer

    def _run_checked(
        self, sparql: str, dataset: Dataset
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """An untrusted query run after the checks ``evaluate`` describes."""
        checked = check_bound(sparql, dataset.checked_as)
        named: list[ox.NamedNode] | None = None
        if not dataset.expose_personal:
            refuse_personal(sparql, checked, [*dataset.default, *dataset.named])
            if checked.reads_named_graphs:
                named = self._public_named_graphs(dataset, checked.names_dataset)
        return self._run(sparql, dataset, checked.names_dataset, named)

    @staticmethod
    def _collect(
        result: ox.QuerySolutions | ox.QueryTriples, limits: Limits
    ) -> tuple[Answer, type[StoreError] | None]:
        """Rows (or triples) until the end, the row limit or the deadline; never raises those two."""
        problem: type[StoreError] | None = None
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows: list[dict[str, Any]] = []
            for solution in result:
                rows.append({n: term_json(t) for n, t in zip(names, solution, strict=True) if t is not None})
                problem = _problem(limits, len(rows))
                if problem:
                    break
            return QueryResult(kind="select", vars=names, rows=rows), problem
        triples: list[ox.Triple] = []
        for triple in result:
            triples.append(triple)
            problem = _problem(limits, len(triples))
            if problem:
                break
        return triples, problem

    def snapshot(self, target: Path, *, without_personal: bool = False) -> None:
        """A consistent copy of the store in ``target`` (new), for ``Store.read_only`` readers in other
        processes: hard links to the immutable files when on the same file system (``Store.backup``).

        ``without_personal``: the personal graphs (people's names) removed from the copy (about 35 ms for
        290 of them). The public endpoint's workers read such a copy: no query of theirs can reach a name,
        and a ``GRAPH`` query needs no list of the other graphs, which Oxigraph evaluates about 5× slower
        (``submission-changes`` 103 against 20 ms on the national data with every submitter's name)."""
        try:
            with self._write_lock:  # no write between listing and backup: each personal graph copied goes
                personal = self._personal_graphs() if without_personal else []
                self._store.backup(str(target))
            if personal:  # (opening the copy to write costs more than the backup: only when there is any)
                copy = ox.Store(str(target))
                for graph in personal:
                    copy.remove_graph(graph)
                # Not flushed: the removals stay in the copy's write-ahead log, which each read-only opener
                # replays into memory. Flushed into a file of their own, their tombstones made every lookup
                # look there too: submission-changes 35 against 26 ms; from the log, 28 (issue 16).
                del copy  # closed here: the workers open it next
        except OSError as exc:
            raise StoreError(f"cannot snapshot the store into {target}: {exc}") from exc

    def _personal_graphs(self) -> list[ox.NamedNode]:
        """The store's personal graphs now (a write may add one: not cached; 1 ms for 1 600 graphs)."""
        return [
            g
            for g in self._store.named_graphs()
            if isinstance(g, ox.NamedNode) and iris.is_personal_graph(g.value, self.base)
        ]

    def on_close(self, action: Callable[[], None]) -> None:
        """Run ``action`` when the store closes (a worker pool reading its snapshots stops then)."""
        self._on_close.append(action)

    def graph(self, name: str) -> Graph:
        """The graph's triples, with the people's names kept in its personal graph (``iris.personal_graph``)."""
        graph = Graph()
        companion = iris.personal_graph(name, self.base)
        for graph_name in (name, companion) if companion else (name,):
            for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph_name)):
                graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
        return graph

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def dump_nquads(self) -> bytes:
        """Every quad of the named graphs, sorted: byte-equal dumps mean the stores hold the same data.

        The default graph is left out: it is derived from the named graphs (see ``_default_dataset``).
        """
        named = (
            q
            for q in self._store.quads_for_pattern(None, None, None, None)
            if not isinstance(q.graph_name, ox.DefaultGraph)
        )
        text = _written(ox.serialize(named, format=ox.RdfFormat.N_QUADS)).decode("utf-8")
        return "\n".join(sorted(line for line in text.splitlines() if line)).encode("utf-8")

    def dump_graph(
        self, output: Writable, fmt: ox.RdfFormat, graph: str, prefixes: dict[str, str] | None = None
    ) -> None:
        """One named graph's triples written by Oxigraph's serialiser into ``output`` as they are read
        (the dumps, ``publication.dumps``: nothing held in memory)."""
        self._store.dump(cast(IO[bytes], output), fmt, from_graph=ox.NamedNode(graph), prefixes=prefixes)

    def dump_graph_once(
        self,
        output: Writable,
        fmt: ox.RdfFormat,
        graph: str,
        written: set[str],
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """``dump_graph`` leaving out the triples a graph in ``written`` holds too, so a union dump states each
        triple once (two statistics tables describe the same period, say). One query finds the shared
        triples (Oxigraph looks each of the graph's triples up in its index); a graph that shares none, the
        common case, is written by the serialiser straight from the store."""
        iri = ox.NamedNode(graph)
        found = self._store.query(binding.bind_iris(updates.read("shared-triples"), graph=graph))
        assert isinstance(found, ox.QuerySolutions)
        shared = {ox.Triple(r["s"], r["p"], r["o"]) for r in found if r["h"].value in written}
        if not shared:
            self.dump_graph(output, fmt, graph, prefixes)
            return
        triples = (
            q.triple for q in self._store.quads_for_pattern(None, None, None, iri) if q.triple not in shared
        )
        ox.serialize(triples, cast(IO[bytes], output), fmt, prefixes=prefixes)

    def dump_union(
        self,
        output: Writable,
        fmt: ox.RdfFormat,
        published: set[str],
        left_out: Iterable[str],
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """The union of the ``published`` graphs, each triple once, from the store's own union default graph
        (which already holds every non-history graph's triples once) less the triples only the ``left_out``
        graphs hold (provenance and decisions: small). Oxigraph's serialiser writes it straight from the store
        when nothing is left out; otherwise the union streams through a filter (the dumps, issue 16: checking
        each graph's triples against every other graph took 3× ``oxigraph dump`` with the mapping graphs)."""
        only_there: set[ox.Triple] = set()
        for name in left_out:
            for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
                holders = self._store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
                if not any(
                    isinstance(h.graph_name, ox.NamedNode) and h.graph_name.value in published
                    for h in holders
                ):
                    only_there.add(quad.triple)
        if not only_there:
            self._store.dump(cast(IO[bytes], output), fmt, from_graph=ox.DefaultGraph(), prefixes=prefixes)
            return
        union = self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        triples = (q.triple for q in union if q.triple not in only_there)
        ox.serialize(triples, cast(IO[bytes], output), fmt, prefixes=prefixes)

    def quads(self, graph: GraphName | None = None) -> Iterator[ox.Quad]:
        """The quads of one graph (the default graph is the union), or of all: for dumps and the bench."""
        return iter(self._store.quads_for_pattern(None, None, None, graph))

    def __len__(self) -> int:
        """Quads in the named graphs (the default graph is their derived union, not counted)."""
        union = self._store.query(updates.read("count-union"))
        assert isinstance(union, ox.QuerySolutions)
        return len(self._store) - int(next(union)["n"].value)

    # -- writing ---------------------------------------------------------------------------------

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None:
        """Replace each named graph by the given triples (``None`` drops it), all in one transaction."""
        if not graphs:
            return
        graphs = updates.split_personal(graphs, self.base)
        with self._write_lock:
            try:
                text = commit.plan(self._store, graphs, self._union).update()
                if text:
                    self._store.update(text)
            except (SyntaxError, OSError, ValueError) as exc:
                raise StoreError(f"the store refused the write, nothing was changed: {exc}") from exc
            self.generation += 1
            if self._batched:
                self._unflushed = True
            elif self.path:
                self._store.flush()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside flush the store once at the end instead of after each (a bulk submission's lists).

        Each write stays its own transaction, durable in the store's write-ahead log; the flush only moves
        them from memory into the store's files, which costs a good part of a submission-sized write."""
        self._batched += 1
        try:
            yield
        finally:
            self._batched -= 1
            if not self._batched and self.path and self._unflushed:
                self._store.flush()
                self._unflushed = False

    def bulk_load(self, quads: Iterable[ox.Quad]) -> None:
        """Fast, non-transactional load for generated benchmark data only (named graphs, plus the union)."""

        def with_union() -> Iterator[ox.Quad]:
            for quad in quads:
                yield quad
                graph = quad.graph_name
                if isinstance(graph, ox.NamedNode) and self._union.is_current(graph.value):
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())

        with self._write_lock:
            self._store.bulk_extend(with_union())
            self.generation += 1

    def _ensure_union(self) -> None:
        """A store written before the default graph held the union gets it now (once, on a writable open)."""
        if next(iter(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
            return
        graphs = self._store.named_graphs()
        if any(isinstance(g, ox.NamedNode) and self._union.is_current(g.value) for g in graphs):
            self._store.update(self._union.merge_all())

    def _ensure_personal_split(self) -> None:
        """A store written before the people's names moved to the personal graphs gets them moved now."""
        query = binding.bind(
            updates.read("personal-unsplit"),
            {
                "provenance_string": iris.graph("provenance/", self.base),
                "decisions_iri": iris.graph("decisions", self.base),
            },
        )
        names = [row["g"] for row in self.query(query).table()]
        if names:
            self.replace_graphs({name: self.graph(name) for name in names})

    def optimize(self) -> None:
        if self.path:
            self._store.optimize()

    def close(self) -> None:
        for action in self._on_close:
            action()
        self._on_close.clear()
        if self.path and not self.read_only:  # a read-only instance cannot flush
            self._store.flush()
        del self._store
