"""Figures as a Data Cube (``submission/statistics.py``): import, refusals with file/row/column, roll-up, queries.

The district table (``tests/fixtures/statistics/districts-0180-2017.csv``) holds three of Stockholm's
districts in one period: population 0–20, decided interventions, boys and girls. The rates below are
worked out by hand from that file; the query must return the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from typer.testing import CliRunner

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import cube
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import curated, statistics
from insatsgraf.submission.bundled import load_bundled

SETTINGS = Settings()
FIXTURES = Path(__file__).parent / "fixtures" / "statistics"
DISTRICTS = FIXTURES / "districts-0180-2017.csv"
CATALOGUE = Catalogue.load(SETTINGS.queries_dir)
ORG = f"{SETTINGS.base}id/organisation/"


@pytest.fixture(scope="module")
def store() -> Iterator[OxigraphStore]:
    """The bundled data (Linköping's figures included) plus the district table, imported once."""
    st = OxigraphStore(None, base=SETTINGS.base)
    load_bundled(st, SETTINGS)
    statistics.import_table(st, SETTINGS, DISTRICTS, source="Testtabell stadsdelar", day="2024-01-01")
    yield st
    st.close()


def _snapshot(store: OxigraphStore) -> dict[str, int]:
    return {name: len(store.graph(name)) for name in store.graph_names()}


def test_per_1000_returns_each_district_and_the_rolled_up_municipality(store: OxigraphStore) -> None:
    rows = CATALOGUE.run(store, "decided-interventions-per-1000", {"county": "Stockholm", "period": "2017"})
    got = {(r["organisation"].removeprefix(ORG), r["basis"]): r for r in rows.table()}
    # by hand: Bromma 140/20 000, Kungsholmen 50/12 500, Skarpnäck 90/10 000; Stockholm (no figure of its
    # own): (140 + 50 + 90) / (20 000 + 12 500 + 10 000) = 280 / 42 500
    expected = {
        ("0180-bromma", "own"): (140, 20000, 7.0),
        ("0180-kungsholmen", "own"): (50, 12500, 4.0),
        ("0180-skarpnack", "own"): (90, 10000, 9.0),
        ("0180", "districts"): (280, 42500, round(1000 * 280 / 42500, 1)),
    }
    assert set(got) == set(expected)
    for key, (decided, population, rate) in expected.items():
        assert float(got[key]["decided"]) == decided
        assert float(got[key]["population"]) == population
        assert float(got[key]["per1000"]) == pytest.approx(rate), key
    assert round(1000 * 280 / 42500, 1) == 6.6


def test_a_municipality_with_its_own_figure_is_not_rolled_up(store: OxigraphStore) -> None:
    table = b"org,period,measure,value,age_from,age_to\n0180,2017,decided-interventions,300,0,20\n"
    table += b"0180,2017,population,50000,0,20\n"
    scratch = OxigraphStore(None, base=SETTINGS.base)
    for name in store.graph_names():
        scratch.replace_graphs({name: store.graph(name)})
    statistics.import_table(scratch, SETTINGS, table, filename="own.csv", source="Egen")
    rows = CATALOGUE.run(scratch, "decided-interventions-per-1000", {"county": "Stockholm", "period": "2017"})
    stockholm = [r for r in rows.table() if r["organisation"] == f"{ORG}0180"]
    assert [(r["basis"], float(r["per1000"])) for r in stockholm] == [("own", 6.0)]


def test_share_of_boys_and_girls(store: OxigraphStore) -> None:
    rows = CATALOGUE.run(store, "share-boys-girls", {"county": "Stockholm", "period": "2017"}).table()
    bromma = next(r for r in rows if r["organisation"] == f"{ORG}0180-bromma")
    assert (float(bromma["boys"]), float(bromma["girls"])) == (90, 50)
    assert float(bromma["shareBoys"]) == pytest.approx(round(100 * 90 / 140, 1))
    assert float(bromma["shareGirls"]) == pytest.approx(round(100 * 50 / 140, 1))


def test_linkoping_figures_load_and_the_query_returns_2019_and_2020(store: OxigraphStore) -> None:
    rows = CATALOGUE.run(store, "ended-according-to-plan", {"org": "0580"}).table()
    assert {r["period"] for r in rows} == {"2019", "2020"}
    assert len(rows) == 12  # six problem areas, two years
    neglect = {r["period"]: r for r in rows if r["problemArea"].endswith("/neglect")}
    assert (neglect["2019"]["accordingToPlan"], neglect["2019"]["notAccordingToPlan"]) == ("17", "3")
    # The review: "7 % avslutades ej enligt plan 2019 och 5 % ej enligt plan 2020"
    for year, share in (("2019", 7), ("2020", 5)):
        planned = sum(float(r["accordingToPlan"]) for r in rows if r["period"] == year)
        unplanned = sum(float(r["notAccordingToPlan"]) for r in rows if r["period"] == year)
        assert round(100 * unplanned / (planned + unplanned)) == share


def test_waiting_times_reported_for_the_programme_itself(store: OxigraphStore) -> None:
    """Regression: the branch for a table naming the programme (no offering) never matched (a FILTER alone)."""
    table = b"org,period,measure,value,programme\n0580,2021,waiting-time,21,komet\n"
    scratch = OxigraphStore(None, base=SETTINGS.base)
    for name in store.graph_names():
        scratch.replace_graphs({name: store.graph(name)})
    statistics.import_table(scratch, SETTINGS, table, filename="wait.csv", source="Väntetider")
    rows = CATALOGUE.run(scratch, "waiting-times-for-programme", {"programme": "komet"}).table()
    own = [r for r in rows if r["organisation"] == f"{ORG}0580" and r["period"] == "2021"]
    assert [(r.get("offering"), float(r["days"])) for r in own] == [(None, 21.0)]


def test_cost_against_the_comparison_group(store: OxigraphStore) -> None:
    rows = CATALOGUE.run(store, "cost-per-inhabitant-comparison", {"org": "0580", "group": "R9"}).table()
    family = next(r for r in rows if r["measure"].endswith("/cost-per-inhabitant-family-homes"))
    assert (family["value"], family["groupValue"], family["groupBasis"]) == ("776", "876", "reported")
    net = next(r for r in rows if r["measure"].endswith("/cost-per-inhabitant") and r["period"] == "2019")
    assert net["value"] == "2427" and net["groupBasis"] == "none"


@pytest.mark.parametrize(
    ("name", "row", "column", "code"),
    [
        ("bad-duplicate.csv", 4, "value", "duplicate-observation"),
        ("bad-unknown-measure.csv", 3, "measure", "unknown-measure"),
        ("bad-not-a-number.csv", 3, "value", "not-a-number"),
        ("bad-period.csv", 3, "period", "bad-period"),
        ("bad-negative-population.csv", 2, "value", "negative-value"),
        ("bad-unknown-organisation.csv", 3, "org", "unknown-organisation"),
    ],
)
def test_a_bad_table_is_refused_with_file_row_and_column(
    store: OxigraphStore, name: str, row: int, column: str, code: str
) -> None:
    before = _snapshot(store)
    with pytest.raises(UserError) as caught:
        statistics.import_table(store, SETTINGS, FIXTURES / name)
    exc = caught.value
    assert (exc.file, exc.row, exc.column, exc.code) == (name, row, column, code)
    assert exc.sv and exc.en
    assert _snapshot(store) == before


def test_periods() -> None:
    assert statistics.parse_period("2019") == statistics.Period("2019", date(2019, 1, 1), date(2019, 12, 31))
    assert statistics.parse_period("2019-H1").notation == "2019-01-01/2019-06-30"  # type: ignore[union-attr]
    assert statistics.parse_period("2019-01-01/2019-12-31").notation == "2019"  # type: ignore[union-attr]
    assert statistics.parse_period("2020-02").notation == "2020-02-01/2020-02-29"  # type: ignore[union-attr]
    for bad in ("2017-13", "2019-12-31/2019-01-01", "nitton", "2019-02-30/2019-03-01", ""):
        assert statistics.parse_period(bad) is None, bad


def test_numbers() -> None:
    assert statistics.parse_number("1 234,5") == statistics.Decimal("1234.5")
    assert statistics.parse_number("12.5") == statistics.Decimal("12.5")
    assert statistics.parse_number("1,234.5") is None
    assert statistics.parse_number("tio") is None


def test_a_reimport_of_the_same_source_and_period_replaces_it(store: OxigraphStore) -> None:
    scratch = OxigraphStore(None, base=SETTINGS.base)
    for name in store.graph_names():
        scratch.replace_graphs({name: store.graph(name)})
    first = b"org,period,measure,value\n0580,2021,staff,12\n0581,2021,staff,20\n"
    second = b"org,period,measure,value\n0580,2021,staff,13\n"
    one = statistics.import_table(
        scratch, SETTINGS, first, filename="a.csv", source="Personalenkät", by="Ada"
    )
    two = statistics.import_table(scratch, SETTINGS, second, filename="b.csv", source="Personalenkät")
    assert one.collection == two.collection and two.previous == one.submission
    values = scratch.query(
        "SELECT ?v WHERE { ?o <https://w3id.org/insatsgraf/def#measure> "
        "<https://w3id.org/insatsgraf/id/concept/measure/staff> ; "
        "<http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v }"
    ).values("v")
    assert values == ["13"]
    history = curated.history(scratch, one.collection, SETTINGS.base)
    assert [h["file"] for h in history] == ["a.csv", "b.csv"]
    other = statistics.import_table(scratch, SETTINGS, first, filename="c.csv", source="Personalenkät 2")
    assert other.collection != one.collection


def test_observations_are_well_formed_cubes(store: OxigraphStore) -> None:
    """Every observation of the district table has every dimension, one value and one data set (IC-1, 11, 14)."""
    key = curated.Collection.named("statistics", "Testtabell stadsdelar 2017").key
    graph = store.graph(curated.Collection("statistics", key).graph(SETTINGS.base))
    observations = set(graph.subjects(None, cube.QB.Observation))
    assert len(observations) == 12
    statistics.check_shapes(graph, SETTINGS, "x")  # raises on a broken rule


def test_the_cube_shapes_refuse_an_observation_without_a_value() -> None:
    """The shapes hold on what the importer builds; a bare observation breaks IC-1, IC-11 and IC-14."""
    graph = Graph()
    graph.add((URIRef(f"{SETTINGS.base}id/cube/x/1"), RDF.type, cube.QB.Observation))
    with pytest.raises(UserError) as caught:
        statistics.check_shapes(graph, SETTINGS, "x.csv")
    assert caught.value.code == "cube-invalid" and caught.value.file == "x.csv"


def test_cli_import_and_list(loaded_store_dir: str) -> None:
    runner = CliRunner()
    # the acceptance check: `insatsgraf load` brought Linköping's figures; the query returns both years
    ended = runner.invoke(
        app, ["query", "ended-according-to-plan", "-p", "org=0580", "-f", "csv", "--store", loaded_store_dir]
    )
    assert ended.exit_code == 0, ended.output
    years = {line.split(",")[2] for line in ended.output.splitlines()[1:] if line}
    assert years == {"2019", "2020"}
    result = runner.invoke(
        app, ["statistics", "import", str(DISTRICTS), "--source", "Test", "--store", loaded_store_dir]
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["statistics", "list", "--json", "--store", loaded_store_dir])
    assert listed.exit_code == 0, listed.output
    assert "test-2017" in listed.output and "group-r9" in listed.output
    bad = runner.invoke(
        app, ["statistics", "import", str(FIXTURES / "bad-period.csv"), "--store", loaded_store_dir]
    )
    assert bad.exit_code == 2
    assert "bad-period.csv, row 3, column period" in bad.output
    group = runner.invoke(
        app,
        [
            "statistics",
            "group",
            "Östgöta",
            "--org",
            "0580",
            "--org",
            "Norrköping",
            "--store",
            loaded_store_dir,
        ],
    )
    assert group.exit_code == 0, group.output
    unknown = runner.invoke(app, ["statistics", "group", "X", "--org", "9999", "--store", loaded_store_dir])
    assert unknown.exit_code == 2 and "9999" in unknown.output


def test_the_cube_shapes_refuse_a_negative_count(store: OxigraphStore) -> None:
    """The SPARQL rule of ``shapes/statistics.ttl``: a population below zero breaks it (the importer refuses
    such a row first, with its row and column; the shape holds for any graph)."""
    from decimal import Decimal

    from rdflib.namespace import XSD

    key = curated.Collection.named("statistics", "Testtabell stadsdelar 2017").key
    graph = store.graph(curated.Collection("statistics", key).graph(SETTINGS.base))
    population = URIRef(f"{SETTINGS.base}id/concept/measure/population")
    obs = next(graph.subjects(URIRef("https://w3id.org/insatsgraf/def#measure"), population))
    graph.set((obs, cube.SDMX_MEASURE.obsValue, Literal(Decimal(-1), datatype=XSD.decimal)))
    with pytest.raises(UserError) as caught:
        statistics.check_shapes(graph, SETTINGS, "x.csv")
    assert "negative" in caught.value.en and caught.value.row is not None


def test_a_municipality_covers_what_its_units_offer(store: OxigraphStore) -> None:
    """Roll-up in the offering queries: Stockholm's coverage is the union of its districts' and its central
    administration's (org:unitOf), while each unit keeps its own row."""
    from insatsgraf.model import iris
    from insatsgraf.model.iris import IG

    scratch = OxigraphStore(None, base=SETTINGS.base)
    for name in store.graph_names():
        scratch.replace_graphs({name: store.graph(name)})
    graphs = {}
    for unit, programme, level in (
        ("0180-bromma", "komet", "selective"),
        ("0180-socialforvaltningen", "mini-maria", "indicated"),
    ):
        graph = Graph()
        offering = URIRef(iris.offering(unit, programme))
        graph.add((offering, RDF.type, IG.Offering))
        graph.add((offering, IG.offeredBy, URIRef(iris.organisation(unit))))
        graph.add((offering, IG.localName, Literal(programme)))
        graph.add((offering, IG.implements, URIRef(iris.programme(programme))))
        graph.add((offering, IG.preventionLevel, URIRef(iris.concept("prevention-level", level))))
        graphs[iris.current_graph(unit)] = graph
    scratch.replace_graphs(graphs)
    cells = {
        (r["organisation"].removeprefix(ORG), r["programme"].rsplit("/", 1)[-1]): r["offerings"]
        for r in CATALOGUE.run(scratch, "coverage-matrix", {"county": "Stockholms län"}).table()
    }
    assert cells == {
        ("0180", "komet"): "1",
        ("0180", "mini-maria"): "1",
        ("0180-bromma", "komet"): "1",
        ("0180-socialforvaltningen", "mini-maria"): "1",
    }
    profile = CATALOGUE.run(scratch, "municipality-profile", {"org": "0180"}).table()
    assert {r["concept"].rsplit("/", 1)[-1] for r in profile} == {"selective", "indicated"}


def test_an_xlsx_table_reads_like_the_csv(store: OxigraphStore, tmp_path: Path) -> None:
    """The same district table as an Excel workbook (openpyxl, read through the safe XLSX reader)."""
    import csv

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in csv.reader(DISTRICTS.read_text(encoding="utf-8").splitlines(), delimiter=";"):
        sheet.append([int(c.replace(" ", "")) if c.replace(" ", "").isdigit() else c for c in row])
    path = tmp_path / "stadsdelar.xlsx"
    book.save(path)
    prepared = statistics.prepare(store, SETTINGS, path.read_bytes(), path.name, "Excel")
    assert prepared.observations == 12 and prepared.collection.key == "excel-2017"
    csv_prepared = statistics.prepare(store, SETTINGS, DISTRICTS.read_bytes(), DISTRICTS.name, "Excel")
    assert set(prepared.graph) == set(csv_prepared.graph)  # the same observations, IRIs and values


def test_loading_twice_imports_the_bundled_tables_once() -> None:
    st = OxigraphStore(None, base=SETTINGS.base)
    first = load_bundled(st, SETTINGS)
    second = load_bundled(st, SETTINGS)
    prefix = f"{SETTINGS.base}graph/statistics/"
    assert {k for k in first if k.startswith(prefix)} == {
        f"{prefix}group-r9",
        f"{prefix}linkopings-kommun-genomlysning-barn-och-unga-2021-servicearenden-2019-2020",
        f"{prefix}linkopings-kommun-genomlysning-barn-och-unga-2021-ekonomi-2016-2019",
    }
    assert not [k for k in second if k.startswith(prefix)]
    collection = curated.Collection("statistics", "group-r9")
    assert len(curated.history(st, collection, SETTINGS.base)) == 1
