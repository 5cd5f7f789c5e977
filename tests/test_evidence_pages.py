"""Evidence on the pages: a programme page lists its assessments (and a chart of their crosswalk levels), the
RDF description links them, and ``/charts`` shows the share of each organisation's offerings that rest on an
assessed programme."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from insatsgraf.api import create_app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import evidence
from insatsgraf.submission.bundled import load_bundled

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
SETTINGS = Settings()
BASE = SETTINGS.base
OA_TARGET = URIRef("http://www.w3.org/ns/oa#hasTarget")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = OxigraphStore(None, base=BASE)
    load_bundled(store, SETTINGS, examples=True)
    evidence.import_file(store, SETTINGS, FIXTURES / "valid-three-registries.csv", today=date(2025, 6, 1))
    app = create_app(SETTINGS, store, tokens=tmp_path_factory.mktemp("t") / "tokens.json")
    with TestClient(app) as c:
        yield c


def section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert found, f"no section {name}"
    return found.group(1)


def test_a_programme_page_lists_its_assessments(client: TestClient) -> None:
    html = client.get("/id/programme/mst", headers={"Accept": "text/html"}).text
    part = section(html, "assessments")
    assert "(2)" in part  # Blueprints and Title IV-E
    assert "Model Plus" in part and "Well-supported" in part and "Stark" in part
    assert 'href="https://example.org/blueprints/mst"' in part
    assert 'href="/id/registry/blueprints"' in part
    assert part.count('class="bar"') == 2 and 'data-rank="4"' in part
    # the assessments are not repeated under "Referenced by"
    assert "/id/assessment/mst/" not in html.split('<section id="assessments">')[0]


def test_a_programme_without_assessments_says_so(client: TestClient) -> None:
    part = section(client.get("/id/programme/hedra", headers={"Accept": "text/html"}).text, "assessments")
    assert "(0)" in part and "No evidence assessment" in part and "<svg" not in part


def test_the_rdf_description_links_the_assessments_and_the_registry_page(client: TestClient) -> None:
    r = client.get("/id/programme/mst", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=r.text, format="turtle")
    mst = URIRef(f"{BASE}id/programme/mst")
    assert len(set(graph.subjects(OA_TARGET, mst))) == 2
    assert (mst, URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"), None) in graph
    one = next(iter(graph.subjects(OA_TARGET, mst)))
    assert client.get(str(one)[len(BASE) - 1 :], headers={"Accept": "text/turtle"}).status_code == 200


def test_the_charts_page_shows_the_share_of_assessed_offerings(client: TestClient) -> None:
    html = client.get("/charts", params={"county": "Södermanlands län"}).text
    part = section(html, "evidence-share")
    bars = re.findall(
        r'data-organisation="([^"]+)" data-percent="(\d+)" data-assessed="(\d+)" data-offerings="(\d+)"', part
    )
    assert bars, part[:500]
    for _org, percent, assessed, offerings in bars:
        assert int(percent) == round(100 * int(assessed) / int(offerings))
    by_org = {org.rsplit("/", 1)[-1]: int(assessed) for org, _p, assessed, _o in bars}
    assert by_org["0461"] >= 1  # Gnesta's example list runs Komet, rated by Title IV-E in the fixture


def test_the_organisation_page_shows_its_share_of_assessed_offerings(client: TestClient) -> None:
    html = client.get("/charts/organisation/0461").text
    start = html.index('<section id="evidence-share"')
    part = html[start : html.index("</section>", start)]
    bars = re.findall(r'<rect class="bar"[^>]*data-label="([^"]*)" data-value="([^"]*)"', part)
    charts = client.get("/charts", params={"county": "Södermanlands län"}).text
    shown = re.search(
        r'data-organisation="[^"]+/0461" data-percent="(\d+)"', section(charts, "evidence-share")
    )
    assert shown and bars == [("Gnesta", shown.group(1))]  # the same share as on /charts, one bar
