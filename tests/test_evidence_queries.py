"""The evidence queries on a real store: the bundled data, assessments imported by the importer, and a
submission whose antal_tillfallen is below, at and above the manual's session count.

The catalogue tests (test_queries_catalogue.py) check every query's exact rows on the hand-written fixture;
these check the acceptance questions end to end, through ``insatsgraf evidence import`` and ``submit``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.config import Settings
from insatsgraf.model.rdf import read_turtle
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import evidence
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.lists import submit_file

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
SETTINGS = Settings()
BASE = SETTINGS.base
CATALOGUE = Catalogue.load(SETTINGS.queries_dir)
TODAY = date(2025, 6, 1)


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    """Bundled data with the examples, the fixture assessments, the fictional manuals and Gnesta's list."""
    st = OxigraphStore(None, base=BASE)
    load_bundled(st, SETTINGS, examples=True)
    evidence.import_file(st, SETTINGS, FIXTURES / "valid-three-registries.csv", today=TODAY)
    st.replace_graphs({f"{BASE}graph/test/manuals": read_turtle(FIXTURES / "manual-sessions.ttl", BASE)})
    submit_file(st, SETTINGS, FIXTURES / "0461-gnesta-fidelity.csv", "0461", date="2025-01-01")
    return st


def rows(store: OxigraphStore, name: str, **params: str) -> list[dict[str, str]]:
    return CATALOGUE.run(store, name, params).table()


def test_strong_evidence_in_any_registry_goes_through_the_crosswalk(store: OxigraphStore) -> None:
    found = rows(store, "evidence-strong-in-any-registry")
    by_programme = {(r["programme"].rsplit("/", 1)[-1], r["registryLabel"]) for r in found}
    # MST: Blueprints Model Plus and Title IV-E Well-supported; FFT: CEBC 1. Three registries, three
    # scales, one crosswalk level. Komet (IV-E Promising), COS (CEBC 3), ABC (Grüne Liste) are not strong.
    assert by_programme == {
        ("mst", "Blueprints"),
        ("mst", "Title IV-E Prevention Services Clearinghouse"),
        ("fft", "CEBC"),
    }
    assert {r["levelLabel"] for r in found} == {"Stark"}
    moderate = {
        r["programme"].rsplit("/", 1)[-1]
        for r in rows(store, "evidence-strong-in-any-registry", level="moderate")
    }
    assert moderate == {"mst", "fft", "abc"}


def test_assessments_older_than_n_years(store: OxigraphStore) -> None:
    years = date.today().year - 2015 - 1  # Komet's 2015-06-01 rating is older than this, the 2018 ones not
    due = {
        (r["programme"].rsplit("/", 1)[-1], r["date"])
        for r in rows(store, "assessments-due-for-review", years=str(years))
    }
    assert ("komet", "2015-06-01") in due
    assert ("cos", "2021-09-30") not in due and ("abc", "2022-02-02") not in due
    assert rows(store, "assessments-due-for-review", years="200") == []


def test_fidelity_lists_fewer_sessions_than_the_manual_and_not_at_or_above(store: OxigraphStore) -> None:
    found = rows(store, "fidelity", county="Södermanlands län")
    gnesta = {r["localName"]: r for r in found if r["organisation"].endswith("/0461")}
    assert "Komet kort" in gnesta  # 5 of the manual's 10
    assert (gnesta["Komet kort"]["sessions"], gnesta["Komet kort"]["manualSessions"]) == ("5", "10")
    assert gnesta["Komet kort"]["deviation"] == "sessions"
    assert "Komet" not in gnesta and "Komet utökad" not in gnesta  # 10 and 12: at and above


def test_offerings_without_assessment_and_the_share(store: OxigraphStore) -> None:
    assessed = ("/komet", "/mst", "/fft", "/cos", "/abc")
    without = rows(store, "offerings-without-assessment", county="Östergötlands län")
    assert without and not [r for r in without if r["programme"].endswith(assessed)]
    offered = rows(store, "evidence-by-county", county="Östergötlands län")
    unassessed = {r["programme"] for r in offered if not r.get("registryLabel")}
    assert {r["programme"] for r in without} == unassessed
    share = {
        r["organisationLabel"]: r
        for r in rows(store, "assessed-share-by-organisation", county="Södermanlands län")
    }
    assert (share["Gnesta"]["offerings"], share["Gnesta"]["assessed"], share["Gnesta"]["percent"]) == (
        "3",
        "3",
        "100",
    )


def test_programmes_in_a_county_carry_their_assessments(store: OxigraphStore) -> None:
    found = rows(store, "evidence-by-county", county="Södermanlands län")
    komet = [r for r in found if r["programme"].endswith("/komet")]
    assert [(r["registryLabel"], r["ratingLabel"], r["levelLabel"]) for r in komet] == [
        ("Title IV-E Prevention Services Clearinghouse", "Promising", "Lovande")
    ]
