"""Partners by kind (issue 13, item 3): ``samverkan_med`` takes a registered organisation or a kind of
partner ("polisen", "skolan", "BUP" …, ``data/ttl/partner-kinds.ttl``); a mistyped kind gets a did-you-mean;
the collaboration queries show kind partners, and "who works with the police on what" is one query."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from typer.testing import CliRunner

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import lists
from insatsgraf.submission.ingest import ingest_bytes
from insatsgraf.submission.validate import validate_file

SETTINGS = Settings()
FIXTURES = Path(__file__).parent / "fixtures" / "partner_kinds"
VALID = FIXTURES / "0461-valid-kinds.csv"
INVALID = FIXTURES / "0461-invalid-mistyped-kind.csv"
CATALOGUE = Catalogue.load(SETTINGS.queries_dir)
KIND = f"{SETTINGS.base}id/concept/partner-kind/"
KINDS = [
    "skolan",
    "förskolan",
    "polisen",
    "regionen",
    "BUP",
    "ungdomsmottagningen",
    "Barnahus",
    "primärvården",
    "civilsamhället",
    "privat utförare",
]


@pytest.fixture(scope="module")
def scheme() -> Graph:
    return Graph().parse(SETTINGS.data_dir / "partner-kinds.ttl")


def test_the_scheme_has_the_ten_kinds_with_sv_and_en_labels(scheme: Graph) -> None:
    concepts = set(scheme.subjects(SKOS.inScheme, URIRef(iris.scheme("partner-kind"))))
    assert len(concepts) == 10
    sv = {str(scheme.value(c, SKOS.prefLabel)) for c in concepts}  # any; checked per language below
    assert sv
    for concept in concepts:
        langs = {label.language for label in scheme.objects(concept, SKOS.prefLabel)}
        assert langs == {"sv", "en"}, concept
    labels = {
        str(label) for c in concepts for label in scheme.objects(c, SKOS.prefLabel) if label.language == "sv"
    }
    assert labels == set(KINDS)


def _collaborations(data: bytes, name: str) -> Graph:
    graph, _org, _header = ingest_bytes(data, name, None, SETTINGS)
    return graph


def test_each_kind_and_what_people_type_becomes_a_partner_kind() -> None:
    header = VALID.read_text(encoding="utf-8").splitlines()[0]
    typed = [
        *KINDS,
        "polis",
        "skola",
        "barn- och ungdomspsykiatrin",
        "UMO",
        "vårdcentralen",
        "Privata utförare",
    ]
    row = VALID.read_text(encoding="utf-8").splitlines()[1].replace("polisen;skolan", ";".join(typed))
    graph = _collaborations(f"{header}\n{row}\n".encode(), "0461-x.csv")
    kinds = {str(k)[len(KIND) :] for k in graph.objects(None, IG.partnerKind)}
    assert kinds == {
        "school",
        "preschool",
        "police",
        "region",
        "bup",
        "youth-clinic",
        "barnahus",
        "primary-care",
        "civil-society",
        "private-provider",
    }
    partners = set(graph.objects(None, IG.partner))
    assert partners == {URIRef(iris.organisation("0461"))}, "kinds are not organisations"


def test_a_row_with_police_and_school_validates(bundled_store: OxigraphStore) -> None:
    report = validate_file(VALID, bundled_store, SETTINGS)
    assert report.conforms, report.text()


def test_a_mistyped_kind_is_refused_with_a_did_you_mean(bundled_store: OxigraphStore) -> None:
    report = validate_file(INVALID, bundled_store, SETTINGS)
    assert not report.conforms
    (result,) = report.violations
    assert result.row == 2 and result.column == "samverkan_med" and result.value == "polsen"
    assert result.suggestions[0] == "polisen"
    assert "polisen" in report.text() and "typ av part" in result.message_sv


def test_one_sided_claims_show_kind_partners(fresh_store: OxigraphStore) -> None:
    lists.submit_file(fresh_store, SETTINGS, VALID, None, "2024-05-01")
    rows = CATALOGUE.run(
        fresh_store, "collaborations-and-one-sided-claims", {"org": iris.organisation("0461")}
    ).table()
    got = {(r["aboutName"], r["partnerLabel"], r["status"]) for r in rows}
    assert got == {
        ("KOMET", "polisen", "partner-kind"),
        ("KOMET", "skolan", "partner-kind"),
        ("Trygghetscirkeln", "BUP", "partner-kind"),
        ("Trygghetscirkeln", "polisen", "partner-kind"),
        ("Trygghetscirkeln", "Region Sörmland", "one-sided"),
    }
    police = CATALOGUE.run(
        fresh_store, "collaborations-by-partner-kind", {"partner_kind": f"{KIND}police"}
    ).table()
    assert {(r["organisationLabel"], r["localName"], r["programmeLabel"]) for r in police} == {
        ("Gnesta", "KOMET", "Komet"),
        ("Gnesta", "Trygghetscirkeln", "Circle of Security"),
    }
    school = CATALOGUE.run(fresh_store, "collaborations-by-partner-kind", {"partner_kind": "skola"}).table()
    assert [r["localName"] for r in school] == ["KOMET"], "a short form of the kind resolves"


def test_a_partner_kind_parameter_takes_labels_and_names_the_known_kinds(
    bundled_store: OxigraphStore,
) -> None:
    from insatsgraf.catalogue import resolve
    from insatsgraf.errors import UserError

    for typed in ("polisen", "Polis", "police", f"{KIND}police"):
        assert resolve.resolve(bundled_store, resolve.PARTNER_KIND, "partner_kind", typed) == f"{KIND}police"
    assert resolve.resolve(bundled_store, resolve.PARTNER_KIND, "partner_kind", "BUP") == f"{KIND}bup"
    with pytest.raises(UserError) as err:
        resolve.resolve(bundled_store, resolve.PARTNER_KIND, "partner_kind", "brandkåren")
    assert err.value.code == "unknown-value" and "police" in err.value.en and "typ av part" in err.value.sv


def test_the_cli_query_shows_the_kind_partner(loaded_store_dir: str) -> None:
    runner = CliRunner()
    env = {"INSATSGRAF_STORE": loaded_store_dir, "COLUMNS": "200"}
    submitted = runner.invoke(app, ["submit", str(VALID), "--date", "2024-05-01"], env=env)
    assert submitted.exit_code == 0, submitted.output
    out = runner.invoke(
        app, ["query", "collaborations-and-one-sided-claims", "-p", "org=0461", "-f", "csv"], env=env
    )
    assert out.exit_code == 0, out.output
    assert "polisen" in out.stdout and "skolan" in out.stdout and "partner-kind" in out.stdout
