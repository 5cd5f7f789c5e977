"""Evidence assessments (``submission/evidence.py``): a curator's file imports with history, a bad one is refused
with its row and column and leaves the store as it was.

The fixtures (``tests/fixtures/evidence/``) are fictional ratings; the registries and scales are the bundled
``data/ttl/evidence-scales.ttl``.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from rdflib import URIRef
from rdflib.namespace import SKOS

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model.iris import IG
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import curated, evidence

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
SETTINGS = Settings()
BASE = SETTINGS.base
TODAY = date(2025, 6, 1)


def snapshot(store: OxigraphStore) -> dict[str, int]:
    """Every graph and its size: equal snapshots mean nothing was written."""
    return {name: len(store.graph(name)) for name in store.graph_names()}


def registries_of(rows: list[dict[str, str]]) -> set[str]:
    return {row["registryId"] for row in rows}


def test_a_file_with_three_registries_imports_with_its_record(fresh_store: OxigraphStore) -> None:
    done = evidence.import_file(
        fresh_store, SETTINGS, FIXTURES / "valid-three-registries.csv", by="Kim Kurator", today=TODAY
    )
    rows = evidence.assessments(fresh_store)
    assert len(rows) == 6
    assert registries_of(rows) == {"blueprints", "cebc", "title-iv-e", "gruene-liste"}
    mst = next(r for r in rows if (r["programmeId"], r["registryId"]) == ("mst", "blueprints"))
    assert (mst["ratingId"], mst["levelId"], mst["date"], mst["directionId"]) == (
        "model-plus",
        "strong",
        "2019-03-01",
        "positive",
    )
    assert mst["population"] == "Youth 12-17"
    # the curator's registry_page becomes skos:exactMatch; the rows without one add none
    graph = fresh_store.graph(curated.Collection("evidence", "assessments").graph(BASE))
    matches = set(graph.subject_objects(SKOS.exactMatch))
    assert matches == {
        (URIRef(f"{BASE}id/programme/mst"), URIRef("https://example.org/blueprints/programs/mst"))
    }
    history = curated.history(fresh_store, curated.Collection("evidence", "assessments"), BASE)
    assert [(h["file"], h["by"], h["current"]) for h in history] == [
        ("valid-three-registries.csv", "Kim Kurator", True)
    ]
    assert done.submission == history[0]["submission"]


def test_swedish_headers_semicolons_and_registry_names(fresh_store: OxigraphStore) -> None:
    evidence.import_file(fresh_store, SETTINGS, FIXTURES / "valid-swedish-headers.csv", today=TODAY)
    rows = {
        (r["programmeId"], r["registryId"], r["ratingId"], r["levelId"])
        for r in evidence.assessments(fresh_store)
    }
    assert rows == {("komet", "metodguiden", "described", "not-shown"), ("mst", "cebc", "1", "strong")}


def test_an_xlsx_file_reads_like_the_csv(fresh_store: OxigraphStore, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    with (FIXTURES / "valid-three-registries.csv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    path = tmp_path / "bedomningar.xlsx"
    book.save(path)
    evidence.import_file(fresh_store, SETTINGS, path, today=TODAY)
    assert len(evidence.assessments(fresh_store)) == 6


def test_a_reimport_replaces_the_collection_and_keeps_the_first_in_history(
    fresh_store: OxigraphStore,
) -> None:
    first = evidence.import_file(fresh_store, SETTINGS, FIXTURES / "valid-three-registries.csv", today=TODAY)
    second = evidence.import_file(fresh_store, SETTINGS, FIXTURES / "valid-swedish-headers.csv", today=TODAY)
    assert second.previous == first.submission
    assert len(evidence.assessments(fresh_store)) == 2  # the union sees the current import only
    assert len(fresh_store.graph(first.submission)) == first.triples  # the first kept verbatim


REFUSED = [
    ("invalid-rating-not-in-scale.csv", "rating-not-in-scale", 3, "rating"),
    ("invalid-unknown-programme.csv", "unknown-programme", 3, "programme"),
    ("invalid-unknown-registry.csv", "unknown-registry", 2, "registry"),
    ("invalid-no-scale.csv", "no-scale", 2, "rating"),
    ("invalid-future-date.csv", "future-date", 2, "date"),
    ("invalid-bad-date.csv", "bad-date", 2, "date"),
    ("invalid-url.csv", "bad-url", 2, "url"),
    ("invalid-missing-column.csv", "missing-column", 1, "date"),
    ("invalid-direction.csv", "bad-direction", 2, "direction"),
    ("invalid-registry-page.csv", "bad-url", 2, "registry_page"),
    ("invalid-formula.csv", "formula", 2, "note"),
    ("invalid-headerless-value.csv", "headerless-value", 3, "F"),
]


@pytest.mark.parametrize(("name", "code", "row", "column"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_file_is_refused_at_its_row_and_column_and_writes_nothing(
    fresh_store: OxigraphStore, name: str, code: str, row: int, column: str
) -> None:
    evidence.import_file(fresh_store, SETTINGS, FIXTURES / "valid-three-registries.csv", today=TODAY)
    before = snapshot(fresh_store)
    with pytest.raises(UserError) as err:
        evidence.import_file(fresh_store, SETTINGS, FIXTURES / name, today=TODAY)
    assert (err.value.code, err.value.file, err.value.row, err.value.column) == (code, name, row, column)
    assert err.value.en and err.value.sv
    assert snapshot(fresh_store) == before
    assert len(evidence.assessments(fresh_store)) == 6


def test_the_refusal_of_a_rating_outside_the_scale_names_the_levels(fresh_store: OxigraphStore) -> None:
    with pytest.raises(UserError) as err:
        evidence.import_file(fresh_store, SETTINGS, FIXTURES / "invalid-rating-not-in-scale.csv", today=TODAY)
    assert '"Model Plus" is not a level of cebc' in err.value.en
    for level in ("1", "2", "3", "4", "5", "NR"):
        assert level in err.value.en.split("its levels are ")[1]


def test_the_date_is_checked_against_today(fresh_store: OxigraphStore) -> None:
    """2021-09-30 is in the past on 2025-06-01 but in the future on 2021-01-01."""
    with pytest.raises(UserError) as err:
        evidence.import_file(
            fresh_store, SETTINGS, FIXTURES / "valid-three-registries.csv", today=date(2021, 1, 1)
        )
    assert (err.value.code, err.value.row) == ("future-date", 4)


def test_every_level_of_every_scale_maps_to_one_crosswalk_level(fresh_store: OxigraphStore) -> None:
    known = evidence.registries(fresh_store)
    graded = {k for k, reg in known.items() if reg.levels}
    assert graded == {"blueprints", "cebc", "title-iv-e", "gruene-liste", "metodguiden"}
    scales = fresh_store.graph(f"{BASE}graph/evidence-scales")
    crosswalk = set(scales.subjects(SKOS.inScheme, URIRef(f"{BASE}id/scheme/evidence-level")))
    assert len(crosswalk) == 5
    for reg in known.values():
        for level in reg.levels.values():
            targets = {
                *scales.objects(URIRef(level.iri), SKOS.closeMatch),
                *scales.objects(URIRef(level.iri), SKOS.broadMatch),
            }
            assert len(targets) == 1 and targets <= crosswalk, level.iri
            assert scales.value(URIRef(level.iri), IG.rank) is not None, level.iri


def test_the_submission_validator_ignores_the_evidence_shapes(fresh_store: OxigraphStore) -> None:
    """A municipality's list validates as before: the evidence shapes target assessments only."""
    from insatsgraf.submission.ingest import ingest_file
    from insatsgraf.submission.validate import validate_graph

    graph = ingest_file(SETTINGS.domain / "submissions" / "0580-linkoping-2021.csv", "0580", SETTINGS)
    report = validate_graph(graph, fresh_store, SETTINGS, org="0580")
    assert report.conforms
    assert not [r for r in report.results if "EvidenceAssessment" in (r.shape or "")]


def test_a_file_over_the_row_limit_is_refused_before_any_row_is_checked(fresh_store: OxigraphStore) -> None:
    """The limits of ``config.InputLimits`` bound an import like a submission (here 3 rows; the file has 4)."""
    from insatsgraf.config import InputLimits

    tight = SETTINGS.with_(limits=InputLimits(max_rows=3))
    before = snapshot(fresh_store)
    with pytest.raises(UserError) as err:
        evidence.import_file(fresh_store, tight, FIXTURES / "valid-four-rows.csv", today=TODAY)
    assert err.value.code == "too-many-rows"
    assert snapshot(fresh_store) == before
    evidence.import_file(fresh_store, SETTINGS, FIXTURES / "valid-four-rows.csv", today=TODAY)
    assert len(evidence.assessments(fresh_store)) == 4


def test_a_store_without_the_scales_says_to_load(tmp_path: Path) -> None:
    store = OxigraphStore(None, base=BASE)
    with pytest.raises(UserError) as err:
        evidence.import_file(store, SETTINGS, FIXTURES / "valid-three-registries.csv", today=TODAY)
    assert err.value.code == "no-registries" and "insatsgraf load" in err.value.en
