"""The submission template (issue 13 item 6): drop-downs of names, a visible lists sheet, the variant words,
and the ``avvikelse`` column that fills ``ig:variantNote``."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from rdflib import Literal, URIRef

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.columns import COLUMNS
from insatsgraf.submission.ingest import ingest_bytes
from insatsgraf.submission.lists import submit
from insatsgraf.submission.template import build_template
from insatsgraf.submission.validate import ValidationFailed

SETTINGS = Settings()
BASE = SETTINGS.base


@pytest.fixture(scope="module")
def book() -> Workbook:
    return build_template(SETTINGS)


def _dropdown(book: Workbook, column: str) -> list[str]:
    """The values the drop-down of one column of ``Insatser`` offers, read from the sheet it refers to."""
    sheet = book["Insatser"]
    headers = [c.value for c in sheet[1]]
    letter = sheet.cell(row=1, column=headers.index(column) + 1).column_letter
    (validation,) = [
        v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(f"{letter}2:")
    ]
    target, ref = validation.formula1.split("!")
    lists = book[target.strip("'")]
    source = ref.replace("$", "").split(":")[0].rstrip("0123456789")
    return [str(c.value) for c in lists[source][1:] if c.value is not None]


def test_programme_dropdown_lists_names_not_ids(book: Workbook) -> None:
    values = _dropdown(book, "program")
    assert "ABC – Alla barn i centrum" in values and "Komet" in values
    assert "abc" not in values and "aft" not in values
    assert len(values) == 60


def test_partner_dropdown_lists_names_not_ids(book: Workbook) -> None:
    values = _dropdown(book, "samverkan_med")
    assert "Region Östergötland" in values and "Linköping" in values
    assert "0580" not in values and "region-ostergotland" not in values


def test_explanation_points_at_a_visible_sheet(book: Workbook) -> None:
    pointers = [
        str(row[3])
        for row in book["Förklaring"].iter_rows(min_row=2, values_only=True)
        if row[3] and "se bladet" in str(row[3])
    ]
    assert len(pointers) == 2  # program and samverkan_med
    for text in pointers:
        sheet = text.split("se bladet ")[1].split()[0]
        assert book[sheet].sheet_state == "visible", text


def test_variant_prompt_names_every_variant_word(book: Workbook) -> None:
    (validation,) = [
        v for v in book["Insatser"].data_validations.dataValidation if v.promptTitle == "variant"
    ]
    assert "liknande" in validation.prompt
    assert _dropdown(book, "variant") == ["samma", "egen variant", "lokal anpassning", "liknande"]


def _filled(book: Workbook, rows: list[dict[str, object]]) -> bytes:
    """A copy of the template with rows filled in by header, as a person would with the drop-downs."""
    copy = load_workbook(io.BytesIO(_save(book)))
    sheet = copy["Insatser"]
    headers = [c.value for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(str(h), None) for h in headers])
    return _save(copy)


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_names_from_the_dropdowns_are_read_back_to_ids_and_the_note_is_kept(book: Workbook) -> None:
    assert "avvikelse" in [c.name for c in COLUMNS]
    data = _filled(
        book,
        [
            {
                "insats": "ABC kort",
                "program": "ABC – Alla barn i centrum",
                "variant": "egen variant",
                "avvikelse": "Fem träffar i stället för tio",
                "samverkan_med": "Region Östergötland",
                "regi": "samverkan",
            }
        ],
    )
    graph, _org, _header = ingest_bytes(data, "0580-mall.xlsx", "0580", SETTINGS)
    offering = URIRef(iris.offering("0580", "abc-kort", BASE))
    assert graph.value(offering, IG.variantOf) == URIRef(iris.programme("abc", BASE))
    assert graph.value(offering, IG.variantNote) == Literal("Fem träffar i stället för tio")
    partners = set(graph.objects(None, IG.partner))
    assert URIRef(iris.organisation("region-ostergotland", BASE)) in partners


@pytest.fixture
def store() -> OxigraphStore:
    from insatsgraf.submission.bundled import load_bundled

    st = OxigraphStore(None, base=BASE)
    load_bundled(st, SETTINGS)
    return st


def test_the_note_reaches_own_variants(book: Workbook, store: OxigraphStore) -> None:
    data = _filled(
        book,
        [
            {
                "insats": "Komet-liknande",
                "program": "Komet",
                "variant": "liknande",
                "avvikelse": "Sju träffar",
                "malgrupp": "föräldrar",
            }
        ],
    )
    submit(store, SETTINGS, data, "0580-mall.xlsx", "0580", "2024-01-01", "Test")
    result = Catalogue.load(SETTINGS.queries_dir).run(store, "own-variants", {"county": "Östergötlands län"})
    notes = {row["localName"]: row.get("note") for row in result.table()}
    assert notes["Komet-liknande"] == "Sju träffar"


def test_a_formula_in_the_note_is_a_violation(book: Workbook, store: OxigraphStore) -> None:
    data = _filled(book, [{"insats": "Komet", "program": "Komet", "avvikelse": "=1+1"}])
    with pytest.raises(ValidationFailed) as caught:
        submit(store, SETTINGS, data, "0580-mall.xlsx", "0580", "2024-01-01", "Test")
    columns = {r.column for r in caught.value.report.violations}
    assert "avvikelse" in columns
