"""The confirm-your-list workbook (issue 13 item 5), end to end: the workbook for Linköping (0580), edited with
openpyxl as the municipality would, sent back with ``submit --state bekräftad``, then ``history`` and ``diff``."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.sparql.connect import open_store
from insatsgraf.sparql.embedded import OxigraphStore

SETTINGS = Settings()
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def headers(book: Workbook) -> list[str]:
    return [str(c.value) for c in book["Insatser"][1]]


def rows_by_name(book: Workbook) -> dict[str, dict[str, object]]:
    sheet, names = book["Insatser"], headers(book)
    out = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        record = dict(zip(names, row, strict=False))
        if record.get("insats"):
            out[str(record["insats"])] = record
    return out


def set_cell(book: Workbook, name: str, column: str, value: object) -> None:
    sheet, names = book["Insatser"], headers(book)
    for row in sheet.iter_rows(min_row=2):
        if row[names.index("insats")].value == name:
            row[names.index(column)].value = value
            return
    raise AssertionError(f"no row {name}")


def unconfirmed(store: str) -> list[str]:
    st = open_store(SETTINGS.with_(store=store), read_only=True)
    try:
        result = Catalogue.load(SETTINGS.queries_dir).run(
            st, "unconfirmed-lists", {"county": "Östergötlands län"}
        )
        return [row["organisation"].rsplit("/", 1)[-1] for row in result.table()]
    finally:
        st.close()


def test_round_trip_workbook_edit_submit_history_diff(loaded_store_dir: str, tmp_path: Path) -> None:
    store = loaded_store_dir
    path = tmp_path / "0580-bekrafta.xlsx"
    code, out = run("workbook", "--org", "0580", "--out", str(path), "--store", store)
    assert code == 0, out
    book = load_workbook(path)
    assert headers(book)[:4] == ["status", "insats", "program", "tjanstens_koppling"]
    rows = rows_by_name(book)
    assert len(rows) == 21 and {r["status"] for r in rows.values()} == {"erbjuds"}
    # names, never bare ids, and the mapping the service made beside them
    assert rows["Råd och stöd"]["program"] == "Råd- och stödsamtal"
    assert rows["Familjecentral"]["samverkan_med"] == "Region Östergötland"
    assert "Råd- och stödsamtal" in str(rows["Råd och stöd"]["tjanstens_koppling"])
    lists = book["Listor"]
    assert lists.sheet_state == "visible"
    status_list = [
        c.value for c in next(col for col in lists.iter_cols() if col[0].value == "status")[1:] if c.value
    ]
    assert status_list == ["erbjuds", "erbjuds inte längre", "ny"]
    # the cells to check are highlighted: every highlighted cell is a mapping to confirm or a missing value
    sheet = book["Insatser"]
    highlighted = {
        (sheet.cell(row=1, column=c.column).value)
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if c.fill.fgColor.rgb in ("00FFF2CC", "FFFFF2CC")
    }
    assert highlighted and highlighted <= {
        "program",
        "tjanstens_koppling",
        "beskrivning",
        "malgrupp",
        "preventionsniva",
        "form",
        "regi",
    }
    assert "0580" in unconfirmed(store)

    # the municipality's edits
    set_cell(book, "Medling", "beskrivning", "Medling mellan brottsoffer och gärningsman; även i skolan.")
    set_cell(book, "Föräldrakurser", "alder_till", 18)
    set_cell(book, "Jourhem", "status", "erbjuds inte längre")
    new_row = {
        "status": "ny",
        "insats": "Läsfrämjande",
        "beskrivning": "Läsprojekt för barn i familjehem.",
        "malgrupp": "barn",
        "alder_fran": 6,
        "alder_till": 12,
        "preventionsniva": "selektiv",
        "form": "service",
        "regi": "egen regi",
    }
    sheet.append([new_row.get(h) for h in headers(book)])
    filled = tmp_path / "0580-bekraftad.xlsx"
    book.save(filled)

    code, out = run(
        "submit",
        str(filled),
        "--org",
        "0580",
        "--date",
        "2024-05-01",
        "--state",
        "bekräftad",
        "--by",
        "Anna Berg",
        "--store",
        store,
    )
    assert code == 0, out

    code, out = run("history", "--org", "0580", "--format", "json", "--store", store)
    last = json.loads(out)[-1]
    assert (last["state"], last["state_label"], last["by"], last["current"]) == (
        "confirmed",
        "bekräftad",
        "Anna Berg",
        True,
    )
    assert last["generated"].startswith("20") and last["offerings"] == 21  # one left out, one new
    code, text = run("history", "--org", "0580", "--store", store)
    assert "bekräftad" in text and "Anna Berg" in text

    code, out = run("diff", "--org", "0580", "--format", "json", "--store", store)
    diff = json.loads(out)
    assert [o["name"] for o in diff["added"]] == ["Läsfrämjande"]
    assert [o["name"] for o in diff["removed"]] == ["Jourhem"]
    changed = {
        o["name"]: [(c["property"], c["removed"], c["added"]) for c in o["changes"]] for o in diff["changed"]
    }
    assert changed == {
        "Medling": [
            (
                "description",
                ["Medling mellan brottsoffer och gärningsman."],
                ["Medling mellan brottsoffer och gärningsman; även i skolan."],
            )
        ],
        "Föräldrakurser": [("maxAge", ["17"], ["18"])],
    }
    assert "0580" not in unconfirmed(store)


def test_an_unedited_workbook_is_the_same_list(loaded_store_dir: str, tmp_path: Path) -> None:
    path = tmp_path / "0580-bekrafta.xlsx"
    assert run("workbook", "--org", "0580", "--out", str(path), "--store", loaded_store_dir)[0] == 0
    code, out = run(
        "submit",
        str(path),
        "--org",
        "0580",
        "--state",
        "skickad för bekräftelse",
        "--store",
        loaded_store_dir,
    )
    assert code == 0, out
    code, out = run("diff", "--org", "0580", "--format", "json", "--store", loaded_store_dir)
    diff = json.loads(out)
    assert (diff["added"], diff["removed"], diff["changed"]) == ([], [], [])
    assert "0580" in unconfirmed(loaded_store_dir)  # sent, not yet confirmed


def test_bad_status_and_bad_state_are_refused_and_change_nothing(
    loaded_store_dir: str, tmp_path: Path
) -> None:
    path = tmp_path / "0580-bekrafta.xlsx"
    run("workbook", "--org", "0580", "--out", str(path), "--store", loaded_store_dir)
    book = load_workbook(path)
    set_cell(book, "Medling", "status", "kanske")
    bad = tmp_path / "0580-fel.xlsx"
    book.save(bad)
    code, out = run("submit", str(bad), "--org", "0580", "--store", loaded_store_dir)
    assert code == 2 and "status" in out and "okänd status" in out
    row = 1 + [r for r in rows_by_name(book)].index("Medling") + 1
    assert f"row {row}" in out
    code, out = run("submit", str(path), "--org", "0580", "--state", "klar", "--store", loaded_store_dir)
    assert code == 2 and "not a review state" in out and "bekräftad" in out
    code, out = run("history", "--org", "0580", "--format", "json", "--store", loaded_store_dir)
    assert len(json.loads(out)) == 1


def test_an_organisation_without_a_list_gets_its_countys_programmes(
    loaded_store_dir: str, tmp_path: Path
) -> None:
    """Norrköping has no list: the workbook suggests what Linköping (same county) runs, status left empty."""
    path = tmp_path / "0581-bekrafta.xlsx"
    assert run("workbook", "--org", "0581", "--out", str(path), "--store", loaded_store_dir)[0] == 0
    book = load_workbook(path)
    rows = rows_by_name(book)
    assert "Familjecentral" in rows and "Komet" not in rows  # Linköping runs the first, nobody the second
    assert all(r["status"] is None for r in rows.values())
    set_cell(book, "Familjecentral", "status", "erbjuds")
    filled = tmp_path / "0581-ifylld.xlsx"
    book.save(filled)
    code, out = run(
        "submit",
        str(filled),
        "--org",
        "0581",
        "--state",
        "bekräftad",
        "--by",
        "Per Ek",
        "--store",
        loaded_store_dir,
    )
    assert code == 0, out
    history = json.loads(run("history", "--org", "0581", "--format", "json", "--store", loaded_store_dir)[1])
    assert history[-1]["offerings"] == 1  # rows without a status are left out


@pytest.fixture
def client(fresh_store: OxigraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    registry = TokenRegistry(tmp_path / "tokens.json")
    token, _ = registry.issue("0580")
    with TestClient(create_app(Settings(), fresh_store, tokens=registry)) as http:
        yield http, token


def test_download_route_and_confirmed_state_over_http(client: tuple[TestClient, str]) -> None:
    http, token = client
    r = http.get("/organisations/0580/workbook.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "0580-bekrafta.xlsx" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert len(rows_by_name(book)) == 21
    assert http.get("/organisations/9999/workbook.xlsx").status_code == 404
    posted = http.post(
        "/organisations/0580/submissions",
        params={
            "state": "bekräftad",
            "by": "Anna Berg",
            "date": "2024-05-01",
            "filename": "0580-bekraftad.xlsx",
        },
        content=r.content,
        headers={
            "authorization": f"Bearer {token}",
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    assert posted.status_code == 201, posted.text
    history = http.get("/organisations/0580/submissions").json()
    assert (history[-1]["state"], history[-1]["state_label"], history[-1]["by"]) == (
        "confirmed",
        "bekräftad",
        "Anna Berg",
    )
    bad = http.post(
        "/organisations/0580/submissions",
        params={"state": "klar", "filename": "0580-x.xlsx"},
        content=r.content,
        headers={
            "authorization": f"Bearer {token}",
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    assert bad.status_code == 400 and bad.json()["error"] == "bad-state"
