"""SERVICE is refused on the query's parse (issue 12): escapes that fooled the old text scan (``\\#`` read as a
comment, ``\\'`` as a quote) are still refused, and a local listener standing in for the remote endpoint
receives nothing. Both evaluation paths: the thread (in-memory store) and the worker processes (on disk).
"""

from __future__ import annotations

import platform
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.catalogue.queries import Catalogue, CatalogueQuery
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.parse import check_bound, check_query
from insatsgraf.sparql.store import Dataset, Limits, QueryIsUpdate, ServiceNotAllowed
from insatsgraf.sparql.workers import WorkerPool
from tests.conftest import require

PREFIX = "PREFIX ex: <http://example.org/>\n"


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def hostile_queries(port: int) -> list[str]:
    target = f"http://127.0.0.1:{port}/x"
    return [
        PREFIX + rf"SELECT * {{ VALUES ?x {{ ex:a\#b }} SERVICE <{target}> {{ ?s ?p ?o }} }}",
        PREFIX + rf"SELECT * {{ VALUES ?x {{ ex:a\'b }} SERVICE <{target}> {{ ?s ?p ?o }} }}",
        PREFIX + rf"SELECT * {{ ?s ?p ex:a\# . SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o OPTIONAL {{ FILTER EXISTS {{ SERVICE SILENT <{target}> {{ ?a ?b ?c }} }} }} }}",
        f"SELECT * {{ BIND(<{target}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
        f'SELECT * {{ BIND("\\u0022" AS ?x) SERVICE <{target}> {{ ?s ?p ?o }} }}',
        f"SELECT * {{ ?s ?p ?o }} # comment\nLIMIT 1 sErViCe <{target}> {{ }}",
    ]


@pytest.fixture(params=["memory", "disk"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    path = None if request.param == "memory" else tmp_path / "store"
    store = OxigraphStore(path, base=Settings().base)
    app = create_app(Settings(), store, limits=ServiceLimits(query_workers=2), tokens=tmp_path / "t.json")
    with TestClient(app) as c:
        yield c
    store.close()


def test_service_behind_escapes_is_refused_and_nothing_is_called(
    client: TestClient, listener: Listener
) -> None:
    for query in hostile_queries(listener.port):
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 400, (query, r.text)
        assert r.json()["error"] == "service-not-allowed", (query, r.text)
        post = client.post("/sparql", content=query, headers={"content-type": "application/sparql-query"})
        assert post.status_code == 400 and post.json()["error"] == "service-not-allowed"
    assert listener.received == []


def test_queries_that_only_mention_service_run(client: TestClient) -> None:
    for query in [
        'SELECT ?service { BIND("SERVICE" AS ?service) }',
        "SELECT * { ?s <http://example.org/service> ?o }",
        "# SERVICE <http://127.0.0.1:1/x> { }\nASK {}",
        "SELECT * { ?s ?p ?o } LIMIT 1",
    ]:
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 200, (query, r.text)


def test_updates_are_told_on_the_parse(client: TestClient) -> None:
    for query in [
        "# c\nPREFIX a: <http://x/>\nDELETE WHERE { ?s ?p ?o }",
        "INSERT DATA { <a:s> <a:p> <a:o> }",
    ]:
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 403 and r.json()["error"] == "update-refused"


def test_check_query_unit() -> None:
    with pytest.raises(ServiceNotAllowed):
        check_query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(QueryIsUpdate):
        check_query("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert check_query("SELECT * FROM <http://g/> { ?s ?p ?o }").names_dataset is True
    assert check_query('SELECT * { ?s ?p "FROM" }').names_dataset is False
    assert check_query("SELECT * { ?s ?p ?o LATERAL { ?s ?q ?r } }").names_dataset is None  # Oxigraph decides


@pytest.mark.parametrize("query", list(Catalogue.load(Settings().queries_dir)), ids=lambda q: q.name)
def test_a_catalogue_template_is_read_as_its_bound_text(query: CatalogueQuery) -> None:
    """Issue 16: the catalogue's routes check a query's template in place of each bound text
    (``check_bound``): rdflib reads every template, and reads it as the text bound with the defaults."""
    base = Settings().base
    template = check_query(query.template(base))
    assert template.names_dataset is not None, "rdflib cannot read the template"
    assert template == check_query(query.bind({}, base=base))


def test_check_bound_checks_the_text_when_the_template_is_unreadable() -> None:
    service = PREFIX + "SELECT * { SERVICE ex:s { ?a ?b ?c } }"
    with pytest.raises(ServiceNotAllowed):
        check_bound(service, "SELECT * WHERE {")
    assert check_bound(PREFIX + "SELECT * { GRAPH ?g { ?a ?b ?c } }", None).reads_named_graphs


@pytest.mark.parametrize(
    ("query", "reads"),
    [
        ("SELECT * { ?s ?p ?o }", False),
        ('SELECT * { ?s ?p "GRAPH ?g { }" } # GRAPH', False),  # the word alone is no pattern
        ("SELECT * { GRAPH ?g { ?s ?p ?o } }", True),
        ("SELECT * { GRAPH <urn:g> { ?s ?p ?o } }", True),
        ("SELECT * { ?s ?p ?o FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }", True),
        ("SELECT * { ?s ?p ?o MINUS { GRAPH ?g { ?s ?p ?o } } }", True),
        ("SELECT * { { SELECT ?s { GRAPH ?g { ?s ?p ?o } } } }", True),
        ('SELECT * { ?s ?p "\\u0041" . ?s ?q "graph" }', True),  # escapes and the word: cannot tell
        ("SELECT * { ?s ?p ?o LATERAL { ?s ?q ?r } }", True),  # not parsed: cannot tell
    ],
)
def test_only_graph_patterns_need_the_named_graphs_listed(query: str, reads: bool) -> None:
    """Issue 16: a store with personal graphs hands Oxigraph the list of the others only for a query that can
    reach a named graph (``Checked.reads_named_graphs``): the list made every query about 3× slower."""
    assert check_query(query).reads_named_graphs is reads


SANDBOXED_SERVICE = """
import sys
import pyoxigraph as ox
from insatsgraf.sparql.sandbox import deny_network
assert deny_network()
try:
    list(ox.Store().query("SELECT * { SERVICE <http://127.0.0.1:%s/x> { ?s ?p ?o } }"))
except OSError as exc:
    print("refused:", exc)
"""


def test_a_worker_cannot_connect_even_if_a_parser_misreads(listener: Listener, tmp_path: Path) -> None:
    """The second wall: in a sandboxed process pyoxigraph's SERVICE call fails and the listener gets nothing;
    the pool's workers run so."""
    import subprocess
    import sys

    require(platform.system() == "Linux" and platform.machine() in ("x86_64", "aarch64"), "seccomp filter")
    done = subprocess.run(
        [sys.executable, "-c", SANDBOXED_SERVICE % listener.port], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "ermission denied" in done.stdout
    assert listener.received == []

    store = OxigraphStore(tmp_path / "store", base=Settings().base)
    pool = WorkerPool(store, workers=1, memory_mb=512)
    try:
        assert pool.evaluate("ASK {}", Dataset(), Limits(5, time.monotonic() + 30)) is not None
        assert pool.sandboxed()
    finally:
        store.close()
