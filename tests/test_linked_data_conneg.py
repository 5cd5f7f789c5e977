"""Dereferenceable IRIs: /id/… answers with content negotiation, /doc/….{ext} with one format each."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from insatsgraf.api import create_app
from insatsgraf.api.linked_data import HTML, RDF_FORMATS, RESOURCE_FORMATS, negotiate
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.publication.describe import NotDescribable, resource_iri
from tests.linked_data_fixtures import gnesta_store

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
BASE = Settings().base
KOMET = URIRef(iris.programme("komet", BASE))
IG = iris.IG


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings().with_(store="memory:")
    with TestClient(create_app(settings, gnesta_store(settings))) as c:
        yield c


def parse(body: bytes, fmt: str) -> Graph:
    return Graph().parse(data=body, format=fmt)


def test_turtle_on_a_programme_iri_returns_its_triples_and_the_offerings_pointing_at_it(
    client: TestClient,
) -> None:
    r = client.get("/id/programme/komet", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    assert "Accept" in [v.strip() for v in r.headers["vary"].split(",")]
    assert r.headers["content-location"] == "/doc/programme/komet.ttl"
    graph = parse(r.content, "turtle")
    assert (KOMET, SKOS.prefLabel, Literal("Komet", lang="sv")) in graph
    offering = URIRef(iris.offering("0461", "komet-3-11", BASE))
    variant = URIRef(iris.offering("0461", "komet-kort", BASE))
    assert (offering, IG.implements, KOMET) in graph
    assert (variant, IG.variantOf, KOMET) in graph
    assert set(graph.subjects()) == {KOMET, offering, variant}, "only the resource and what points at it"


def test_every_rdf_format_carries_the_same_description(client: TestClient) -> None:
    graphs = {}
    for fmt, rdflib_name in (
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ):
        r = client.get("/id/programme/komet", headers={"Accept": fmt})
        assert r.status_code == 200 and r.headers["content-type"].startswith(fmt)
        graphs[fmt] = parse(r.content, rdflib_name)
    first = graphs.pop("text/turtle")
    assert len(first) > 10
    for fmt, graph in graphs.items():
        assert isomorphic(first, graph), fmt


def test_a_browser_gets_a_readable_page_with_the_offerings_and_their_organisations(
    client: TestClient,
) -> None:
    r = client.get("/id/programme/komet", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-location"] == "/doc/programme/komet.html"
    html = r.text
    assert "<h1>" in html and 'lang="sv">Komet</span>' in html and "Komet parenting programme" in html
    offerings = html.split('id="offerings"')[1].split("</section>")[0]
    assert '<a href="/id/offering/0461/komet-3-11">Komet 3-11 år</a>' in offerings
    assert '<a href="/id/offering/0461/komet-kort">Komet kort</a>' in offerings
    assert offerings.count('<a href="/id/organisation/0461">Gnesta</a>') == 2
    assert "Erbjudanden" in offerings and "Offerings" in offerings and "(2)" in offerings
    assert 'id="incoming"' not in html, "the offerings are listed once, not again under Referenced by"
    # relations are links: the target group concept under the base becomes a local link with its labels
    assert '<a href="/id/concept/target-group/parents">Föräldrar / Parents</a>' in html
    # the alternates are advertised in the page and in the Link header
    assert '<link rel="alternate" type="text/turtle" href="/doc/programme/komet.ttl">' in html
    assert '</doc/programme/komet.jsonld>; rel="alternate"; type="application/ld+json"' in r.headers["link"]


def test_an_organisation_page_lists_its_offerings_and_their_programmes(client: TestClient) -> None:
    r = client.get("/id/organisation/0461", headers={"Accept": "text/html"})
    assert r.status_code == 200
    offerings = r.text.split('id="offerings"')[1].split("</section>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", offerings, flags=re.S)[1:]
    assert len(rows) == 3
    assert sum('<a href="/id/programme/komet">Komet</a>' in row for row in rows) == 2
    local = [row for row in rows if "Läsfixarna" in row]
    assert len(local) == 1 and "lokal insats" in local[0]


def test_curl_default_accept_gets_turtle(client: TestClient) -> None:
    r = client.get("/id/programme/komet", headers={"Accept": "*/*"})
    assert r.headers["content-type"].startswith("text/turtle")
    assert (KOMET, SKOS.notation, Literal("komet")) in parse(r.content, "turtle")


def test_doc_urls_serve_one_format_without_negotiating(client: TestClient) -> None:
    negotiated = client.get("/id/programme/komet", headers={"Accept": "application/ld+json"})
    doc = client.get("/doc/programme/komet.jsonld", headers={"Accept": "text/html"})
    assert doc.status_code == 200 and doc.headers["content-type"].startswith("application/ld+json")
    assert "Accept" not in doc.headers.get("vary", "")
    assert isomorphic(parse(doc.content, "json-ld"), parse(negotiated.content, "json-ld"))
    html = client.get("/doc/programme/komet.html", headers={"Accept": "text/turtle"})
    assert html.headers["content-type"].startswith("text/html")
    assert client.get("/doc/programme/komet.exe").status_code == 404
    assert client.get("/doc/programme/komet").status_code == 404


def test_unknown_iri_is_404_in_the_negotiated_form(client: TestClient) -> None:
    r = client.get("/id/programme/no-such-programme", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.json()["error"] == "not-found"
    assert "no-such-programme" in r.json()["message"]["en"]
    page = client.get("/id/programme/no-such-programme", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and "Hittades inte" in page.text and "Not found" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "programme/komet%3E%20%3Fs",
        "programme/%7B%7D",
        "programme/..%2F..%2Fsparql",
        "programme/.hidden",
        "Programme/komet",
        "programme/komet%20x",
    ],
)
def test_paths_that_cannot_be_minted_iris_are_404_and_never_reach_the_query(
    client: TestClient, path: str
) -> None:
    r = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert r.json()["error"] == "not-found"


def test_resource_iri_accepts_only_slug_paths() -> None:
    assert resource_iri(BASE, "programme/komet") == f"{BASE}id/programme/komet"
    assert resource_iri(BASE, "organisation/0180-bromma") == f"{BASE}id/organisation/0180-bromma"
    for bad in ("programme/komet>", "programme/a b", "../x", "programme/../catalog", 'programme/"x', ""):
        with pytest.raises(NotDescribable):
            resource_iri(BASE, bad)


def test_a_refused_type_is_never_served_even_when_star_accepts_it(client: TestClient) -> None:
    """Regression (issue 10): ``text/turtle;q=0, */*`` got Turtle from /id/ (the most specific range decides)."""
    for path in ("/id/programme/komet", "/def", "/catalog"):
        r = client.get(path, headers={"Accept": "text/turtle;q=0, */*"})
        assert r.status_code == 200, path
        assert not r.headers["content-type"].startswith("text/turtle"), path
    sparql = client.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 1"},
        headers={"Accept": "text/turtle;q=0, */*"},
    )
    assert sparql.headers["content-type"].startswith("application/n-triples")


def test_unacceptable_media_type_is_406_with_the_alternatives(client: TestClient) -> None:
    r = client.get("/id/programme/komet", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.json()["available"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        (BROWSER_ACCEPT, "text/html"),
        ("application/ld+json;q=0.5, text/turtle;q=0.4", "application/ld+json"),
        ("text/*", "text/turtle"),
        ("text/html;q=0, */*", "text/turtle"),
        ("application/json", "application/ld+json"),
        ("text/turtle;q=0", None),
        ("text/turtle;q=0, */*", "text/html"),
    ],
)
def test_negotiate_follows_q_values_then_specificity_then_server_order(
    accept: str | None, expected: str | None
) -> None:
    chosen = negotiate(accept, RESOURCE_FORMATS)
    assert (chosen.media_type if chosen else None) == expected
    assert HTML in RESOURCE_FORMATS and set(RDF_FORMATS) < set(RESOURCE_FORMATS)


def test_a_deployment_base_is_served_at_the_same_paths() -> None:
    """With INSATSGRAF_BASE=http://testserver/ the published IRIs resolve on this very service."""
    settings = Settings().with_(base="http://testserver/", store="memory:")
    with TestClient(create_app(settings, gnesta_store(settings))) as c:
        r = c.get("/id/programme/komet", headers={"Accept": "text/turtle"})
        assert r.status_code == 200
        graph = parse(r.content, "turtle")
        komet = URIRef("http://testserver/id/programme/komet")
        assert (komet, SKOS.notation, Literal("komet")) in graph
        offering = URIRef("http://testserver/id/offering/0461/komet-3-11")
        assert (offering, IG.implements, komet) in graph
        described = parse(
            c.get("/id/offering/0461/komet-3-11", headers={"Accept": "text/turtle"}).content, "turtle"
        )
        assert described.value(offering, IG.offeredBy) == URIRef("http://testserver/id/organisation/0461")
        # every IRI in the description that is under the base resolves here too
        for iri in {str(t) for t in graph.all_nodes() if str(t).startswith("http://testserver/id/")}:
            assert c.get(iri, headers={"Accept": "text/turtle"}).status_code == 200, iri


def test_dataset_description_iris_dereference(client: TestClient) -> None:
    for path in ("catalog", "dataset/insatsgraf", "service/sparql", "distribution/ttl", "agent/insatsgraf"):
        r = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
        assert r.status_code == 200, path
        assert URIRef(f"{BASE}id/{path}") in set(parse(r.content, "turtle").subjects()), path
    page = client.get("/id/dataset/insatsgraf", headers={"Accept": "text/html"})
    assert "Insatskartläggning" in page.text
    assert "Befolkning och samhälle / Population and society" in page.text  # the SOCI theme, labelled


def test_concept_and_submission_iris_dereference(client: TestClient) -> None:
    concept = client.get("/id/concept/target-group/parents", headers={"Accept": "text/html"})
    assert concept.status_code == 200 and "Föräldrar" in concept.text and "Refereras av" in concept.text
    submission = client.get("/id/submission/0461/2019-03-01", headers={"Accept": "text/turtle"})
    assert submission.status_code == 200
    assert "0461-gnesta-2019.csv" in submission.text


def test_ontology_namespace_document_is_served_at_def(client: TestClient) -> None:
    ttl = client.get("/def", headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200
    graph = parse(ttl.content, "turtle")
    assert (
        IG.Offering,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("Offering", lang="en"),
    ) in graph
    page = client.get("/def", headers={"Accept": BROWSER_ACCEPT})
    assert '<tr id="Offering">' in page.text and "Lokalt erbjudande" in page.text
    # the programme page's type link goes there
    assert 'href="/def#Programme"' in client.get("/id/programme/komet", headers={"Accept": "text/html"}).text


def test_describe_refuses_an_iri_that_could_end_early() -> None:
    from insatsgraf.publication.describe import describe

    store = gnesta_store()
    with pytest.raises(NotDescribable):
        describe(store, BASE + "id/programme/komet> ?p ?o } #")


@pytest.mark.parametrize("path", ["/id/programme/komet", "/doc/programme/komet.ttl", "/def"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    get = client.get(path, headers={"Accept": "text/turtle"})
    head = client.head(path, headers={"Accept": "text/turtle"})
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""


def test_openapi_operation_ids_are_unique(client: TestClient) -> None:
    """Regression: GET+HEAD routes once shared one operation id (FastAPI warned, tools choke on it)."""
    spec = client.get("/openapi.json").json()
    ids = [
        op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op
    ]
    assert len(ids) == len(set(ids))
