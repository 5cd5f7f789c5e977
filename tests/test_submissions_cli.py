"""The submission commands end to end on an on-disk store: exit codes, formats, the template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.submission.columns import FIGURE_COLUMNS
from insatsgraf.submission.template import safe_cell

EXAMPLE = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
BAD = Path(__file__).parent / "bad_input"
runner = CliRunner()


@pytest.fixture
def store(loaded_store_dir: str) -> str:
    return loaded_store_dir


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_validate_exit_codes_and_formats(store: str) -> None:
    code, out = run("validate", str(EXAMPLE), "--org", "0580", "--store", store)
    assert code == 0 and "conforms" in out
    code, out = run("validate", str(BAD / "reversed-ages.csv"), "--org", "0580", "--store", store)
    assert code == 1
    assert "rad/row 2, kolumn/column alder_fran" in out and "omkastade" in out and "reversed" in out
    code, out = run(
        "validate", str(BAD / "reversed-ages.csv"), "--org", "0580", "--store", store, "--format", "json"
    )
    report = json.loads(out)
    assert code == 1 and report["conforms"] is False
    assert {(r["row"], r["column"]) for r in report["results"] if r["severity"] == "Violation"} == {
        (2, "alder_fran")
    }
    code, out = run("validate", str(BAD / "wrong-encoding-utf16.csv"), "--org", "0580", "--store", store)
    assert code == 2 and "UTF-16" in out
    code, out = run("validate", str(BAD / "syntax-error.ttl"), "--store", store, "--format", "json")
    assert code == 2 and json.loads(out)["error"] == "turtle-syntax"


def test_validate_needs_a_loaded_store(tmp_path: Path) -> None:
    code, out = run("validate", str(EXAMPLE), "--org", "0580", "--store", str(tmp_path / "empty"))
    assert code == 2 and "insatsgraf load" in out


def test_submit_history_diff(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSATSGRAF_STORE", store)  # the environment variable works like --store
    code, out = run("history", "--org", "0580")
    assert code == 0 and "2021-06-01" in out and "0580-linkoping-2021.ttl" in out
    changed = tmp_path / "0580-2022.csv"
    changed.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace("Ungdomsboende,", "Ungdomsboendet,"), encoding="utf-8"
    )
    code, out = run("submit", str(changed), "--org", "0580", "--date", "2022-02-01", "--by", "Anna Andersson")
    assert code == 0, out
    assert "submission/0580/2022-02-01" in out
    code, out = run("history", "--org", "0580", "--format", "json")
    rows = json.loads(out)
    assert [(r["date"], r["current"]) for r in rows] == [("2021-06-01", False), ("2022-02-01", True)]
    assert rows[1]["by"] == "Anna Andersson"
    code, out = run("diff", "--org", "0580")
    assert code == 0 and "+ Ungdomsboendet" in out and "- Ungdomsboende " in out
    code, out = run("diff", "--org", "0580", "--from", "2021-06-01", "--to", "2022-02-01", "--format", "json")
    assert [o["name"] for o in json.loads(out)["added"]] == ["Ungdomsboendet"]
    code, out = run("submit", str(BAD / "unknown-programme.csv"), "--org", "0580")
    assert code == 1 and "mini-maria" in out and "menade du / did you mean" in out
    code, out = run("submit", str(BAD / "unknown-organisation.csv"), "--org", "9999")
    assert code == 2 and "9999" in out
    assert len(json.loads(run("history", "--org", "0580", "--format", "json")[1])) == 2


def test_ingest_writes_turtle(tmp_path: Path) -> None:
    out = tmp_path / "l.ttl"
    code, text = run("ingest", str(EXAMPLE), "--org", "0580", "--out", str(out), "--date", "2021-06-01")
    assert code == 0 and out.exists()
    turtle = out.read_text(encoding="utf-8")
    assert 'ig:localName "MiniMaria"' in turtle and "owl:versionInfo" in turtle
    code, text = run("ingest", str(BAD / "no-header.csv"), "--org", "0580")
    assert code == 2 and "no header row" in text


def test_template(tmp_path: Path) -> None:
    out = tmp_path / "mall.xlsx"
    code, _ = run("template", "--out", str(out))
    assert code == 0
    book = load_workbook(out)
    assert book.sheetnames == ["Insatser", "Förklaring", "Listor"]
    headers = [c.value for c in book["Insatser"][1]]
    assert headers[0] == "insats" and "samverkan_med" in headers and "avvikelse" in headers
    assert len(headers) == 18 + len(FIGURE_COLUMNS)  # and the optional per-offering figures
    assert headers[-len(FIGURE_COLUMNS) :] == list(FIGURE_COLUMNS)
    explanations = {row[0]: row[1] for row in book["Förklaring"].iter_rows(min_row=2, values_only=True)}
    assert "obligatorisk" in explanations["insats"]
    ranges = {
        str(v.sqref).split(":")[0][0]: v.formula1 for v in book["Insatser"].data_validations.dataValidation
    }
    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[headers.index("preventionsniva")]
    letter = ranges[column].split("!")[1][1]
    values = [c.value for c in book["Listor"][letter][1:] if c.value]
    assert values == ["universell", "selektiv", "indikerad"]
    assert book["Listor"].sheet_state == "visible"  # the explanation sheet points at it
    # the template is itself a valid (empty) submission layout: a filled copy ingests
    book["Insatser"].append(["Mini Maria", "mini-maria", "Mottagning.", "samma", "unga", 13, 20, "indikerad"])
    filled = tmp_path / "0580-fylld.xlsx"
    book.save(filled)
    code, text = run("ingest", str(filled))
    assert code == 0 and "MiniMaria" not in text and "Mini Maria" in text


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil")', "+1+2", "-3+4", "@SUM(A1)"])
def test_xlsx_writer_never_writes_formulas(value: str, tmp_path: Path) -> None:
    book = Workbook()
    safe_cell(book.active["A1"], value)
    path = tmp_path / "x.xlsx"
    book.save(path)
    cell = load_workbook(path).active["A1"]
    assert cell.data_type == "s" and cell.value == "'" + value


def test_a_file_named_for_another_organisation_is_refused_unless_forced(store: str, tmp_path: Path) -> None:
    """`submit 0486-strangnas-2024.csv --org 0580` would replace Linköping's list with Strängnäs's."""
    strangnas = tmp_path / "0486-strangnas-2024.csv"
    strangnas.write_bytes(EXAMPLE.read_bytes())
    code, out = run("submit", str(strangnas), "--org", "0580", "--date", "2024-01-01", "--store", store)
    assert code == 2, out
    assert (
        "starts with organisation 0486" in out and "börjar med organisation 0486" in out and "--force" in out
    )
    history = json.loads(run("history", "--org", "0580", "--format", "json", "--store", store)[1])
    assert len(history) == 1, "nothing was submitted"
    code, out = run(
        "submit", str(strangnas), "--org", "0580", "--date", "2024-01-01", "--force", "--store", store
    )
    assert code == 0 and "submission/0580/2024-01-01" in out, out
    district = tmp_path / "0180-bromma-2024.csv"  # a district's list is not Stockholm's
    district.write_bytes(EXAMPLE.read_bytes())
    code, out = run("submit", str(district), "--org", "0180", "--store", store)
    assert code == 2 and "0180-bromma" in out
    own = tmp_path / "0580_2024.csv"  # the organisation's own id, or no id at all, is fine
    own.write_bytes(EXAMPLE.read_bytes())
    assert run("submit", str(own), "--org", "0580", "--date", "2024-02-01", "--store", store)[0] == 0


def test_an_unknown_organisation_is_one_clear_error(store: str) -> None:
    for args in (
        ("validate", str(EXAMPLE), "--org", "9999"),
        ("history", "--org", "9999"),
        ("diff", "--org", "9999"),
    ):
        code, out = run(*args, "--store", store)
        assert code == 2, (args, out)
        assert 'unknown organisation "9999"' in out and 'okänd organisation "9999"' in out, args
        assert "row" not in out and "rad" not in out, args  # not a violation per row
    code, out = run("validate", str(EXAMPLE), "--org", "9999", "--store", store, "--format", "json")
    assert code == 2 and json.loads(out)["error"] == "unknown-organisation"


@pytest.mark.parametrize("command", ["history", "diff", "validate", "submit"])
def test_a_missing_store_is_an_error_and_is_not_created(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "no" / "store"
    args = ["--org", "0580"] if command in ("history", "diff") else [str(EXAMPLE), "--org", "0580"]
    code, out = run(command, *args, "--store", str(missing))
    assert code == 2 and f"no store at {missing}" in out and "insatsgraf load" in out, out
    assert not missing.exists() and not missing.parent.exists()
