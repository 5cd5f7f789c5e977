"""The endpoint from real clients over a real socket: SPARQLWrapper and plain curl, every result format."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, TSV, TURTLE, XML, SPARQLWrapper

from insatsgraf.api import create_app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from tests.api_live import live_server
from tests.conftest import require_binary

PREFIXES = (
    "PREFIX ig: <https://w3id.org/insatsgraf/def#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)
SELECT = PREFIXES + (
    "SELECT ?p ?label WHERE { ?p a ig:Programme ; skos:prefLabel ?label "
    'FILTER(lang(?label) = "sv") } ORDER BY ?p'
)
CONSTRUCT = PREFIXES + "CONSTRUCT { ?p skos:prefLabel ?l } WHERE { ?p a ig:Programme ; skos:prefLabel ?l }"
ASK = PREFIXES + "ASK { ?p a ig:Programme }"
SRX = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def endpoint(bundled_store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tokens = tmp_path_factory.mktemp("live") / "tokens.json"
    with live_server(create_app(Settings(), bundled_store, tokens=tokens)) as url:
        yield f"{url}/sparql"


def expected(store: OxigraphStore) -> list[tuple[str, str]]:
    return [(r["p"], r["label"]) for r in store.query(SELECT).table()]


def wrapper(endpoint: str, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setOnlyConneg(True)
    sparql.setMethod(method)
    return sparql


# -- SPARQLWrapper -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(endpoint: str, bundled_store: OxigraphStore, method: str) -> None:
    doc = wrapper(endpoint, SELECT, JSON, method).queryAndConvert()
    got = [(b["p"]["value"], b["label"]["value"]) for b in doc["results"]["bindings"]]  # type: ignore[index]
    assert got == expected(bundled_store)


def test_sparqlwrapper_select_xml(endpoint: str, bundled_store: OxigraphStore) -> None:
    doc = wrapper(endpoint, SELECT, XML).queryAndConvert()  # a minidom Document
    results = doc.getElementsByTagName("result")  # type: ignore[union-attr]
    got = [
        (
            r.getElementsByTagName("uri")[0].firstChild.data,
            r.getElementsByTagName("literal")[0].firstChild.data,
        )
        for r in results
    ]
    assert got == expected(bundled_store)


@pytest.mark.parametrize(("fmt", "delimiter"), [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_select_csv_tsv(
    endpoint: str, bundled_store: OxigraphStore, fmt: str, delimiter: str
) -> None:
    body = wrapper(endpoint, SELECT, fmt).queryAndConvert()
    text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if fmt == TSV:
        assert rows[0] == ["?p", "?label"]
        got = [(p.strip("<>"), label.removesuffix("@sv").strip('"')) for p, label in rows[1:]]
    else:
        assert rows[0] == ["p", "label"]
        got = [(p, label) for p, label in rows[1:]]
    assert got == expected(bundled_store)


def test_sparqlwrapper_ask(endpoint: str) -> None:
    assert wrapper(endpoint, ASK, JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, N3, XML])
def test_sparqlwrapper_construct(endpoint: str, bundled_store: OxigraphStore, fmt: str) -> None:
    result = wrapper(endpoint, CONSTRUCT, fmt).query()
    converted = result.convert()
    if isinstance(converted, Graph):
        got = converted
    else:  # SPARQLWrapper hands back the bytes for Turtle and N3
        got = Graph().parse(data=converted, format={TURTLE: "turtle", N3: "turtle"}.get(fmt, "json-ld"))
    assert isomorphic(got, bundled_store.query(CONSTRUCT).graph)  # type: ignore[arg-type]


# -- curl ----------------------------------------------------------------------------------------


def curl(*args: str) -> tuple[int, str, bytes]:
    """Run curl; returns (status, content type, body)."""
    exe = require_binary("curl")
    out = subprocess.run(
        [exe, "-s", "-S", "-w", "\n%{http_code} %{content_type}", *args],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    body, _, meta = out.rpartition(b"\n")
    status, _, ctype = meta.decode().partition(" ")
    return int(status), ctype, body


@pytest.mark.parametrize(
    ("accept", "check"),
    [
        ("application/sparql-results+json", lambda b: len(json.loads(b)["results"]["bindings"])),
        ("application/sparql-results+xml", lambda b: len(list(ET.fromstring(b).iter(f"{SRX}result")))),
        ("text/csv", lambda b: len(b.decode().splitlines()) - 1),
        ("text/tab-separated-values", lambda b: len(b.decode().splitlines()) - 1),
    ],
)
@pytest.mark.parametrize("how", ["get", "post-form", "post-direct"])
def test_curl_select_each_format(
    endpoint: str, bundled_store: OxigraphStore, accept: str, check: object, how: str
) -> None:
    args = {
        "get": ["-G", "--data-urlencode", f"query={SELECT}"],
        "post-form": ["--data-urlencode", f"query={SELECT}"],
        "post-direct": ["-H", "Content-Type: application/sparql-query", "--data-binary", SELECT],
    }[how]
    status, ctype, body = curl("-H", f"Accept: {accept}", *args, endpoint)
    assert status == 200 and ctype.startswith(accept)
    assert check(body) == len(expected(bundled_store))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")],
)
def test_curl_construct_each_format(
    endpoint: str, bundled_store: OxigraphStore, accept: str, rdflib_format: str
) -> None:
    status, ctype, body = curl("-H", f"Accept: {accept}", "--data-urlencode", f"query={CONSTRUCT}", endpoint)
    assert status == 200 and ctype.startswith(accept)
    assert isomorphic(Graph().parse(data=body, format=rdflib_format), bundled_store.query(CONSTRUCT).graph)  # type: ignore[arg-type]


def test_curl_errors(endpoint: str, tmp_path: Path) -> None:
    status, ctype, body = curl("-G", "--data-urlencode", "query=SELECT WHERE", endpoint)
    assert status == 400 and ctype.startswith("application/json") and b"error at" in body
    status, _, _ = curl(
        "-H",
        "Content-Type: application/sparql-update",
        "--data-binary",
        "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
        endpoint,
    )
    assert status == 403
