"""The charts page: every bar and matrix cell says what the catalogue query says, over the API, the CLI
report and in a real browser; a county without data gets a page that says so.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app as cli_app
from insatsgraf.config import Settings
from insatsgraf.publication.charts import (
    DEFAULT_COUNTY,
    build_page,
    coverage_matrix,
    level_chart,
    level_svg,
    render_html,
)
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.results import QueryResult
from tests.conftest import require, require_binary

SVG = "{http://www.w3.org/2000/svg}"
COUNTIES = [DEFAULT_COUNTY, "Södermanlands län"]
NOWHERE = "Ingenstans län"
runner = CliRunner()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load(Settings().queries_dir)


@pytest.fixture(scope="module")
def client(example_store: OxigraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings().with_(store="memory:"), store=example_store)) as c:
        yield c


def expected_levels(store: OxigraphStore, catalogue: Catalogue, county: str) -> dict[tuple[str, str], int]:
    rows = catalogue.run(store, "prevention-level-counts", {"county": county}).table()
    return {(r["organisation"], r["level"]): int(r["offerings"]) for r in rows}


def expected_cells(store: OxigraphStore, catalogue: Catalogue, county: str) -> dict[tuple[str, str], int]:
    rows = catalogue.run(store, "coverage-matrix", {"county": county}).table()
    return {(r["organisation"], r["programme"]): int(r["offerings"]) for r in rows}


def svg_bars(svg_text: str) -> dict[tuple[str, str], int]:
    """(organisation, level) → data-count of every bar, read as XML (so the SVG must be well-formed)."""
    root = ET.fromstring(svg_text)
    bars: dict[tuple[str, str], int] = {}
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("class") == "bar":
            key = (rect.get("data-organisation", ""), rect.get("data-level", ""))
            assert key not in bars, f"two bars for {key}"
            bars[key] = int(rect.get("data-count", "-1"))
            assert rect.find(f"{SVG}title") is not None, "every bar has a tooltip"
    return bars


class PageReader(HTMLParser):
    """Collects the coverage-matrix cells of a charts page: (organisation, programme) → count or None."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.svg = ""
        self._org = ""
        self.cells: dict[tuple[str, str], int | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-organisation"):
            self._org = a["data-organisation"] or ""
        if tag == "td" and "cell" in (a.get("class") or "").split():
            count = a.get("data-count")
            self.cells[(self._org, a.get("data-programme") or "")] = int(count) if count else None


def read_page(html: str) -> PageReader:
    """The matrix cells, and the inline SVG exactly as written (it must parse as XML on its own)."""
    reader = PageReader()
    reader.feed(html)
    assert html.count("<svg") <= 1
    if "<svg" in html:
        reader.svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    return reader


# -- the model and the SVG ---------------------------------------------------------------------------


@pytest.mark.parametrize("county", COUNTIES)
def test_one_bar_per_organisation_and_level_with_the_querys_count(
    example_store: OxigraphStore, catalogue: Catalogue, county: str
) -> None:
    expected = expected_levels(example_store, catalogue, county)
    assert len({org for org, _ in expected}) >= 2, "the examples give this county at least two organisations"
    chart = level_chart(catalogue.run(example_store, "prevention-level-counts", {"county": county}))
    assert svg_bars(str(level_svg(chart))) == expected


def test_bar_lengths_follow_the_counts(example_store: OxigraphStore, catalogue: Catalogue) -> None:
    chart = level_chart(catalogue.run(example_store, "prevention-level-counts", {"county": DEFAULT_COUNTY}))
    root = ET.fromstring(str(level_svg(chart)))
    widths = {
        int(r.get("data-count", "0")): float(r.get("width", "0"))
        for r in root.iter(f"{SVG}rect")
        if r.get("class") == "bar"
    }
    small, big = min(widths), max(widths)
    assert small < big
    assert widths[big] / widths[small] == pytest.approx(big / small, rel=0.02)
    grid = [
        float(line.get("x1", "0")) for line in root.iter(f"{SVG}line") if line.get("x1") == line.get("x2")
    ]
    ends = [
        float(r.get("x", "0")) + float(r.get("width", "0"))
        for r in root.iter(f"{SVG}rect")
        if r.get("class") == "bar"
    ]
    assert max(ends) <= max(grid) + 0.1, "the axis reaches past the longest bar"


def test_levels_come_universal_selective_indicated_with_both_languages(
    example_store: OxigraphStore, catalogue: Catalogue
) -> None:
    chart = level_chart(catalogue.run(example_store, "prevention-level-counts", {"county": DEFAULT_COUNTY}))
    assert [lv.iri.rsplit("/", 1)[-1] for lv in chart.levels] == ["universal", "selective", "indicated"]
    assert [(lv.label_sv, lv.label_en) for lv in chart.levels] == [
        ("Universell", "Universal"),
        ("Selektiv", "Selective"),
        ("Indikerad", "Indicated"),
    ]
    root = ET.fromstring(str(level_svg(chart)))
    assert root.get("role") == "img"
    assert "Linköping" in (root.findtext(f"{SVG}desc") or "")


def test_labels_are_escaped_in_the_svg() -> None:
    org, level = (
        "https://example.org/org/1?a=1&b=2",
        "https://w3id.org/insatsgraf/id/concept/prevention-level/selective",
    )
    result = QueryResult(
        kind="select",
        vars=["organisation", "organisationLabel", "level", "levelLabel", "offerings"],
        rows=[
            {
                "organisation": {"type": "uri", "value": org},
                "organisationLabel": {"type": "literal", "value": "A & <B>"},
                "level": {"type": "uri", "value": level},
                "levelLabel": {"type": "literal", "value": "Selektiv"},
                "offerings": {"type": "literal", "value": "3"},
            }
        ],
    )
    svg = str(level_svg(level_chart(result)))
    assert svg_bars(svg) == {(org, level): 3}
    assert "A &amp; &lt;B&gt;" in svg


def test_the_matrix_has_the_querys_cells_and_empty_ones_elsewhere(
    example_store: OxigraphStore, catalogue: Catalogue
) -> None:
    expected = expected_cells(example_store, catalogue, DEFAULT_COUNTY)
    matrix = coverage_matrix(catalogue.run(example_store, "coverage-matrix", {"county": DEFAULT_COUNTY}))
    orgs = {o for o, _ in expected}
    programmes = {p for _, p in expected}
    assert {o.iri for o in matrix.organisations} == orgs and {p.iri for p in matrix.programmes} == programmes
    cells = read_page(render_html(build_page(example_store, catalogue, DEFAULT_COUNTY))).cells
    assert set(cells) == {(o, p) for o in orgs for p in programmes}, "a full organisation × programme grid"
    assert {k: v for k, v in cells.items() if v is not None} == expected
    assert any(v is None for v in cells.values()), "some organisation does not run some programme"


# -- GET /charts -------------------------------------------------------------------------------------


def test_get_charts_is_an_html_page_with_the_svg(
    client: TestClient, example_store: OxigraphStore, catalogue: Catalogue
) -> None:
    r = client.get("/charts", params={"county": "Södermanlands län"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = read_page(r.text)
    assert svg_bars(page.svg) == expected_levels(example_store, catalogue, "Södermanlands län")
    assert {k: v for k, v in page.cells.items() if v is not None} == expected_cells(
        example_store, catalogue, "Södermanlands län"
    )
    assert '<link rel="stylesheet" href="/static/charts.css">' in r.text
    assert client.get("/static/charts.css").status_code == 200
    assert 'href="/id/organisation/' in r.text, "organisations link to their pages on this service"


def test_get_charts_defaults_to_the_querys_default_county(client: TestClient) -> None:
    r = client.get("/charts")
    assert r.status_code == 200
    assert f"Diagram för {DEFAULT_COUNTY}" in r.text and "Linköping" in r.text


def test_an_unknown_county_gets_a_page_saying_there_is_no_data(client: TestClient) -> None:
    r = client.get("/charts", params={"county": NOWHERE})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f"Det finns inga uppgifter för {NOWHERE}" in r.text
    assert f"There is no data for {NOWHERE}" in r.text
    assert "<svg" not in r.text and 'class="heatmap"' not in r.text


def test_the_county_is_escaped_on_the_page(client: TestClient) -> None:
    r = client.get("/charts", params={"county": '<script>alert("x")</script> län'})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "&lt;script&gt;alert" in r.text


def test_home_and_navigation_link_to_the_charts(client: TestClient) -> None:
    assert 'href="/charts"' in client.get("/").text
    assert 'href="/charts"' in client.get("/browse/organisations").text


# -- insatsgraf report -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An on-disk store as `insatsgraf load --examples` leaves it."""
    path = tmp_path_factory.mktemp("charts") / "store"
    result = runner.invoke(cli_app, ["load", "--examples", "--store", str(path)])
    assert result.exit_code == 0, result.output
    return str(path)


def test_report_writes_one_standalone_file_with_the_charts(
    store_dir: str, tmp_path: Path, example_store: OxigraphStore, catalogue: Catalogue
) -> None:
    out = tmp_path / "tmp" / "report.html"
    result = runner.invoke(cli_app, ["report", "--store", store_dir, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    page = read_page(html)
    assert svg_bars(page.svg) == expected_levels(example_store, catalogue, DEFAULT_COUNTY)
    assert {k: v for k, v in page.cells.items() if v is not None} == expected_cells(
        example_store, catalogue, DEFAULT_COUNTY
    )
    assert "<style>" in html and "table.heatmap" in html, "the CSS is inline"
    assert 'href="/' not in html and 'src="' not in html, "nothing points at a server"


def test_report_to_stdout_for_another_county(store_dir: str) -> None:
    result = runner.invoke(
        cli_app, ["report", "--store", store_dir, "--county", "Södermanlands län", "--out", "-"]
    )
    assert result.exit_code == 0, result.output
    assert "Diagram för Södermanlands län" in result.stdout and "Gnesta" in result.stdout


def test_report_for_an_unknown_county_says_there_is_no_data(store_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "none.html"
    result = runner.invoke(cli_app, ["report", "--store", store_dir, "--county", NOWHERE, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Det finns inga uppgifter" in html and "There is no data" in html


def test_report_without_a_store_says_to_load_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = runner.invoke(cli_app, ["report", "--store", str(tmp_path / "missing"), "--out", str(out)])
    assert result.exit_code == 2
    assert "insatsgraf load" in result.stderr and "ingen databas" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


# -- a real browser ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_report_renders_in_chromium(store_dir: str, tmp_path: Path) -> None:
    """Bars are drawn with widths in proportion, the heat map's headers are readable, no script errors."""
    chromium = require_binary("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (pip install -e '.[test]')")
        raise
    out = tmp_path / "report.html"
    assert runner.invoke(cli_app, ["report", "--store", store_dir, "--out", str(out)]).exit_code == 0
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(out.as_uri())
            bars = page.locator("svg.chart rect.bar")
            drawn = [(int(b.get_attribute("data-count") or 0), b.bounding_box()) for b in bars.all()]
            assert drawn and all(box is not None and box["height"] > 0 for _, box in drawn)
            per_item = {round(box["width"] / n, 1) for n, box in drawn if box}  # type: ignore[index]
            assert max(per_item) - min(per_item) <= 0.2, "bar width is proportional to the count"
            header = page.locator("table.heatmap th.programme span").first.bounding_box()
            assert header is not None and header["height"] > header["width"], "programme labels run upwards"
            page.screenshot(path=str(tmp_path / "charts.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
