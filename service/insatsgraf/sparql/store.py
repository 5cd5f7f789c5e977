"""The store protocol: what every stage asks of the graph store, whichever store it is.

Two implementations: the embedded pyoxigraph store (``sparql/embedded.py``) and a remote SPARQL 1.1 Protocol
store (``sparql/remote.py``); ``sparql.connect.open_store`` opens either from a spec. Writes replace whole named
graphs in one request, readers see either the old or the new data, and the default graph of a query is the
union of every graph except the submission history (docs/design.md, "Union graph").

``evaluate`` is what the HTTP endpoint calls: an untrusted query (checked on its parse, ``sparql.parse``) with
protocol dataset parameters, stopped at a row limit and a deadline, answering rows as SPARQL-JSON terms or
triples as pyoxigraph terms (``evaluate_as``: or a SELECT answer already written in the client's format, when
the store's engine writes it faster); ``query`` is the simpler call the stages use for their own ``.rq`` files. An
on-disk embedded store can evaluate in worker processes that are killed at the deadline and capped in memory
(``sparql.workers``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

import pyoxigraph as ox

from insatsgraf.sparql.results import QueryResult

if TYPE_CHECKING:  # rdflib only where graphs are made: `insatsgraf --help` stays fast
    from rdflib import Graph

Answer = QueryResult | list[ox.Triple]
"""``evaluate``'s answer: SELECT/ASK as a ``QueryResult``; CONSTRUCT/DESCRIBE as Oxigraph triples."""


class StoreError(Exception):
    """A store operation failed; nothing was written."""


class QuerySyntaxError(StoreError):
    """The SPARQL text does not parse; the message is the parser's."""


class QueryTimeout(StoreError):
    """The query did not finish (or could not start) within its time."""


class TooManyRows(StoreError):
    """The answer has more rows or triples than the limit."""


class QueryOutOfMemory(StoreError):
    """The query's worker process passed its memory cap (or died) and was replaced."""


class ServiceNotAllowed(StoreError):
    """The query has (or may have) a ``SERVICE`` pattern: the endpoint fetches no other URLs."""


class QueryIsUpdate(StoreError):
    """The text is a SPARQL Update, which ``evaluate`` never runs."""


class BadDatasetIri(StoreError):
    """A protocol dataset parameter that is not an absolute IRI."""


class PersonalDataHidden(StoreError):
    """An untrusted query names a personal graph (people's names) the endpoint does not publish."""


class DatasetNotSupported(StoreError):
    """Protocol dataset parameters that this store cannot honour."""


@dataclass(frozen=True)
class Dataset:
    """The protocol's dataset parameters (empty = the store's default dataset)."""

    default: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    include_history: bool = False
    """With no dataset parameters: also the submission history graphs (catalogue queries tagged history)."""
    base_iri: str | None = None
    """The IRI relative IRIs in the query resolve against (the endpoint's URL), unless the query has BASE."""
    expose_personal: bool = False
    """Whether the personal graphs (people's names, ``iris.personal_graph``) are in an untrusted query's
    dataset: off unless the deployment opts in (``insatsgraf serve --expose-personal-data``)."""
    checked_as: str | None = None
    """A text whose parse stands for the query's in the checks (``sparql.parse.check_bound``): the catalogue
    template the query was bound from by ``sparql.binding``, which writes every value as one RDF term. Set by
    the catalogue's routes only, never from a request."""


@dataclass(frozen=True)
class Limits:
    """How far one evaluation may go: rows (or triples), a deadline (``time.monotonic``), a cancel flag."""

    max_rows: int
    deadline: float
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class ResultsAs:
    """The results format the client accepts (and whether CSV is for spreadsheets: ``media.write_results``)."""

    media_type: str
    for_spreadsheets: bool = False


@dataclass(frozen=True)
class Written:
    """A SELECT or ASK answer already written in ``media_type`` (one of ``media.RESULT_TYPES``)."""

    media_type: str
    body: bytes


class Store(Protocol):
    base: str

    def query(self, sparql: str, *, include_history: bool = False) -> QueryResult: ...

    def evaluate(self, sparql: str, dataset: Dataset, limits: Limits) -> Answer: ...

    def evaluate_as(
        self, sparql: str, dataset: Dataset, limits: Limits, results_as: ResultsAs | None
    ) -> Answer | Written: ...

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None: ...

    def graph(self, name: str) -> Graph: ...

    def graph_names(self) -> list[str]: ...

    def dump_nquads(self) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


class Closing:
    """``with store: …`` closes it: the context-manager half of the protocol, shared by both stores."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
