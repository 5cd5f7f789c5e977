"""The HTML pages as HTML (the browser test drives them in Chromium): home, browse pages, static assets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from insatsgraf.api import create_app
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
            assert tab["query"] == query.bind(None, base=SETTINGS.base), query.name
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
