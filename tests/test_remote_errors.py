"""Remote-store failures become clear errors naming the endpoint, and the spec string is parsed strictly."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.connect import open_store
from insatsgraf.sparql.remote import DEFAULT_TIMEOUT, Endpoints, SparqlStore
from insatsgraf.sparql.store import QuerySyntaxError, StoreError
from tests import servers
from tests.conftest import require_binary

BASE = Settings().base
GRAPH = iris.graph("catalogue", BASE)


def one_triple() -> Graph:
    graph = Graph()
    graph.add(
        (
            URIRef(iris.programme("komet", BASE)),
            URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
            Literal("Komet", lang="sv"),
        )
    )
    return graph


# -- the spec --------------------------------------------------------------------------------------


def test_spec_with_one_endpoint() -> None:
    endpoints = Endpoints.parse("sparql+http://127.0.0.1:8890/sparql")
    url = "http://127.0.0.1:8890/sparql"
    assert endpoints == Endpoints(url, url, None, DEFAULT_TIMEOUT)


def test_spec_with_update_store_and_timeout_in_the_fragment() -> None:
    spec = (
        "sparql+https://h.example/ds/query?x=1#update=https://h.example/ds/update"
        "&store=https://h.example/ds/data&timeout=7.5"
    )
    endpoints = Endpoints.parse(spec)
    assert endpoints.query == "https://h.example/ds/query?x=1"  # the fragment is never sent to the server
    assert endpoints.update == "https://h.example/ds/update"
    assert endpoints.graph_store == "https://h.example/ds/data"
    assert endpoints.timeout == 7.5


@pytest.mark.parametrize(
    "spec",
    [
        "sparql+http://h/q#updat=http://h/u",
        "sparql+http://h/q#timeout=soon",
        "sparql+ftp://h/q",
        "sparql+http://h/q#writes=fast",
    ],
)
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(StoreError):
        Endpoints.parse(spec)


@pytest.mark.remote
def test_open_store_hands_sparql_specs_to_the_remote_store(oxigraph_server: servers.RunningServer) -> None:
    store = open_store(Settings().with_(store=oxigraph_server.spec))
    assert isinstance(store, SparqlStore)
    assert store.endpoints.query == oxigraph_server.query_url and store.base == BASE


def test_opening_an_unreachable_store_fails_at_once() -> None:
    url = f"http://127.0.0.1:{servers.free_port()}/sparql"
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint") as caught:
        open_store(Settings().with_(store=f"sparql+{url}"))
    assert url in str(caught.value)


# -- transport failures ------------------------------------------------------------------------------


def test_an_unreachable_endpoint_is_a_store_error_naming_it() -> None:
    url = f"http://127.0.0.1:{servers.free_port()}/sparql"
    store = SparqlStore.from_spec(f"sparql+{url}", probe=False)
    for attempt in (
        lambda: store.query("ASK {}"),
        store.graph_names,
        store.dump_nquads,
        lambda: store.replace_graphs({GRAPH: one_triple()}),
    ):
        with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint") as caught:
            attempt()
        assert url in str(caught.value)
        assert not isinstance(caught.value, QuerySyntaxError)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_server_that_does_not_answer_times_out(silent_port: int) -> None:
    store = SparqlStore.from_spec(f"sparql+http://127.0.0.1:{silent_port}/sparql#timeout=1", probe=False)
    with pytest.raises(StoreError, match="did not answer within 1 s"):
        store.query("ASK {}")


@pytest.mark.remote
def test_a_wrong_path_is_a_store_error_with_the_status(oxigraph_server: servers.RunningServer) -> None:
    url = oxigraph_server.query_url.replace("/query", "/no-such-endpoint")
    spec = f"sparql+{url}#update={oxigraph_server.update_url}"
    with pytest.raises(StoreError, match="no SPARQL endpoint at") as at_open:
        SparqlStore.from_spec(spec)
    store = SparqlStore.from_spec(spec, probe=False)
    with pytest.raises(StoreError) as at_query:
        store.query("ASK {}")
    for caught in (at_open, at_query):
        assert url in str(caught.value) and "404" in str(caught.value)
        assert not isinstance(caught.value, QuerySyntaxError)


class _WebPage(http.server.BaseHTTPRequestHandler):
    """Answers every request with 200 and an HTML page, as a web server at a mistyped URL might."""

    def _page(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _page

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_page() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def test_an_answer_that_is_not_sparql_json_is_a_store_error(web_page: str) -> None:
    store = SparqlStore.from_spec(f"sparql+{web_page}")
    with pytest.raises(StoreError, match="did not answer with SPARQL JSON") as caught:
        store.query("ASK {}")
    assert web_page in str(caught.value)


@pytest.mark.remote
def test_syntax_errors_carry_the_servers_message(oxigraph_server: servers.RunningServer) -> None:
    store = SparqlStore.from_spec(oxigraph_server.spec)
    with pytest.raises(QuerySyntaxError, match="error at 1:"):  # Oxigraph's parser: "error at line:column"
        store.query("SELECT ?s WHERE { ?s ?p }")


# -- write modes -------------------------------------------------------------------------------------


@pytest.mark.remote
def test_staged_writes_through_a_named_graph_store(oxigraph_server: servers.RunningServer) -> None:
    """``#store=`` forces staged writes (Graph Store PUT, then DROP/MOVE) on any server."""
    base_url = oxigraph_server.query_url.removesuffix("/query")
    store = SparqlStore.from_spec(f"{oxigraph_server.spec}&store={base_url}/store")
    servers.clear(store)
    store.replace_graphs({GRAPH: one_triple()})
    assert store.graph_names() == [GRAPH]
    assert len(store.graph(GRAPH)) == 1
    union = iris.union_graph(store.base)  # the store's union graph (tests/test_remote_union.py)
    assert all_graphs_on(oxigraph_server) == sorted([GRAPH, union])  # the staging graph was moved, not copied
    store.replace_graphs({GRAPH: None})
    assert store.graph_names() == []
    assert all_graphs_on(oxigraph_server) == []


def all_graphs_on(server: servers.RunningServer) -> list[str]:
    """Every named graph on the server, asked without the store's dataset restriction."""
    query = urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}).encode()
    request = urllib.request.Request(
        server.query_url, data=query, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        doc = json.load(response)
    return sorted(row["g"]["value"] for row in doc["results"]["bindings"])


def spec_with(server: servers.RunningServer, **options: str) -> str:
    """The server's spec with more fragment options (the Oxigraph server's Graph Store is /store)."""
    fragment = "&".join(f"{k}={v}" for k, v in options.items())
    return f"{server.spec}{'&' if '#' in server.spec else '#'}{fragment}"


@pytest.mark.remote
@pytest.mark.parametrize("server_fixture", ["oxigraph_server", "virtuoso_server"])
def test_direct_writes_replace_graph_by_graph(request: pytest.FixtureRequest, server_fixture: str) -> None:
    server: servers.RunningServer = request.getfixturevalue(server_fixture)
    options = {"writes": "direct"}
    if server.name == "oxigraph":
        options["store"] = server.query_url.replace("/query", "/store")
    store = SparqlStore.from_spec(spec_with(server, **options))
    servers.clear(store)
    big = Graph()
    for i in range(5000):
        big.add((URIRef(iris.programme(f"p{i}", BASE)), URIRef("urn:p"), Literal(f"nummer {i}")))
    other = iris.graph("organisations", BASE)
    store.replace_graphs({GRAPH: big, other: one_triple()})
    assert store.graph_names() == sorted([GRAPH, other])
    assert len(store) == 5001
    store.replace_graphs({GRAPH: one_triple(), other: None})
    assert store.graph_names() == [GRAPH]
    assert len(store.graph(GRAPH)) == 1


@pytest.mark.remote
def test_graph_store_writes_need_a_graph_store(oxigraph_server: servers.RunningServer) -> None:
    store = SparqlStore.from_spec(spec_with(oxigraph_server, writes="staged"))
    servers.clear(store)
    with pytest.raises(StoreError, match="needs a Graph Store endpoint: add store=URL"):
        store.replace_graphs({GRAPH: one_triple()})
    assert store.graph_names() == []


@pytest.mark.remote
def test_one_update_is_too_big_for_virtuoso(virtuoso_server: servers.RunningServer) -> None:
    """Why Virtuoso gets staged writes: it refuses an update text of a few thousand triples."""
    store = SparqlStore.from_spec(spec_with(virtuoso_server, writes="update"))
    servers.clear(store)
    store.replace_graphs({GRAPH: one_triple()})
    big = Graph()
    for i in range(5000):
        big.add((URIRef(iris.programme(f"p{i}", BASE)), URIRef("urn:p"), Literal(f"nummer {i}")))
    before = store.dump_nquads()
    with pytest.raises(StoreError, match="refused the update") as caught:
        store.replace_graphs({GRAPH: big})
    assert "Virtuoso" in str(caught.value) and virtuoso_server.query_url in str(caught.value)
    assert store.dump_nquads() == before  # refused while compiling: nothing ran


@pytest.fixture(scope="module")
def virtuoso_with_small_limit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningServer]:
    require_binary("virtuoso-t")
    require_binary("isql-vt")
    with servers.virtuoso_server(tmp_path_factory.mktemp("virtuoso-small"), max_rows=5) as server:
        yield server


@pytest.mark.remote
def test_virtuoso_row_limit_is_an_error_not_a_short_answer(
    virtuoso_with_small_limit: servers.RunningServer,
) -> None:
    store = SparqlStore.from_spec(virtuoso_with_small_limit.spec)
    graph = Graph()
    for i in range(8):
        graph.add((URIRef(iris.programme(f"p{i}", BASE)), URIRef("urn:p"), Literal(i)))
    store.replace_graphs({GRAPH: graph})
    assert len(store.query("SELECT ?s WHERE { ?s <urn:p> ?o } LIMIT 4").rows) == 4
    with pytest.raises(StoreError, match="ResultSetMaxRows"):
        store.query("SELECT ?s WHERE { ?s <urn:p> ?o }")


def test_servers_report_a_missing_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers.shutil, "which", lambda name: None)
    with pytest.raises(servers.ServerError, match="virtuoso-opensource"):
        with servers.virtuoso_server(tmp_path):
            pass
