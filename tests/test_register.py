"""The national register (issue 13, item 1): all 290 municipalities with their SCB code and county, one
region per county, the counties as places, and county parameters that take a name, a short name or a code."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from insatsgraf.catalogue import resolve
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.reference import organisations_graph
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import lists
from insatsgraf.submission.validate import validate_file

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"
FIXTURES = Path(__file__).parent / "fixtures" / "register"


@pytest.fixture(scope="module")
def register() -> Graph:
    graph = Graph()
    graph.parse(ROOT / "data" / "ttl" / "organisations.ttl")
    return graph


def _scb() -> list[dict[str, str]]:
    with (REFERENCE / "municipalities-scb.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_municipality_of_scb_is_in_the_register(register: Graph) -> None:
    scb = _scb()
    assert len(scb) == 290
    municipalities = set(register.subjects(RDF.type, IG.Municipality))
    assert len(municipalities) == 290
    for row in scb:
        node = URIRef(iris.organisation(row["municipality_code"]))
        assert node in municipalities, row
        assert register.value(node, IG.municipalityCode) == Literal(row["municipality_code"])
        assert register.value(node, SKOS.prefLabel) == Literal(row["municipality_name"], lang="sv")
        assert register.value(node, IG.county) == Literal(row["county_name"])
        assert register.value(node, DCTERMS.spatial) == URIRef(iris.county(row["county_code"]))


def test_one_region_per_county_and_gotland_is_both(register: Graph) -> None:
    regions = set(register.subjects(RDF.type, IG.Region))
    assert len(regions) == 21
    counties = {register.value(r, DCTERMS.spatial) for r in regions}
    assert len(counties) == 21, "each region covers its own county"
    names = {str(register.value(r, SKOS.prefLabel)) for r in regions}
    assert {"Region Sörmland", "Region Östergötland", "Region Stockholm", "Västra Götalandsregionen"} <= names
    gotland = URIRef(iris.organisation("0980"))
    assert {IG.Municipality, IG.Region} <= set(register.objects(gotland, RDF.type))
    assert Literal("Region Gotland", lang="sv") in set(register.objects(gotland, SKOS.altLabel))
    assert URIRef(iris.organisation("region-gotland")) not in set(register.subjects())


def test_counties_are_places_with_labels_in_both_languages(register: Graph) -> None:
    places = set(register.subjects(RDF.type, DCTERMS.Location))
    assert len(places) == 21
    codes = {row["county_code"] for row in _scb()}
    assert {str(register.value(p, SKOS.notation)) for p in places} == codes
    sormland = URIRef(iris.county("04"))
    assert (sormland, SKOS.inScheme, URIRef(iris.scheme("county"))) in register
    labels = set(register.objects(sormland, SKOS.prefLabel))
    assert {Literal("Södermanlands län", lang="sv"), Literal("Södermanland County", lang="en")} <= labels
    assert Literal("Sörmland", lang="sv") in set(register.objects(sormland, SKOS.altLabel))


def test_the_districts_and_actors_of_organisations_csv_stay(register: Graph) -> None:
    bromma = URIRef(iris.organisation("0180-bromma"))
    assert (bromma, RDF.type, IG.DistrictAdministration) in register
    note = register.value(
        URIRef(iris.organisation("0484")), URIRef("http://www.w3.org/2000/01/rdf-schema#comment")
    )
    assert str(note) == "also in the R9 comparison group", "a note of organisations.csv joins the SCB row"
    assert (URIRef(iris.organisation("fou-sormland")), RDF.type, IG.ResearchUnit) in register


def test_a_row_that_contradicts_scb_is_refused(tmp_path: Path) -> None:
    for name in ("municipalities-scb.csv", "counties.csv"):
        (tmp_path / name).write_bytes((REFERENCE / name).read_bytes())
    (tmp_path / "organisations.csv").write_text(
        "id,name,kind,part_of,county,note\n2584,Kiruna,kommun,,Västerbottens län,\n", encoding="utf-8"
    )
    with pytest.raises(UserError) as err:
        organisations_graph(tmp_path / "organisations.csv")
    assert err.value.code == "register-conflict" and "county" in str(err.value)


@pytest.mark.parametrize(
    ("typed", "county"),
    [
        ("Sörmland", "Södermanlands län"),
        ("Södermanlands län", "Södermanlands län"),
        ("04", "Södermanlands län"),
        ("4", "Södermanlands län"),
        ("Östergötland", "Östergötlands län"),
        ("Västra Götaland", "Västra Götalands län"),
        ("14", "Västra Götalands län"),
        ("Gotland", "Gotlands län"),
        ("Jämtland Härjedalen", "Jämtlands län"),
        ("norrbotten", "Norrbottens län"),
        ("25", "Norrbottens län"),
        ("Skåne", "Skåne län"),
        ("Dalarna", "Dalarnas län"),
    ],
)
def test_a_county_parameter_takes_name_short_name_and_code(
    bundled_store: OxigraphStore, typed: str, county: str
) -> None:
    assert resolve.resolve(bundled_store, resolve.COUNTY, "county", typed) == county


def test_every_county_resolves_by_its_code(bundled_store: OxigraphStore) -> None:
    known = resolve.counties(bundled_store)
    assert len(known) == 21 and all(len(k.id) == 2 for k in known)


def test_a_mistyped_county_names_the_closest(bundled_store: OxigraphStore) -> None:
    with pytest.raises(UserError) as err:
        resolve.resolve(bundled_store, resolve.COUNTY, "county", "Västerbotte")
    assert "Västerbottens län" in str(err.value)


def test_a_list_for_kiruna_validates_and_submits(fresh_store: OxigraphStore) -> None:
    settings = Settings()
    path = FIXTURES / "2584-kiruna-2024.csv"
    report = validate_file(path, fresh_store, settings)
    assert report.conforms, report.text()
    result = lists.submit_file(fresh_store, settings, path, None, "2024-05-01")
    assert result.submission.endswith("/2584/2024-05-01")
    assert iris.graph("current/2584", settings.base) in fresh_store.graph_names()
