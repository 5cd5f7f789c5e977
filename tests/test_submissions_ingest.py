"""Spreadsheet → RDF: encodings, separators, XLSX, header aliases, multi-value cells, programmes, variants."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.submission.ingest import ingest_bytes, ingest_file
from insatsgraf.submission.lists import ingest_to_turtle

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
SETTINGS = Settings()
BASE = SETTINGS.base
EXAMPLE = SETTINGS.domain / "submissions" / "0580-linkoping-2021.csv"


def off(slug: str, org: str = "0580") -> URIRef:
    return URIRef(iris.offering(org, slug, BASE))


def concept(scheme: str, notation: str) -> URIRef:
    return URIRef(iris.concept(scheme, notation, BASE))


def test_example_row_13_becomes_the_design_example() -> None:
    graph = ingest_file(EXAMPLE, "0580", SETTINGS)
    mini = off("minimaria")
    assert graph.value(mini, IG.localName) == Literal("MiniMaria")
    assert graph.value(mini, IG.implements) == URIRef(iris.programme("mini-maria", BASE))
    assert graph.value(mini, IG.variantKind) == concept("variant-kind", "same")
    assert set(graph.objects(mini, IG.targetGroup)) == {
        concept("target-group", "youth"),
        concept("target-group", "family"),
    }
    assert graph.value(mini, IG.minAge).toPython() == 13 and graph.value(mini, IG.maxAge).toPython() == 20
    assert graph.value(mini, IG.preventionLevel) == concept("prevention-level", "indicated")
    assert graph.value(mini, IG.skrCategory) == concept("skr-category", "individual-group")
    assert graph.value(mini, IG.problemArea) == concept("problem-area", "substance-use")
    assert graph.value(mini, IG.form) == concept("form", "service")
    assert graph.value(mini, IG.delivery) == concept("delivery", "in-house")
    assert graph.value(mini, IG.sourceRow).toPython() == 13
    assert graph.value(mini, DCTERMS.description).language == "sv"
    assert len(set(graph.subjects(RDF.type, IG.Offering))) == 21


def test_local_adaptation_becomes_variant_of() -> None:
    graph = ingest_file(EXAMPLE, "0580", SETTINGS)
    pilot = off("utokat-hembesoksprogram-i-skaggetorp")
    assert graph.value(pilot, IG.variantOf) == URIRef(iris.programme("hembesoksprogram", BASE))
    assert graph.value(pilot, IG.implements) is None
    assert graph.value(pilot, IG.variantKind) == concept("variant-kind", "local-adaptation")
    assert graph.value(pilot, IG.numberOfSessions).toPython() == 8


def test_collaboration_per_row_with_partners() -> None:
    graph = ingest_file(EXAMPLE, "0580", SETTINGS)
    collab = URIRef(iris.collaboration("0580", "familjecentral", BASE))
    assert graph.value(collab, RDF.type) == IG.Collaboration
    assert graph.value(collab, IG.about) == off("familjecentral")
    assert set(graph.objects(collab, IG.partner)) == {
        URIRef(iris.organisation(o, BASE)) for o in ("0580", "region-ostergotland")
    }


@pytest.mark.parametrize("name", ["0580-linkoping-2021-cp1252-semicolon.csv", "0580-linkoping-2021-bom.csv"])
def test_encodings_and_separators_give_the_same_graph(name: str) -> None:
    reference = ingest_file(EXAMPLE, "0580", SETTINGS)
    other = ingest_file(FIXTURES / name, "0580", SETTINGS)
    assert isomorphic(reference, other)
    assert other.value(off("faltverksamheten"), IG.localName) == Literal("Fältverksamheten")


def test_xlsx_gives_the_same_graph_as_csv(tmp_path: Path) -> None:
    import csv

    book = Workbook()
    sheet = book.active
    for row in csv.reader(EXAMPLE.open(encoding="utf-8")):
        sheet.append(
            [int(c) if c.isdigit() and len(c) < 3 else c for c in row]
        )  # numbers as numbers, like Excel
    path = tmp_path / "linkoping.xlsx"
    book.save(path)
    assert isomorphic(ingest_file(path, "0580", SETTINGS), ingest_file(EXAMPLE, "0580", SETTINGS))


def test_english_headers_multi_values_programme_by_name_and_evidence() -> None:
    graph = ingest_file(FIXTURES / "variants.csv", "0580", SETTINGS)
    first, second = off("komet"), off("komet-2")  # the same name twice: -2
    komet = URIRef(iris.programme("komet", BASE))
    assert graph.value(first, IG.implements) == komet and graph.value(second, IG.implements) == komet
    assert set(graph.objects(first, IG.preventionLevel)) == {
        concept("prevention-level", "selective"),
        concept("prevention-level", "indicated"),
    }
    assert {str(v) for v in graph.objects(first, IG.followUpInstrument)} == {"ORS/SRS", "KASAM"}
    url_source = graph.value(first, IG.evidence)
    assert graph.value(url_source, FOAF.page) == URIRef("https://www.socialstyrelsen.se/metodguiden/komet")
    cited = graph.value(second, IG.evidence)
    assert str(graph.value(cited, DCTERMS.bibliographicCitation)).startswith("Kling m.fl. (2010)")
    collab = URIRef(iris.collaboration("0580", "komet-2", BASE))
    assert {URIRef(iris.organisation(o, BASE)) for o in ("0580", "region-ostergotland", "0581")} == set(
        graph.objects(collab, IG.partner)
    ), "a partner may be named by its name"
    macho = off("mini-macho")
    assert graph.value(macho, IG.variantOf) == URIRef(iris.programme("machofabriken", BASE))
    assert graph.value(macho, IG.variantKind) == concept("variant-kind", "local-adaptation")


def test_local_intervention_without_programme_is_plain_data() -> None:
    graph = ingest_file(FIXTURES / "variants.csv", "0580", SETTINGS)
    dog = off("familjeterapihund")
    assert graph.value(dog, IG.implements) is None and graph.value(dog, IG.variantOf) is None
    assert graph.value(dog, IG.submittedProgramme) is None
    assert str(graph.value(dog, RDFS.comment)) == "+46 13 20 00 00 är numret", "a leading + is kept as text"


def test_unknown_programme_is_kept_as_written() -> None:
    data = b"insats,program\nMini Macho,Mini Macho Deluxe\n"
    graph, _org, _ = ingest_bytes(data, "x.csv", "0580", SETTINGS)
    assert graph.value(off("mini-macho"), IG.submittedProgramme) == Literal("Mini Macho Deluxe")


def test_organisation_is_guessed_from_the_file_name() -> None:
    _graph, org, _ = ingest_bytes(EXAMPLE.read_bytes(), "0180-bromma-2022.csv", None, SETTINGS)
    assert org == "0180-bromma"


def test_bundled_turtle_is_the_ingest_of_the_example() -> None:
    """data/ttl/submissions/0580-linkoping-2021.ttl is regenerated, not edited: it must match a fresh ingest."""
    bundled = SETTINGS.data_dir / "submissions" / "0580-linkoping-2021.ttl"
    fresh, _ = ingest_to_turtle(EXAMPLE, "0580", SETTINGS, issued="2021-06-01")
    from rdflib import Graph

    assert isomorphic(Graph().parse(data=fresh, format="turtle"), Graph().parse(bundled, format="turtle"))


def test_turtle_round_trip_keeps_the_data_and_reads_the_header(tmp_path: Path) -> None:
    text, graph = ingest_to_turtle(EXAMPLE, "0580", SETTINGS, issued="2021-06-01")
    again, org, header = ingest_bytes(text.encode("utf-8"), "x.ttl", None, SETTINGS)
    assert org == "0580" and header["date"] == "2021-06-01" and header["source_file"] == EXAMPLE.name
    assert isomorphic(again, graph)


def test_bundled_submission_describes_itself_with_the_package_version() -> None:
    import tomllib

    from rdflib import Graph
    from rdflib.namespace import OWL

    version = tomllib.loads((SETTINGS.root / "pyproject.toml").read_text())["project"]["version"]
    for path in sorted((SETTINGS.data_dir / "submissions").glob("*.ttl")):
        graph = Graph().parse(path)
        (header,) = list(graph.subjects(RDF.type, IG.Submission))
        assert str(graph.value(header, OWL.versionInfo)) == version, path
        assert {d.language for d in graph.objects(header, DCTERMS.description)} == {"sv", "en"}


def test_excel_sep_line_names_the_separator() -> None:
    data = "sep=;\r\ninsats;malgrupp;kommentar\r\nKomet;föräldrar;a, b och c\r\n".encode("cp1252")
    graph, _org, _ = ingest_bytes(data, "x.csv", "0580", SETTINGS)
    komet = off("komet")
    assert graph.value(komet, IG.targetGroup) == concept("target-group", "parents")
    assert str(graph.value(komet, RDFS.comment)) == "a, b och c"
