"""The SPARQL 1.1 Protocol endpoint: methods, formats, negotiation, dataset, errors, limits, CORS.

Status codes follow the W3C SPARQL 1.1 Protocol test suite (https://www.w3.org/2009/sparql/docs/tests/
data-sparql11/protocol/manifest): positive query tests answer 200 with the negotiated type, the
``bad_*`` tests 4xx. Expected answers are computed by the store itself, never written by hand.
"""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.media import negotiate
from insatsgraf.sparql.text import is_update

SRX = "{http://www.w3.org/2005/sparql-results#}"
PREFIXES = (
    "PREFIX ig: <https://w3id.org/insatsgraf/def#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)
SELECT = PREFIXES + (
    "SELECT ?p ?label WHERE { ?p a ig:Programme ; skos:prefLabel ?label "
    'FILTER(lang(?label) = "sv") } ORDER BY ?p'
)
CONSTRUCT = PREFIXES + "CONSTRUCT { ?p skos:prefLabel ?l } WHERE { ?p a ig:Programme ; skos:prefLabel ?l }"
ASK = PREFIXES + "ASK { ?p a ig:Programme }"


def client_for(store: OxigraphStore, tmp_path: Path, **limits: object) -> TestClient:
    app = create_app(Settings(), store, limits=ServiceLimits(**limits), tokens=tmp_path / "tokens.json")
    return TestClient(app)


@pytest.fixture
def client(bundled_store: OxigraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with client_for(bundled_store, tmp_path) as c:
        yield c


def expected_rows(store: OxigraphStore, query: str = SELECT) -> list[tuple[str, str]]:
    return [(r["p"], r["label"]) for r in store.query(query).table()]


# -- methods ---------------------------------------------------------------------------------------


def test_get_select_json_is_the_default(client: TestClient, bundled_store: OxigraphStore) -> None:
    r = client.get("/sparql", params={"query": SELECT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    doc = r.json()
    assert doc["head"]["vars"] == ["p", "label"]
    got = [(b["p"]["value"], b["label"]["value"]) for b in doc["results"]["bindings"]]
    assert got == expected_rows(bundled_store) and len(got) > 20
    assert doc["results"]["bindings"][0]["label"]["xml:lang"] == "sv"


def test_post_form_and_post_direct_give_the_get_answer(client: TestClient) -> None:
    by_get = client.get("/sparql", params={"query": SELECT}).json()
    by_form = client.post("/sparql", data={"query": SELECT})
    by_direct = client.post(
        "/sparql", content=SELECT.encode(), headers={"content-type": "application/sparql-query"}
    )
    assert by_form.status_code == by_direct.status_code == 200
    assert by_form.json() == by_direct.json() == by_get


# -- formats ---------------------------------------------------------------------------------------


def test_select_as_xml(client: TestClient, bundled_store: OxigraphStore) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": "application/sparql-results+xml"})
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    root = ET.fromstring(r.content)
    names = [v.get("name") for v in root.iter(f"{SRX}variable")]
    rows = [
        (
            res.find(f"{SRX}binding[@name='p']/{SRX}uri").text,
            res.find(f"{SRX}binding[@name='label']/{SRX}literal").text,
        )
        for res in root.iter(f"{SRX}result")
    ]
    assert names == ["p", "label"]
    assert rows == expected_rows(bundled_store)
    first = next(root.iter(f"{SRX}literal"))
    assert first.get("{http://www.w3.org/XML/1998/namespace}lang") == "sv"


def test_select_as_csv(client: TestClient, bundled_store: OxigraphStore) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    assert "\r\n" in r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["p", "label"]
    assert [tuple(row) for row in rows[1:]] == expected_rows(bundled_store)


def test_select_as_tsv_uses_ntriples_terms(client: TestClient, bundled_store: OxigraphStore) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": "text/tab-separated-values"})
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    lines = r.text.rstrip("\n").split("\n")
    assert lines[0] == "?p\t?label"
    expected = [f'<{p}>\t"{label}"@sv' for p, label in expected_rows(bundled_store)]
    assert lines[1:] == expected


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        ("application/sparql-results+json", lambda body: json.loads(body)["boolean"]),
        (
            "application/sparql-results+xml",
            lambda body: ET.fromstring(body).find(f"{SRX}boolean").text == "true",
        ),
        ("text/csv", lambda body: body.decode().split()[-1] == "true"),
        ("text/tab-separated-values", lambda body: body.decode().split()[-1] == "true"),
    ],
)
def test_ask_in_every_results_format(client: TestClient, accept: str, parse: object) -> None:
    yes = client.get("/sparql", params={"query": ASK}, headers={"accept": accept})
    no = client.get(
        "/sparql", params={"query": PREFIXES + "ASK { ?p a ig:NoSuchClass }"}, headers={"accept": accept}
    )
    assert yes.headers["content-type"].startswith(accept)
    assert parse(yes.content) is True  # type: ignore[operator]
    assert parse(no.content) is False  # type: ignore[operator]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_in_every_graph_format(
    client: TestClient, bundled_store: OxigraphStore, accept: str, rdflib_format: str
) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    got = Graph().parse(data=r.content, format=rdflib_format)
    expected = bundled_store.query(CONSTRUCT).graph
    assert expected is not None and len(expected) > 40
    assert isomorphic(got, expected)


def test_describe_as_turtle(client: TestClient, bundled_store: OxigraphStore) -> None:
    komet = iris.programme("komet")
    r = client.get("/sparql", params={"query": f"DESCRIBE <{komet}>"}, headers={"accept": "text/turtle"})
    got = Graph().parse(data=r.content, format="turtle")
    assert (URIRef(komet), None, None) in got
    assert isomorphic(got, bundled_store.query(f"DESCRIBE <{komet}>").graph)  # type: ignore[arg-type]


def test_accept_q_values_and_aliases_choose_the_format(client: TestClient) -> None:
    def media(accept: str, query: str = SELECT) -> str:
        return client.get("/sparql", params={"query": query}, headers={"accept": accept}).headers[
            "content-type"
        ]

    assert media("application/sparql-results+json;q=0.5, text/csv").startswith("text/csv")
    assert media("text/csv;q=0, */*").startswith("application/sparql-results+json")
    assert media("application/xml").startswith("application/sparql-results+xml")
    assert media("text/*;q=0.9, application/sparql-results+xml;q=0.8").startswith("text/csv")
    assert media("application/json", CONSTRUCT).startswith("application/ld+json")
    assert media("text/plain", CONSTRUCT).startswith("application/n-triples")


def test_negotiate_unit() -> None:
    offered = ["a/x", "a/y", "b/z"]
    assert negotiate(None, offered) == "a/x"
    assert negotiate("b/*", offered) == "b/z"
    assert negotiate("a/y;q=0.2, a/*;q=0.5", offered) == "a/x"
    assert negotiate("c/*", offered) is None
    assert negotiate("a/x;q=0", offered) is None


def test_no_acceptable_format_is_406(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.json()["offered"]


# -- bad requests (the W3C suite's bad_* tests) ----------------------------------------------------


def test_syntax_error_is_400_with_the_parser_message(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "bad-query"
    assert "error at 1:" in body["detail"] and body["detail"] in body["message"]["en"]


def test_several_query_parameters_are_400(client: TestClient) -> None:
    r = client.get("/sparql", params=[("query", ASK), ("query", ASK)])
    assert r.status_code == 400 and r.json()["error"] == "several-queries"
    r = client.post("/sparql", data={"query": [ASK, ASK]})
    assert r.status_code == 400 and r.json()["error"] == "several-queries"


def test_missing_query_is_400(client: TestClient) -> None:
    assert client.get("/sparql").json()["error"] == "no-query"
    assert client.get("/sparql").status_code == 400
    assert client.post("/sparql", data={"default-graph-uri": "http://x/"}).status_code == 400


def test_wrong_or_missing_media_type_is_415(client: TestClient) -> None:
    assert client.post("/sparql", content=ASK, headers={"content-type": "text/plain"}).status_code == 415
    assert client.post("/sparql", content=ASK).status_code == 415
    utf16 = client.post(
        "/sparql",
        content=ASK.encode("utf-16"),
        headers={"content-type": "application/sparql-query; charset=UTF-16"},
    )
    assert utf16.status_code == 415


def test_other_methods_are_405(client: TestClient) -> None:
    """W3C bad-query-method: PUT /sparql?query=ASK%20%7B%7D."""
    assert client.put("/sparql", params={"query": ASK}).status_code == 405
    assert client.delete("/sparql", params={"query": ASK}).status_code == 405


def test_form_body_without_its_media_type_is_415(client: TestClient) -> None:
    """W3C bad-query-missing-form-type: a url-encoded body sent without its Content-Type."""
    r = client.post("/sparql", content=b"query=ASK%20%7B%7D")
    assert r.status_code == 415 and r.json()["error"] == "unsupported-media-type"


def test_dataset_parameters_override_from(client: TestClient) -> None:
    """W3C query-multiple-dataset: the protocol's dataset wins over the query's FROM."""
    base = Settings().base
    query = PREFIXES + (
        f"SELECT (COUNT(?p) AS ?n) FROM <{iris.graph('organisations', base)}> WHERE {{ ?p a ig:Programme }}"
    )
    assert count(client, query, **{"default-graph-uri": iris.graph("catalogue", base)}) > 20


def test_non_utf8_body_is_400(client: TestClient) -> None:
    r = client.post(
        "/sparql", content=b"query=ASK {?s ?p '\xe5'}", headers={"content-type": "application/sparql-query"}
    )
    assert r.status_code == 400 and r.json()["error"] == "not-utf8"


@pytest.mark.parametrize("how", ["get-update", "form-update", "direct-update", "update-as-query"])
def test_updates_are_refused_and_change_nothing(fresh_store: OxigraphStore, tmp_path: Path, how: str) -> None:
    update = "PREFIX x: <http://example.org/> INSERT DATA { GRAPH x:g { x:a x:b x:c } }"
    before = fresh_store.dump_nquads()
    with client_for(fresh_store, tmp_path) as c:
        r = {
            "get-update": lambda: c.get("/sparql", params={"update": update}),
            "form-update": lambda: c.post("/sparql", data={"update": update}),
            "direct-update": lambda: c.post(
                "/sparql", content=update, headers={"content-type": "application/sparql-update"}
            ),
            "update-as-query": lambda: c.post("/sparql", data={"query": update}),
        }[how]()
    assert r.status_code == 403
    assert r.json()["error"] == "update-refused"
    assert fresh_store.dump_nquads() == before


def test_is_update_sees_through_prologue_and_comments() -> None:
    assert is_update("# c\nPREFIX a: <http://x/>\nBASE <http://y/>\n delete where { ?s ?p ?o }")
    assert is_update("WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert not is_update('SELECT * { ?s ?p "INSERT" }')
    assert not is_update("# INSERT\nASK {}")


def test_service_is_refused(client: TestClient) -> None:
    r = client.get(
        "/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"}
    )
    assert r.status_code == 400 and r.json()["error"] == "service-not-allowed"
    harmless = client.get("/sparql", params={"query": 'SELECT ?service { BIND("SERVICE" AS ?service) }'})
    assert harmless.status_code == 200


# -- dataset -------------------------------------------------------------------------------------

COUNT_PROGRAMMES = PREFIXES + "SELECT (COUNT(?p) AS ?n) WHERE { ?p a ig:Programme }"


def count(client: TestClient, query: str = COUNT_PROGRAMMES, **params: object) -> int:
    r = client.get("/sparql", params={"query": query, **params})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_uri_restricts_the_default_graph(client: TestClient) -> None:
    base = Settings().base
    everything = count(client)
    assert everything > 20
    assert count(client, **{"default-graph-uri": iris.graph("catalogue", base)}) == everything
    assert count(client, **{"default-graph-uri": iris.graph("organisations", base)}) == 0
    r = client.post(
        "/sparql", data={"query": COUNT_PROGRAMMES, "default-graph-uri": iris.graph("organisations", base)}
    )
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_named_graph_uri_limits_graph_patterns(client: TestClient) -> None:
    base = Settings().base
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    only = iris.graph("catalogue", base)
    r = client.get("/sparql", params={"query": query, "named-graph-uri": only})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [only]
    bad = client.get("/sparql", params={"query": query, "named-graph-uri": "not an iri"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad-graph-iri"


def test_from_in_the_query_is_honoured(client: TestClient) -> None:
    organisations = iris.graph("organisations", Settings().base)
    query = PREFIXES + f"SELECT (COUNT(?p) AS ?n) FROM <{organisations}> WHERE {{ ?p a ig:Programme }}"
    assert count(client, query) == 0


def test_history_graphs_are_not_in_the_default_graph(tmp_path: Path) -> None:
    store = OxigraphStore(None, base=Settings().base)
    history = iris.submission("0580", "2020-01-01", store.base)
    g = Graph()
    g.add((URIRef("http://example.org/old"), URIRef("http://example.org/p"), URIRef("http://example.org/o")))
    store.replace_graphs({history: g, iris.current_graph("0580", store.base): g})
    with client_for(store, tmp_path) as c:
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        assert count(c, query) == 1
        assert count(c, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == 2


# -- limits --------------------------------------------------------------------------------------


def test_row_limit_refuses_with_422_and_limit_pages(bundled_store: OxigraphStore, tmp_path: Path) -> None:
    with client_for(bundled_store, tmp_path, max_rows=5) as c:
        r = c.get("/sparql", params={"query": SELECT})
        assert r.status_code == 422
        assert r.json()["error"] == "too-many-rows" and r.json()["max_rows"] == 5
        assert "LIMIT" in r.json()["message"]["en"]
        assert len(c.get("/sparql", params={"query": SELECT + " LIMIT 5"}).json()["results"]["bindings"]) == 5
        assert c.get("/sparql", params={"query": CONSTRUCT}).status_code == 422


HEAVY_STREAM = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d }"
"""Four million rows on 2,000 triples: streamed, so the worker notices the timeout at its next row."""
HEAVY_AGGREGATE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . VALUES ?k { 1 2 3 4 5 6 7 8 9 10 } }"
"""One aggregate over forty million rows: a few seconds, uninterruptible inside Oxigraph."""


@pytest.fixture(scope="module")
def heavy_store() -> OxigraphStore:
    """2,000 triples, whatever the bundled data become, so the heavy queries cost the same every run."""
    store = OxigraphStore(None, base=Settings().base)
    g = Graph()
    for i in range(2000):
        g.add(
            (
                URIRef(f"http://example.org/s{i}"),
                URIRef("http://example.org/p"),
                URIRef(f"http://example.org/o{i}"),
            )
        )
    store.replace_graphs({"http://example.org/g": g})
    return store


@pytest.mark.parametrize("query", [HEAVY_STREAM, HEAVY_AGGREGATE], ids=["streamed", "aggregate"])
def test_query_timeout_is_503_and_the_endpoint_keeps_working(
    heavy_store: OxigraphStore, tmp_path: Path, query: str
) -> None:
    with client_for(heavy_store, tmp_path, query_timeout=0.5, max_rows=10**9) as c:
        started = time.monotonic()
        r = c.get("/sparql", params={"query": query})
        elapsed = time.monotonic() - started
        assert r.status_code == 503, r.text[:200]
        assert r.json()["error"] == "query-timeout"
        assert r.headers["retry-after"]
        assert elapsed < 3, "the answer must come at the timeout, not when the query ends"
        assert c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


# -- CORS ----------------------------------------------------------------------------------------


def test_cors_lets_browser_tools_query(client: TestClient) -> None:
    pre = client.options(
        "/sparql",
        headers={
            "origin": "https://yasgui.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] in ("*", "https://yasgui.example")
    assert "POST" in pre.headers["access-control-allow-methods"]
    r = client.get("/sparql", params={"query": ASK}, headers={"origin": "https://yasgui.example"})
    assert r.headers["access-control-allow-origin"] in ("*", "https://yasgui.example")


def test_relative_iris_resolve_against_the_endpoint(client: TestClient) -> None:
    """W3C protocol test query_content_type_construct: relative IRIs, as the Oxigraph server resolves them."""
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    r = client.post(
        "/sparql",
        content=query,
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/n-triples")
    base = str(client.base_url) + "/"
    assert r.text.strip() == f'<{base}s> <{base}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    own = client.get("/sparql", params={"query": "BASE <http://example.org/> SELECT (<x> AS ?x) {}"})
    assert (
        own.status_code == 200
        and own.json()["results"]["bindings"][0]["x"]["value"] == "http://example.org/x"
    )
