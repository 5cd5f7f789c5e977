"""The catalogue API: the list, every query run over HTTP equals the library's answer, parameters, formats."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from insatsgraf.api import create_app
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore

CATALOGUE = Catalogue.load(Settings().queries_dir)


@pytest.fixture
def client(bundled_store: OxigraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), bundled_store, tokens=tmp_path / "tokens.json")) as c:
        yield c


def canonical(rows: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted(r.items())) for r in rows)


def test_list_has_every_query_with_titles_and_parameters(client: TestClient) -> None:
    listed = client.get("/queries").json()
    assert [q["name"] for q in listed] == CATALOGUE.names()
    for item in listed:
        query = CATALOGUE.get(item["name"])
        assert item["summary"] == query.summary and item["summary_sv"] == query.summary_sv
        assert [p["name"] for p in item["parameters"]] == [p.name for p in query.params]
        assert item["url"] == f"/queries/{query.name}"


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_every_query_over_http_equals_the_library(
    client: TestClient, bundled_store: OxigraphStore, name: str
) -> None:
    r = client.get(f"/queries/{name}")
    assert r.status_code == 200, r.text
    expected = CATALOGUE.run(bundled_store, name)
    doc = r.json()
    if expected.kind == "ask":
        assert doc["boolean"] == expected.boolean
        return
    assert doc["head"]["vars"] == expected.vars
    got = [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]]
    assert canonical(got) == canonical(expected.table())


def test_parameters_change_the_answer(client: TestClient, bundled_store: OxigraphStore) -> None:
    org = iris.organisation("0580", bundled_store.base)
    other = iris.organisation("0480", bundled_store.base)
    mine = client.get("/queries/municipality-profile", params={"org": org}).json()["results"]["bindings"]
    theirs = client.get("/queries/municipality-profile", params={"org": other}).json()["results"]["bindings"]
    assert len(mine) == len(CATALOGUE.run(bundled_store, "municipality-profile", {"org": org}).rows) > 0
    assert len(theirs) == len(CATALOGUE.run(bundled_store, "municipality-profile", {"org": other}).rows)
    assert mine != theirs


def test_new_values_are_checked_by_the_template_parse(
    client: TestClient, bundled_store: OxigraphStore
) -> None:
    """Issue 16: a catalogue query asked with values it was never asked with is not parsed again (rdflib's
    parse took 10–280 ms a text, most of such a request): the endpoint checks its template once
    (``sparql.parse.check_bound``), and the answers are the library's."""
    from insatsgraf.sparql.parse import check_query

    orgs = [iris.organisation(code, bundled_store.base) for code in ("0580", "0480", "0180", "1480")]
    client.get("/queries/municipality-profile", params={"org": orgs[0]})  # the template read (or already)
    before = check_query.cache_info()
    answers = [client.get("/queries/municipality-profile", params={"org": org}) for org in orgs[1:]]
    assert check_query.cache_info().misses == before.misses, "a bound text was parsed"
    for org, r in zip(orgs[1:], answers, strict=True):
        assert r.status_code == 200, r.text
        rows = r.json()["results"]["bindings"]
        assert len(rows) == len(CATALOGUE.run(bundled_store, "municipality-profile", {"org": org}).rows)


def test_query_answers_in_csv_and_tsv(client: TestClient, bundled_store: OxigraphStore) -> None:
    r = client.get("/queries/coverage-matrix", headers={"accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    expected = CATALOGUE.run(bundled_store, "coverage-matrix")
    assert table[0] == expected.vars
    assert sorted(table[1:]) == sorted([row.get(v, "") for v in expected.vars] for row in expected.table())
    t = client.get("/queries/coverage-matrix", headers={"accept": "text/tab-separated-values"})
    assert t.text.splitlines()[0].split("\t") == [f"?{v}" for v in table[0]]


def test_bad_parameter_is_400_unknown_query_is_404(client: TestClient) -> None:
    bad = client.get("/queries/municipality-profile", params={"org": "not an iri"})
    assert bad.status_code == 400 and bad.json()["error"] == "unknown-value", "no organisation of that name"
    assert bad.json()["message"]["sv"]
    bad = client.get("/queries/gaps-indicated-by-problem-area", params={"problem_area": "not an iri"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad-parameter"
    unknown = client.get("/queries/no-such-question")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown-query"


def test_openapi_documents_each_query_and_its_parameters(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for query in CATALOGUE:
        operation = spec["paths"][f"/queries/{query.name}"]["get"]
        assert operation["summary"] == query.summary
        documented = {p["name"] for p in operation.get("parameters", [])}
        assert documented == {p.name for p in query.params}
