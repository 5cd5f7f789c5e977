"""Validation messages an officer can act on (issue 15, item 4): errors first, each problem once, the value as
typed, with suggestions."""

from __future__ import annotations

from pathlib import Path

from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.validate import ValidationReport, validate_file

BAD = Path(__file__).parent / "bad_input"
HEADER = (
    "insats,program,beskrivning,variant,malgrupp,alder_fran,alder_till,preventionsniva,skr_kategori,"
    "problemomrade,form,regi,samverkan_med,antal_tillfallen,evidenskalla,uppfoljning,kommentar\n"
)


def check(store: OxigraphStore, source: Path | bytes, name: str = "0580-test.csv") -> ValidationReport:
    return validate_file(source, store, Settings(), org="0580", filename=name)


def test_an_age_that_is_not_a_number_is_one_error(bundled_store: OxigraphStore) -> None:
    report = check(bundled_store, BAD / "age-not-a-number.csv")
    assert [(r.column, r.value) for r in report.violations] == [("alder_fran", "tretton")]
    assert "reversed" not in report.text(), "no comparison with a cell that is not a number"
    row = b"Mini Maria,mini-maria,Mottagning.,samma,unga,13,tjugo,indikerad,Individ-/gruppinsats,Missbruk,service,egen regi,,,,,\n"
    report = check(bundled_store, HEADER.encode() + row)
    assert [(r.column, r.value) for r in report.violations] == [("alder_till", "tjugo")]


def test_reversed_ages_are_still_said(bundled_store: OxigraphStore) -> None:
    report = check(bundled_store, BAD / "reversed-ages.csv")
    assert len(report.violations) == 1 and "reversed" in report.violations[0].message_en


def test_an_unknown_partner_is_echoed_as_typed_with_suggestions(bundled_store: OxigraphStore) -> None:
    report = check(bundled_store, BAD / "unknown-partner.csv")
    (partner,) = report.violations
    assert partner.column == "samverkan_med" and partner.value == "region-atlantis"
    assert "organisation/" not in report.text()
    assert partner.suggestions and all(s.startswith("region-") for s in partner.suggestions)
    assert "did you mean: region-" in report.text()
    row = b"Mini Maria,mini-maria,Mottagning.,samma,unga,13,20,indikerad,Individ-/gruppinsats,Missbruk,service,samverkan,region-ostergotlnd,,,,\n"
    report = check(bundled_store, HEADER.encode() + row)
    assert report.violations[0].suggestions[0] == "region-ostergotland"


def test_errors_come_before_warnings(bundled_store: OxigraphStore) -> None:
    rows = (
        b"Stod,,,,,,,,,,,,,,,,\n"  # warnings only: no description, target group, level, form
        b"Mini Maria,mini-maria,Mottagning.,samma,unga,13,tretton,indikerad,Individ-/gruppinsats,Missbruk,service,egen regi,,,,,\n"
    )
    report = check(bundled_store, HEADER.encode() + rows)
    assert report.violations and report.warnings
    severities = [r.severity for r in report.results]
    assert severities == sorted(severities, key=lambda s: s != "Violation"), "every error before any warning"
    assert report.results[0].row == 3
