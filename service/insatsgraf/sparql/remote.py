"""The store over a SPARQL 1.1 Protocol + Update endpoint (Virtuoso, the Oxigraph server) via SPARQLWrapper.

Spec: ``sparql+http(s)://host:port/path[#update=URL&store=URL&writes=MODE&timeout=S]``. The part after
``sparql+`` and before ``#`` is the query endpoint; the fragment (never sent to the server) holds the options:
a separate update endpoint (default: the query endpoint, as Virtuoso's ``/sparql``), a SPARQL 1.1 Graph
Store endpoint, the write mode and the request timeout in seconds.

Reading mirrors ``OxigraphStore``, whose default graph is the union of every non-history graph: here that
union is materialised in the named graph ``{base}graph/union`` (``iris.union_graph``), which every write keeps
equal to the union of the non-history graphs. Queries are sent with ``default-graph-uri`` = that one graph
(plus each history graph when ``include_history=True``) and, when the query has a ``GRAPH`` pattern and the
server is not Virtuoso, ``named-graph-uri`` for every graph of the store. One graph instead of a list of
~600 is what makes national-scale queries fast on the Oxigraph server (bench/README.md, "Remote stores");
Virtuoso still gets the list for queries with ``GRAPH`` (see ``_dataset``). The union graph is derived:
``graph_names``, dumps and counts leave it out, and ``replace_graphs`` refuses to write it. The store's
graphs are those under its base IRI: a server may hold other data (Virtuoso has system graphs), which this
store neither lists nor touches.

Writing has three modes (docs/design.md, "Remote stores"):

* ``update``: one request ``DELETE {union} … ; DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> {…}
  GRAPH <union> {…} } ; …``, atomic on servers that run an update request as one transaction (the Oxigraph
  server does), union included; the default except on Virtuoso;
* ``staged``: each new graph is PUT into a staging graph through the Graph Store protocol, then small updates
  swap them in with ``DROP``/``MOVE``, the union updated in the same requests. Virtuoso refuses update
  texts of more than about a thousand triples
  and does not roll back a failed request, so this keeps every failure before the swap from touching the
  named graphs; the default on Virtuoso (told by its ``Server`` header) or when ``store=`` is given;
* ``direct``: each graph is PUT in place, for bulk loads: fast, not atomic across graphs (the union is
  updated by a request before and one after each PUT).
"""

from __future__ import annotations

import ast
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib import Dataset as RdfDataset
from rdflib.namespace import XSD
from SPARQLWrapper import POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from insatsgraf.config import DEFAULT_BASE
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql import binding, media, updates
from insatsgraf.sparql.parse import check_bound, refuse_personal
from insatsgraf.sparql.results import QueryResult, Term
from insatsgraf.sparql.store import (
    Answer,
    Closing,
    Dataset,
    DatasetNotSupported,
    Limits,
    PersonalDataHidden,
    QuerySyntaxError,
    QueryTimeout,
    ResultsAs,
    StoreError,
    TooManyRows,
    Written,
)
from insatsgraf.sparql.text import code_only, has_keyword, is_update, names_dataset

STAGING_PREFIX = "urn:insatsgraf:staging:"
"""Staging graphs live outside the base IRI, so no reader of this store ever lists or queries them."""

DEFAULT_TIMEOUT = 120
SWAP_BATCH = 10
"""Graphs swapped per update request in staged mode: Virtuoso compiles a request into one code vector of
at most 32 KiB, which about 60 DROP/MOVE pairs already fill (and each graph also has two union updates)."""

WRITE_MODES = ("update", "staged", "direct")
"""How ``replace_graphs`` writes (docs/design.md, "Remote stores"): one update request; Graph Store PUTs into
staging graphs, then DROP/MOVE; or Graph Store PUTs straight into the graphs (fast, not atomic)."""

_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters an IRI between ``<`` and ``>`` may not hold (a base IRI with one is not written in)."""


@dataclass(frozen=True)
class Endpoints:
    """Where to send queries, updates and Graph Store requests, and how to write."""

    query: str
    update: str
    graph_store: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    writes: str | None = None
    """One of ``WRITE_MODES``; ``None``: staged on Virtuoso or when ``store=`` is given, else update."""

    @classmethod
    def parse(cls, spec: str) -> Endpoints:
        if not spec.startswith(("sparql+http://", "sparql+https://")):
            raise StoreError(f"not a remote store spec: {spec!r} (expected sparql+http://host:port/path)")
        url, _, fragment = spec[len("sparql+") :].partition("#")
        options = urllib.parse.parse_qs(fragment, keep_blank_values=True)
        unknown = set(options) - {"update", "store", "timeout", "writes"}
        if unknown:
            known = "update, store, timeout, writes"
            raise StoreError(f"unknown option(s) {sorted(unknown)} in {spec!r}; known: {known}")
        writes = options["writes"][-1] if "writes" in options else None
        if writes is not None and writes not in WRITE_MODES:
            raise StoreError(f"writes must be one of {', '.join(WRITE_MODES)} in {spec!r}")
        try:
            timeout = float(options["timeout"][-1]) if "timeout" in options else DEFAULT_TIMEOUT
        except ValueError as exc:
            raise StoreError(f"timeout must be a number of seconds in {spec!r}") from exc
        return cls(
            query=url,
            update=options.get("update", [url])[-1],
            graph_store=options["store"][-1] if "store" in options else None,
            timeout=timeout,
            writes=writes,
        )


class SparqlStore(Closing):
    """A ``Store`` on a remote SPARQL endpoint; holds no data itself, so any number may share a server."""

    def __init__(self, endpoints: Endpoints, *, base: str = DEFAULT_BASE):
        self.base = base
        self.endpoints = endpoints
        self._server: str | None = None
        self._write_lock = threading.Lock()
        self.union = iris.union_graph(self.base)
        self._union = updates.Union(base, self.union, STAGING_PREFIX)
        self._union_ready = False

    @classmethod
    def from_spec(cls, spec: str, *, base: str = DEFAULT_BASE, probe: bool = True) -> SparqlStore:
        """Open the store named by a ``sparql+http(s)://…`` spec; ``probe`` asks the endpoint once, so a
        wrong address fails here (where the CLI reports it) rather than in the middle of the work."""
        store = cls(Endpoints.parse(spec), base=base)
        if probe:
            store._server_name()
        return store

    def __repr__(self) -> str:
        return f"SparqlStore({self.endpoints.query!r})"

    # -- HTTP --------------------------------------------------------------------------------------

    def _wrapper(self, text: str, *, update: bool = False) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(self.endpoints.query, updateEndpoint=self.endpoints.update)
        wrapper.setMethod(POST)  # the text and the graph lists go in the body, so length is no issue
        wrapper.setOnlyConneg(True)  # only an Accept header, no format= parameters servers may refuse
        wrapper.setTimeout(max(1, round(self.endpoints.timeout)))
        wrapper.setQuery(text)
        # SPARQLWrapper guesses the form from the text and is fooled by words in comments ("added" → ADD):
        # decide here, from the text without comments and strings.
        wrapper.queryType = "INSERT" if update else query_form(text)
        return wrapper

    @contextmanager
    def _http(self, url: str, action: str) -> Iterator[None]:
        """Turn transport and HTTP failures into ``StoreError`` naming the endpoint."""
        try:
            yield
        except urllib.error.HTTPError as exc:
            raise StoreError(f"{action} failed at {url}: HTTP {exc.code} {_body(exc)}") from exc
        except urllib.error.URLError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {exc.reason}") from exc
        except TimeoutError as exc:
            raise StoreError(f"{url} did not answer within {self.endpoints.timeout:g} s ({action})") from exc
        except ConnectionError as exc:
            raise StoreError(f"the connection to {url} failed ({action}): {exc}") from exc

    def _select(self, sparql: str, dataset: tuple[list[str], list[str]] | None) -> dict[str, Any]:
        """Run a SELECT/ASK and return the SPARQL JSON document."""
        wrapper = self._wrapper(sparql)
        _add_dataset(wrapper, dataset)
        wrapper.addCustomHttpHeader("Accept", "application/sparql-results+json")
        with self._http(self.endpoints.query, "query"):
            try:
                result = wrapper.query()
                limit = result.response.headers.get("X-SPARQL-MaxRows")
                doc = json.loads(result.response.read())
            except SPARQLWrapperException as exc:
                raise _query_error(exc, self.endpoints.query) from exc
            except ValueError as exc:  # not JSON (UnicodeDecodeError is a ValueError too)
                raise StoreError(f"{self.endpoints.query} did not answer with SPARQL JSON: {exc}") from exc
        if limit:
            raise StoreError(
                f"{self.endpoints.query} stopped the answer at its row limit of {limit} rows (Virtuoso's "
                "[SPARQL] ResultSetMaxRows), so it may be incomplete: raise that limit in virtuoso.ini"
            )
        if not isinstance(doc, dict) or not ("boolean" in doc or "results" in doc):
            raise StoreError(f"{self.endpoints.query} did not answer with SPARQL JSON results")
        return doc

    def _raw(self, sparql: str, accept: str, dataset: tuple[list[str], list[str]] | None) -> bytes:
        wrapper = self._wrapper(sparql)
        _add_dataset(wrapper, dataset)
        wrapper.addCustomHttpHeader("Accept", accept)
        with self._http(self.endpoints.query, "query"):
            try:
                body = wrapper.query().response.read()
            except SPARQLWrapperException as exc:
                raise _query_error(exc, self.endpoints.query) from exc
        assert isinstance(body, bytes)
        return body

    def _update(self, text: str) -> None:
        wrapper = self._wrapper(text, update=True)
        with self._http(self.endpoints.update, "update"):
            try:
                wrapper.query().response.read()
            except SPARQLWrapperException as exc:
                raise StoreError(
                    f"{self.endpoints.update} refused the update: {_status(exc)} {_server_message(exc)}"
                ) from exc

    def _server_name(self) -> str:
        """The ``Server`` header of the query endpoint, asked once (it picks the write mode)."""
        if self._server is None:
            joiner = "&" if "?" in self.endpoints.query else "?"
            probe = urllib.parse.urlencode({"query": updates.read("probe")})
            url = f"{self.endpoints.query}{joiner}{probe}"
            request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
            with self._http(self.endpoints.query, "probe"):
                try:
                    with urllib.request.urlopen(request, timeout=self.endpoints.timeout) as response:
                        self._server = response.headers.get("Server", "")
                except urllib.error.HTTPError as exc:
                    if exc.code == 404:
                        raise StoreError(
                            f"no SPARQL endpoint at {self.endpoints.query}: HTTP 404 {_body(exc)}"
                        ) from exc
                    # Other refusals (say, GET not allowed) still name the server; queries will tell more.
                    self._server = exc.headers.get("Server", "") if exc.headers else ""
        return self._server

    def _is_virtuoso(self) -> bool:
        return self._server_name().lower().startswith("virtuoso")

    # -- reading -----------------------------------------------------------------------------------

    def _dataset(
        self, sparql: str, include_history: bool, public_named: bool = False, graphs: list[str] | None = None
    ) -> tuple[list[str], list[str]] | None:
        """(default-graph-uri, named-graph-uri) lists: the union graph as ``OxigraphStore._dataset``'s default
        graph; none when the query names its own dataset with FROM (protocol parameters would override it).
        ``public_named``: a request's own query with a ``GRAPH`` pattern (``evaluate``): its named graphs are
        listed even when the text shows no ``GRAPH`` keyword (the parse decides). ``graphs``: the store's
        graphs when the caller listed them already."""
        if names_dataset(sparql):
            return None
        self.ensure_union()
        has_graph = public_named or has_keyword(sparql, "GRAPH")
        if not include_history and not has_graph:
            # Only GRAPH patterns see the named graphs: skip listing them (~40 ms for 900 graphs).
            return [self.union], []
        # the personal graphs (people's names) are read through ``graph``, never by a query (Virtuoso: see below)
        listed = self.graph_names() if graphs is None else graphs
        names = [g for g in listed if not iris.is_personal_graph(g, self.base)]
        history = [g for g in names if include_history and iris.is_history_graph(g, self.base)]
        if has_graph and self._is_virtuoso():
            # Virtuoso 7.2's GRAPH <iri> sees only the request's graphs, and its cost model overflows ("SQ200")
            # on GRAPH ?g patterns in a large UNION once named-graph-uri names even two graphs. So a query with
            # GRAPH gets the list of graphs as its default graph, as before the union graph, and no named
            # list: GRAPH ?g then ranges over all of the server's graphs (the union graph too, and the
            # personal graphs, which ``query`` excludes from a request's own query by pragma).
            current = [g for g in names if not iris.is_history_graph(g, self.base)]
            return [*current, *history] or [f"{STAGING_PREFIX}none"], []
        default = [self.union, *history]  # a graph that does not exist yet is an empty one: no special case
        return default, ([] if self._is_virtuoso() else names or [f"{STAGING_PREFIX}none"])

    def _kind(self, sparql: str) -> str:
        if is_update(sparql):
            raise QuerySyntaxError("an update is not a query: the store changes only through replace_graphs")
        return {"ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}.get(query_form(sparql), "select")

    def query(self, sparql: str, *, include_history: bool = False, public_named: bool = False) -> QueryResult:
        """``Store.query``; ``public_named``: a request's own query that reads named graphs, which must not
        reach a personal graph (see ``_dataset``, ``_without_personal``)."""
        kind = self._kind(sparql)
        if public_named and self._is_virtuoso():
            graphs = self.graph_names()  # listed once, for the dataset and the exclusions
            dataset = self._dataset(sparql, include_history, public_named, graphs)
            with _refused_if_unplannable():
                return self._answer(kind, self._without_personal(sparql, graphs), dataset)
        return self._answer(kind, sparql, self._dataset(sparql, include_history, public_named))

    def _answer(self, kind: str, sparql: str, dataset: tuple[list[str], list[str]] | None) -> QueryResult:
        if kind == "graph":
            body = self._raw(sparql, "application/n-triples", dataset)
            graph = Graph()
            try:
                graph.parse(data=body.decode("utf-8"), format="nt")
            except (UnicodeDecodeError, SyntaxError) as exc:
                raise StoreError(f"{self.endpoints.query} sent N-Triples rdflib cannot read: {exc}") from exc
            return QueryResult(kind="graph", graph=_normalised_graph(graph))
        doc = self._select(sparql, dataset)
        result = QueryResult.from_sparql_json(doc)
        result.rows = [{var: _canonical_term(term) for var, term in row.items()} for row in result.rows]
        return result

    def _without_personal(self, sparql: str, graphs: list[str]) -> str:
        """``sparql`` with Virtuoso's ``define input:named-graph-exclude`` for each personal graph.

        Virtuoso ranges a ``GRAPH`` pattern over every graph of the server, whatever the request's dataset
        says, unless the request lists its named graphs; a list overflows its cost model ("SQ200") on the
        catalogue's large unions of ``GRAPH ?g`` patterns, so the personal graphs are excluded instead, by
        name (a ``GRAPH`` pattern, by variable or by IRI, then matches nothing in them; under ``FROM`` too)."""
        personal = [g for g in graphs if iris.is_personal_graph(g, self.base)]
        return "".join(f"define input:named-graph-exclude {binding.iri_term(g)}\n" for g in personal) + sparql

    def evaluate_as(
        self, sparql: str, dataset: Dataset, limits: Limits, results_as: ResultsAs | None
    ) -> Answer | Written:
        """``evaluate``: the server's answer is read here anyway, to count its rows and normalise its terms."""
        return self.evaluate(sparql, dataset, limits)

    def evaluate(self, sparql: str, dataset: Dataset, limits: Limits) -> Answer:
        """``query`` with the endpoint's limits: the server runs the query within the store's request timeout;
        its answer is refused when it has more rows than ``limits.max_rows`` or arrives past the deadline.
        Checked on its parse first: the server would run a SERVICE pattern (``sparql.parse.check_bound``)."""
        checked = check_bound(sparql, dataset.checked_as)
        public_named = False
        if not dataset.expose_personal:
            refuse_personal(sparql, checked, [*dataset.default, *dataset.named])
            public_named = dataset.checked_as is None and checked.reads_named_graphs
        if dataset.default or dataset.named:
            raise DatasetNotSupported(
                "default-graph-uri and named-graph-uri need the embedded store; use FROM / FROM NAMED."
            )
        if dataset.base_iri and not _IRI_UNSAFE.search(dataset.base_iri):
            sparql = f"BASE <{dataset.base_iri}>\n{sparql}"  # a BASE of the query's own comes later and wins
        result = self.query(sparql, include_history=dataset.include_history, public_named=public_named)
        answer: Answer = result
        count = len(result.rows)
        if result.kind == "graph":
            assert result.graph is not None
            answer = media.graph_triples(result.graph)
            count = len(answer)
        if count > limits.max_rows:
            raise TooManyRows()
        if limits.cancel.is_set() or time.monotonic() > limits.deadline:
            raise QueryTimeout()
        return answer

    def graph_names(self) -> list[str]:
        """The named graphs under this store's base IRI (a server's other graphs are not this store's)."""
        query = updates.read("graph-names-virtuoso") if self._is_virtuoso() else updates.read("graph-names")
        doc = self._select(query, None)
        names = (row["g"]["value"] for row in doc["results"]["bindings"] if row["g"]["type"] == "uri")
        return sorted(name for name in names if name.startswith(self.base) and name != self.union)

    def graph(self, name: str) -> Graph:
        """The graph's triples, with the people's names kept in its personal graph (``iris.personal_graph``)."""
        graph = Graph()
        companion = iris.personal_graph(name, self.base)
        for graph_name in (name, companion) if companion else (name,):
            try:
                query = binding.bind(updates.read("graph-triples"), {"graph_iri": graph_name})
            except UserError as exc:
                raise StoreError(f"not an IRI: {name!r}") from exc
            doc = self._select(query, None)
            for row in doc["results"]["bindings"]:
                graph.add((_term(row["s"]), _term(row["p"]), _term(row["o"])))
        return graph

    def _own(self, name: str) -> str:
        """One of the queries over this store's own graphs (``own-quads``, ``count-own-quads``)."""
        return binding.bind(updates.read(name), {"base_string": self.base, "union_iri": self.union})

    def dump_nquads(self) -> bytes:
        """Every quad of this store's graphs, sorted. Blank nodes keep the server's labels, which stay the
        same while the data does, so two dumps are equal exactly when nothing changed."""
        doc = self._select(self._own("own-quads"), None)
        dataset = RdfDataset()
        for row in doc["results"]["bindings"]:
            quad = (*(_term(row[v], normalize=False) for v in "spo"), URIRef(row["g"]["value"]))
            dataset.add(quad)  # type: ignore[arg-type]
        text = dataset.serialize(format="nquads", encoding="utf-8").decode("utf-8")
        return "\n".join(sorted(line for line in text.splitlines() if line)).encode("utf-8")

    def __len__(self) -> int:
        doc = self._select(self._own("count-own-quads"), None)
        return int(doc["results"]["bindings"][0]["n"]["value"])

    # -- the union graph ---------------------------------------------------------------------------

    def ensure_union(self) -> None:
        """A server loaded before the union graph existed (or by other tools) gets it now: once per store
        object, before its first query or write. Needs the update endpoint."""
        if self._union_ready:
            return
        with self._write_lock:
            if self._union_ready:
                return
            params = {
                "union_iri": self.union,
                "base_string": self.base,
                "history_string": self._union.history,
            }
            has_union = self._ask(binding.bind(updates.read("ask-union"), {"union_iri": self.union}))
            if not has_union and self._ask(binding.bind(updates.read("ask-current"), params)):
                try:
                    self._update(self._union.merge_all())
                except StoreError as exc:
                    raise StoreError(
                        f"the store has no union graph <{self.union}> yet (loaded by another tool or an "
                        f"older insatsgraf) and building it failed: {exc}. Give an update endpoint that "
                        "accepts this store's updates (#update=URL)."
                    ) from exc
            self._union_ready = True

    def _ask(self, sparql: str) -> bool:
        return bool(self._select(sparql, None).get("boolean"))

    # -- writing -----------------------------------------------------------------------------------

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None:
        """Replace each named graph by the given triples (``None`` or empty drops it); see the module doc."""
        if not graphs:
            return
        for name in graphs:
            if not _valid_iri(name):
                raise StoreError(f"not a graph IRI: {name!r}; nothing was changed")
            if str(name) == self.union:  # str(): rdflib's URIRef is never equal to a str
                raise StoreError(
                    f"<{name}> is derived from the other graphs and not written; nothing was changed"
                )
        graphs = updates.split_personal(graphs, self.base)
        self.ensure_union()
        with self._write_lock:
            mode = self.write_mode()
            if mode == "staged":
                self._replace_staged(graphs)
            elif mode == "direct":
                self._replace_directly(graphs)
            else:
                self._replace_in_one_update(graphs)

    def write_mode(self) -> str:
        if self.endpoints.writes:
            return self.endpoints.writes
        return "staged" if self.endpoints.graph_store or self._is_virtuoso() else "update"

    def _replace_in_one_update(self, graphs: Mapping[str, Graph | None]) -> None:
        self._update(self._union.replace(graphs))

    def _graph_store_url(self) -> str:
        if self.endpoints.graph_store:
            return self.endpoints.graph_store
        if self._is_virtuoso():
            # Virtuoso's Graph Store: /sparql → /sparql-graph-crud
            return f"{self.endpoints.query.split('?')[0].rstrip('/')}-graph-crud"
        raise StoreError(
            f"writes={self.write_mode()} needs a Graph Store endpoint: add store=URL to the spec "
            f"(for the Oxigraph server, {self.endpoints.query.rsplit('/', 1)[0]}/store)"
        )

    def _put(self, name: str, graph: Graph) -> None:
        """PUT one graph through the SPARQL 1.1 Graph Store HTTP Protocol."""
        store_url = self._graph_store_url()
        url = f"{store_url}?{urllib.parse.urlencode({'graph': name})}"
        body = updates.ntriples(graph).encode("utf-8")
        request = urllib.request.Request(
            url, data=body, method="PUT", headers={"Content-Type": "text/turtle; charset=utf-8"}
        )
        with self._http(store_url, "Graph Store PUT"):
            with urllib.request.urlopen(request, timeout=self.endpoints.timeout) as response:
                response.read()

    def _replace_staged(self, graphs: Mapping[str, Graph | None]) -> None:
        staging = {
            name: f"{STAGING_PREFIX}{uuid.uuid4()}"
            for name, graph in graphs.items()
            if graph is not None and len(graph)
        }
        try:
            for name, stage in staging.items():
                graph = graphs[name]
                assert graph is not None
                self._put(stage, graph)
        except StoreError as exc:
            self._drop_quietly(list(staging.values()))
            raise StoreError(f"{exc}; nothing was changed") from exc
        names = list(graphs)
        for start in range(0, len(names), SWAP_BATCH):
            ops: list[str] = []
            for name in names[start : start + SWAP_BATCH]:
                ops.extend(self._union.replace_one(name, staging.get(name)))
            try:
                self._update(" ;\n".join(ops))
            except StoreError as exc:
                self._drop_quietly([staging[n] for n in names[start:] if n in staging])
                batch = names[start : start + SWAP_BATCH]
                raise StoreError(
                    f"{exc}; {start} graph(s) before this swap were replaced, and a server that does not run"
                    f" a request as one transaction (Virtuoso) may have replaced some of: {', '.join(batch)}"
                ) from exc

    def _replace_directly(self, graphs: Mapping[str, Graph | None]) -> None:
        """PUT each graph in place (one request per graph, so not atomic across graphs): for bulk loads."""
        names = list(graphs)
        for index, name in enumerate(names):
            graph = graphs[name]
            current = self._union.is_current(name)
            unmerge = [self._union.unmerge(name)] if current else []
            try:
                if graph is not None and len(graph):
                    if current:
                        self._update(unmerge[0])
                    try:
                        self._put(name, graph)
                    except StoreError:
                        if current:  # a failed PUT changed nothing: put the old triples back in the union
                            self._quietly(self._union.merge(name))
                        raise
                    if current:
                        self._update(self._union.merge(name))
                else:
                    self._update(" ;\n".join([*unmerge, updates.drop(name)]))
            except StoreError as exc:
                done = "nothing was changed" if index == 0 else f"the first {index} graphs were replaced"
                raise StoreError(f"{exc}; {done} (writes=direct is not atomic)") from exc

    def _drop_quietly(self, names: list[str]) -> None:
        """Best-effort cleanup of staging graphs after a failure (the failure is what gets reported)."""
        if names:
            self._quietly(updates.drop_all(names))

    def _quietly(self, update: str) -> None:
        """A best-effort repair after a failure: the failure is what gets reported."""
        try:
            self._update(update)
        except StoreError:
            pass

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""
        return None


# -- helpers ---------------------------------------------------------------------------------------


_QUERY_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)


def query_form(sparql: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE: the first form keyword outside comments, strings and IRIs."""
    found = _QUERY_FORM.search(code_only(sparql))
    return found.group(1).upper() if found else "SELECT"  # no form at all: the server reports the error


def _add_dataset(wrapper: SPARQLWrapper, dataset: tuple[list[str], list[str]] | None) -> None:
    if dataset is None:
        return
    default, named = dataset
    for name in default:
        wrapper.addDefaultGraph(name)
    for name in named:
        wrapper.addNamedGraph(name)


def _server_message(exc: SPARQLWrapperException) -> str:
    """The server's own text out of a SPARQLWrapper exception (which keeps it only inside its message)."""
    text = str(exc)
    _, found, raw = text.partition("Response:\n")
    if not found:
        return text
    try:
        body = ast.literal_eval(raw.strip())
        message = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    except (ValueError, SyntaxError):
        message = raw
    # Virtuoso echoes the whole query after the message: keep the message.
    return message.split("\n\nSPARQL query:")[0].strip()


_STATUS = {
    "QueryBadFormed": 400,
    "Unauthorized": 401,
    "EndPointNotFound": 404,
    "URITooLong": 414,
    "EndPointInternalError": 500,
}
"""The HTTP status behind each SPARQLWrapper exception."""


def _status(exc: SPARQLWrapperException) -> str:
    name = type(exc).__name__
    return f"HTTP {_STATUS[name]}" if name in _STATUS else name


@contextmanager
def _refused_if_unplannable() -> Iterator[None]:
    """Virtuoso's cost model overflows ("SQ200") on ``GRAPH ?g`` patterns in a large ``UNION`` once a
    request names two graphs of its dataset, excluded ones too: such a query is refused, not run over the
    personal graphs. The catalogue's own queries (``/queries/{name}``) take the path without exclusions."""
    try:
        yield
    except StoreError as exc:
        if "SQ200" not in str(exc):
            raise
        raise PersonalDataHidden(
            "Virtuoso cannot evaluate this query's GRAPH patterns with the personal graphs left out (its "
            "cost model overflows, SQ200): split its UNION, or run a catalogue query as /queries/{name}"
        ) from exc


def _query_error(exc: SPARQLWrapperException, url: str) -> StoreError:
    message = _server_message(exc)
    if type(exc).__name__ == "QueryBadFormed":
        return QuerySyntaxError(message)
    return StoreError(f"the query failed at {url}: {_status(exc)} {message}")


def _body(exc: urllib.error.HTTPError) -> str:
    """The server's explanation: plain text as is, an HTML error page (Virtuoso's) reduced to its text."""
    try:
        text = exc.read().decode("utf-8", "replace")
    except OSError:
        return str(exc.reason or "")
    if "<html" in text[:200].lower():
        text = re.sub(r"(?s)<head>.*?</head>|<[^>]+>", " ", text)
    text = text.split("\n\nSPARQL query:")[0]
    return re.sub(r"\s+", " ", text).strip()[:2000]


_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _valid_iri(name: str) -> bool:
    return bool(name) and ":" in name and _IRI_FORBIDDEN.search(name) is None


_BOOLEAN = str(XSD.boolean)


def _canonical_term(term: Term) -> Term:
    """Virtuoso answers xsd:boolean as 1/0; the embedded store as true/false (the canonical form)."""
    if term.get("datatype") == _BOOLEAN and term["value"] in ("1", "0"):
        return {**term, "value": "true" if term["value"] == "1" else "false"}
    return term


def _term(term: Term, *, normalize: bool = True) -> URIRef | BNode | Literal:
    """A SPARQL-JSON term as rdflib's, with Virtuoso's ``nodeID://`` blank nodes and typed-literal folded in.

    ``normalize`` as rdflib's: on for ``graph()`` (the embedded store's ``from_ox`` normalises too), off for
    the dump, which like the embedded dump keeps the stored lexical form ("…Z", not "…+00:00")."""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(re.sub(r"[^A-Za-z0-9_-]", "", value.removeprefix("nodeID://")) or "b")
    term = _canonical_term(term)
    if "xml:lang" in term:
        return Literal(term["value"], lang=term["xml:lang"])
    datatype = term.get("datatype")
    if datatype and datatype != str(XSD.string):
        return Literal(term["value"], datatype=URIRef(datatype), normalize=normalize)
    return Literal(term["value"])


def _normalised_graph(graph: Graph) -> Graph:
    """xsd:string literals as plain ones, as the embedded store returns them (rdflib tells them apart)."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        elif isinstance(o, Literal) and o.datatype == XSD.boolean and str(o) in ("1", "0"):
            o = Literal("true" if str(o) == "1" else "false", datatype=XSD.boolean)
        out.add((s, p, o))
    return out
