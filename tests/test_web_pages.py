"""The HTML pages as HTML (the browser test drives them in Chromium): home, browse pages, static assets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from insatsgraf.api import create_app
from insatsgraf.api.web import without_header
from insatsgraf.catalogue.queries import CatalogueQuery
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from tests.linked_data_fixtures import gnesta_store

SETTINGS = Settings().with_(store="memory:")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(SETTINGS, gnesta_store(SETTINGS))) as c:
        yield c


def parseable_queries() -> list[CatalogueQuery]:
    out = []
    for path in sorted(SETTINGS.queries_dir.glob("*.rq")):
        try:
            out.append(CatalogueQuery.from_file(path))
        except UserError:
            continue
    return out


def test_home_page_has_yasgui_pointed_at_sparql_and_the_catalogue_as_tabs(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<script src="/static/yasgui/yasgui.min.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/yasgui/yasgui.min.css">' in html
    assert "http" + "s://cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    data = json.loads(
        re.search(
            r'<script id="catalogue-queries" type="application/json">(.*?)</script>', html, flags=re.S
        ).group(1)
    )
    expected = parseable_queries()
    assert [t["name"] for t in data] == [q.name for q in expected] and len(expected) > 0
    for tab, query in zip(data, expected, strict=True):
        if all(p.default is not None or not p.required for p in query.params):
            assert tab["query"] == without_header(query.bind(None, base=SETTINGS.base)), query.name
        assert tab["query"].startswith("PREFIX ") and "#+" not in tab["query"], query.name
        assert "?_" not in tab["query"] or any(p.required and p.default is None for p in query.params)
    assert 'href="/browse/programmes"' in html and 'href="/browse/organisations"' in html


def test_the_home_script_points_yasgui_at_this_services_sparql_endpoint(client: TestClient) -> None:
    js = client.get("/static/insatsgraf-home.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert 'window.location.origin + "/sparql"' in js.text


def test_browse_programmes_counts_offerings_and_organisations(client: TestClient) -> None:
    r = client.get("/browse/programmes")
    assert r.status_code == 200
    row = re.search(r'<tr><td><a href="/id/programme/komet">Komet</a></td>.*?</tr>', r.text, flags=re.S)
    assert row is not None
    counts = re.findall(r'<td class="num">(\d+)</td>', row.group(0))
    assert counts == ["2", "1"]  # Gnesta's Komet and its own variant, one organisation
    assert r.text.count('<a href="/id/programme/') >= 48


def test_browse_organisations_links_each_organisation(client: TestClient) -> None:
    r = client.get("/browse/organisations")
    row = re.search(r'<tr><td><a href="/id/organisation/0461">Gnesta</a></td>.*?</tr>', r.text, flags=re.S)
    assert row is not None
    assert re.findall(r'<td class="num">(\d+)</td>', row.group(0)) == ["3", "1"]
    assert "Kommun" in row.group(0)


def test_static_assets_come_with_their_licence_and_no_path_escapes(client: TestClient) -> None:
    licence = client.get("/static/yasgui/LICENSE")
    assert licence.status_code == 200 and "MIT License" in licence.text
    assert "@triply/yasgui" in client.get("/static/yasgui/SOURCE.md").text
    for bad in ("/static/../config.py", "/static/%2e%2e/config.py", "/static/yasgui/missing.js"):
        assert client.get(bad).status_code == 404, bad


def test_a_tab_starts_after_the_header_and_keeps_later_comments() -> None:
    text = "# Why: a question\n#+ summary: x\n\n# more\nPREFIX ig: <x#>\n# inline note\nSELECT * {}\n"
    assert without_header(text) == "PREFIX ig: <x#>\n# inline note\nSELECT * {}\n"
    assert without_header("# only comments\n") == "# only comments\n"


def test_api_docs_are_served_from_the_vendored_swagger_ui(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert f"/static/swagger-ui/{asset}" in r.text
        assert client.get(f"/static/swagger-ui/{asset}").status_code == 200, asset
    assert "cdn.jsdelivr" not in r.text and "fastapi.tiangolo.com" not in r.text
    assert '"validatorUrl": null' in r.text and "'/openapi.json'" in r.text
    assert client.get("/openapi.json").status_code == 200
    assert "Apache License" in client.get("/static/swagger-ui/LICENSE").text
    assert "swagger-ui-dist" in client.get("/static/swagger-ui/SOURCE.md").text


def test_the_editor_reads_the_projects_prefixes_from_the_service(client: TestClient) -> None:
    prefixes = client.get("/prefixes.json").json()
    assert prefixes["ig"] == "https://w3id.org/insatsgraf/def#" and prefixes["id"] == f"{SETTINGS.base}id/"
    assert prefixes["skos"] == "http://www.w3.org/2004/02/skos/core#"
    js = client.get("/static/insatsgraf-home.js").text
    assert 'prefixCcApi: window.location.origin + "/prefixes.json"' in js
