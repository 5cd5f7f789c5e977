"""The XLSX submission template: the headers, an explanation sheet in Swedish, drop-down lists.

The drop-downs show names (``ABC – Alla barn i centrum``, ``Linköpings kommun``), never bare ids: the ingest
reads a name back to its id (``vocab.Vocabulary.programme``/``organisation``). Their values are on the
visible sheet ``Listor``, which the explanation sheet points at.

Every value written goes through ``safe_cell`` so that text beginning with ``= + - @`` is stored as text
and never becomes a formula when the workbook is opened (formula injection).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from insatsgraf.config import Settings
from insatsgraf.model import vocab
from insatsgraf.sparql.media import formula_like, spreadsheet_safe
from insatsgraf.submission.columns import COLUMNS, Column

DATA_ROWS = 500
"""How many rows the drop-down lists cover."""


def safe_cell(cell: Cell, value: object) -> None:
    """Write ``value`` into an XLSX cell through ``spreadsheet_safe``, stored as a string."""
    cell.value = spreadsheet_safe(value)
    if formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def write_csv(out: TextIO, header: Sequence[object], rows: Iterable[Sequence[object]]) -> None:
    """CSV for people to open in a spreadsheet (``harmonise --format csv``, ``GET /harmonise?format=csv``):
    every cell through ``spreadsheet_safe``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_safe(v) for v in header])
    writer.writerows([spreadsheet_safe(v) for v in row] for row in rows)


def _write_row(sheet, row: int, values: list[object]) -> None:  # type: ignore[no-untyped-def]
    for col, value in enumerate(values, start=1):
        safe_cell(sheet.cell(row=row, column=col), value)


LISTS_SHEET = "Listor"
"""The sheet of drop-down values, visible so that the explanation sheet's "se bladet Listor" can be followed."""


def build_template(settings: Settings) -> Workbook:
    """The template workbook: ``Insatser`` (headers), ``Förklaring`` (explanations), ``Listor`` (drop-down values)."""
    book = Workbook()
    lay_out(book, COLUMNS, vocab.load(settings))
    return book


def lay_out(
    book: Workbook,
    columns: Sequence[Column],
    vocabulary: vocab.Vocabulary,
    *,
    rows: int = DATA_ROWS,
    extra: Mapping[str, Sequence[str]] | None = None,
) -> Worksheet:
    """Write the sheets ``Insatser`` (headers of ``columns``, the first sheet), ``Förklaring`` and ``Listor``
    with a drop-down per column that has words (``extra`` adds words for columns outside the contract,
    e.g. the workbook's ``status``, which then must be one of them). Returns ``Insatser``."""
    sheet = book.active
    sheet.title = "Insatser"
    _write_row(sheet, 1, [c.name for c in columns])
    for col, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=col)
        cell.font = Font(bold=True)
        if column.name == "insats":
            cell.fill = PatternFill("solid", fgColor="FFE699")
        sheet.column_dimensions[get_column_letter(col)].width = max(14, len(column.name) + 4)
    sheet.freeze_panes = "A2"

    lists = book.create_sheet(LISTS_SHEET)
    explain = book.create_sheet("Förklaring", 1)
    _write_row(
        explain, 1, ["kolumn", "förklaring", "explanation (English)", "tillåtna värden", "flera värden med ;"]
    )
    for cell in explain[1]:
        cell.font = Font(bold=True)
    list_col = 0
    for row, column in enumerate(columns, start=2):
        fixed = (extra or {}).get(column.name)
        words = list(fixed) if fixed is not None else _choices(column.name, column.scheme, vocabulary)
        letter = get_column_letter(list_col + 1)
        shown = (
            ", ".join(words)
            if column.scheme or fixed is not None
            else (f"{len(words)} namn, se bladet {LISTS_SHEET} kolumn {letter}" if words else "")
        )
        _write_row(explain, row, [column.name, column.sv, column.en, shown, "ja" if column.multi else "nej"])
        if words:
            list_col += 1
            safe_cell(lists.cell(row=1, column=list_col), column.name)
            lists.cell(row=1, column=list_col).font = Font(bold=True)
            lists.column_dimensions[letter].width = min(60, max(16, *(len(w) for w in words)))
            for i, word in enumerate(words, start=2):
                safe_cell(lists.cell(row=i, column=list_col), word)
            ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(words) + 1}"
            validation = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)
            validation.promptTitle = column.name
            validation.prompt = column.sv[:250]
            validation.showInputMessage = True
            if fixed is None and (column.multi or not column.scheme):
                validation.errorStyle = (
                    "warning"  # several are typed with ;, names are allowed too: only warn
                )
            target = get_column_letter(columns.index(column) + 1)
            validation.add(f"{target}2:{target}{rows + 1}")
            sheet.add_data_validation(validation)
    for letter, width in (("A", 18), ("B", 60), ("C", 60), ("D", 60), ("E", 10)):
        explain.column_dimensions[letter].width = width
    return sheet


def _choices(column: str, scheme: str | None, vocabulary: vocab.Vocabulary) -> list[str]:
    """The drop-down values of a column: vocabulary words, catalogue names or organisation names."""
    if column == "program":
        return sorted(
            {vocabulary.programme_names.get(p, p) for p in vocabulary.programme_ids}, key=str.casefold
        )
    if column == "samverkan_med":
        return sorted(
            {vocabulary.organisation_names.get(o, o) for o in vocabulary.organisations}, key=str.casefold
        )
    return sheet_words(scheme, vocabulary) if scheme else []


def sheet_words(scheme: str | None, vocabulary: vocab.Vocabulary) -> list[str]:
    """The words a person types in a vocabulary column: the contract's lower-case Swedish words."""
    words = {
        "variant-kind": ["samma", "egen variant", "lokal anpassning", "liknande"],
        "target-group": ["barn", "unga", "föräldrar", "familj", "vuxna", "äldre"],
        "prevention-level": ["universell", "selektiv", "indikerad"],
        "form": ["service", "bistånd"],
        "delivery": ["egen regi", "upphandlad", "samverkan"],
    }.get(scheme or "")
    if words:
        return [w for w in words if vocabulary.concept(scheme or "", w) is not None]
    return list(vocabulary.display.get(scheme or "", []))


def write_template(path: Path, settings: Settings) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    build_template(settings).save(path)
    return path
