"""The organisation page (``/charts/organisation/{id}``, ``insatsgraf report --org``): its bars are the queries'
numbers, figures sit beside the county's and the comparison group's, districts roll up, the report stands alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app as cli_app
from insatsgraf.config import Settings
from insatsgraf.publication import organisation_charts
from insatsgraf.sparql.embedded import OxigraphStore

SETTINGS = Settings()
runner = CliRunner()
BAR = re.compile(r'<rect class="bar"[^>]*data-label="([^"]*)" data-value="([^"]*)"')


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load(SETTINGS.queries_dir)


@pytest.fixture(scope="module")
def client(example_store: OxigraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(SETTINGS.with_(store="memory:"), example_store)) as c:
        yield c


def _section(html: str, section: str) -> list[tuple[str, float]]:
    start = html.index(f'<section id="{section}"')
    end = html.index("</section>", start)
    return [(label, float(value)) for label, value in BAR.findall(html[start:end])]


def test_the_offerings_bars_count_the_profile_querys_offerings(
    client: TestClient, example_store: OxigraphStore, catalogue: Catalogue
) -> None:
    html = client.get("/charts/organisation/0580").text
    rows = catalogue.run(example_store, "municipality-profile", {"org": "0580"}).table()
    levels = {r["conceptLabel"] for r in rows if r["property"].endswith("#preventionLevel")}
    expected = {
        (label, float(len({r["offering"] for r in rows if r["conceptLabel"] == label}))) for label in levels
    }
    assert expected and expected <= set(_section(html, "offerings"))


def test_figures_stand_beside_the_comparison_groups(client: TestClient) -> None:
    bars = _section(client.get("/charts/organisation/0580").text, "figures")
    assert ("Linköping", 776.0) in bars and ("R9", 876.0) in bars  # family homes 2019: the review's figures


def test_ended_according_to_plan_shows_each_year(client: TestClient) -> None:
    bars = _section(client.get("/charts/organisation/Linköping").text, "ended")
    assert ("2019", 85.0) in bars and ("2020", round(100 * 39 / 45, 1)) in bars  # neglect: 17/20, 39/45


def test_per_capita_bars_for_the_county_with_the_rolled_up_municipality(
    client: TestClient, example_store: OxigraphStore, catalogue: Catalogue
) -> None:
    html = client.get("/charts/organisation/0180-bromma").text
    rows = catalogue.run(
        example_store, "decided-interventions-per-1000", {"county": "Stockholms län", "period": "2017"}
    ).table()
    bars = dict(_section(html, "per-capita"))
    assert bars and len(bars) == len(rows)
    assert bars["Stockholm (stadsdelar / districts)"] == pytest.approx(
        1000 * (231 + 99 + 126) / (16500 + 19800 + 21000), abs=0.05
    )
    assert bars["Bromma stadsdelsförvaltning"] == 5.0  # 99 / 19 800


def test_an_unknown_organisation_is_a_400_naming_the_closest(client: TestClient) -> None:
    r = client.get("/charts/organisation/Linkopingg")
    assert r.status_code == 400 and r.json()["error"] == "unknown-value"


def test_sections_are_small_functions_one_more_is_one_more_entry(
    example_store: OxigraphStore, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    def extra(ctx: organisation_charts.Context) -> organisation_charts.Section:
        bar = organisation_charts.Bar("x", 1.0)
        return organisation_charts.Section(
            "extra", "Extra", "Extra", "", "", [organisation_charts.BarGroup("g", [bar])]
        )

    monkeypatch.setattr(organisation_charts, "SECTIONS", [*organisation_charts.SECTIONS, extra])
    page = organisation_charts.build_page(example_store, catalogue, "0580")
    assert [s.id for s in page.sections][-1] == "extra"
    assert 'id="extra"' in organisation_charts.render_html(page)


def test_report_org_writes_one_standalone_page(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert runner.invoke(cli_app, ["load", "--store", str(store)]).exit_code == 0
    out = tmp_path / "linkoping.html"
    result = runner.invoke(cli_app, ["report", "--org", "0580", "--store", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html and 'href="/' not in html and 'src="' not in html
    assert ("R9", 876.0) in _section(html, "figures")
    bad = runner.invoke(cli_app, ["report", "--org", "9999", "--store", str(store), "--out", str(out)])
    assert bad.exit_code == 2 and "9999" in bad.stderr
