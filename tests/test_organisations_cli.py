"""Registering actors (issue 13, item 2) from the command line: ``insatsgraf organisations list|add|import|
history``. Valid and invalid files side by side in ``tests/fixtures/organisations/``; every refusal names the
file, row and column, and leaves the store exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insatsgraf.cli import app
from insatsgraf.sparql.embedded import OxigraphStore

FIXTURES = Path(__file__).parent / "fixtures" / "organisations"
runner = CliRunner()


def run(store: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--store", store], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def listed(store: str, *args: str) -> list[dict[str, str]]:
    code, out = run(store, "organisations", "list", *args, "--format", "json")
    assert code == 0, out
    rows = json.loads(out)
    assert isinstance(rows, list)
    return rows


def dump(store: str) -> bytes:
    st = OxigraphStore(Path(store), read_only=True)
    try:
        return st.dump_nquads()
    finally:
        st.close()


def test_the_register_lists_290_municipalities_and_21_regions(loaded_store_dir: str) -> None:
    municipalities = listed(loaded_store_dir, "--kind", "kommun")
    assert len(municipalities) == 290
    assert {
        "id": "2584",
        "name": "Kiruna",
        "kind": "kommun",
        "part_of": "",
        "county": "Norrbottens län",
        "source": "bundled",
    } in municipalities
    regions = listed(loaded_store_dir, "--kind", "region")
    assert len(regions) == 21
    assert [r["kind"] for r in regions if r["id"] == "0980"] == ["kommun,region"]
    code, out = run(loaded_store_dir, "organisations", "list", "--kind", "kommun")
    assert code == 0 and "290 organisations" in out
    sormland = listed(loaded_store_dir, "--kind", "kommun", "--county", "Sörmland")
    assert len(sormland) == 9 and {r["county"] for r in sormland} == {"Södermanlands län"}


def test_an_unknown_kind_in_list_is_refused(loaded_store_dir: str) -> None:
    code, out = run(loaded_store_dir, "organisations", "list", "--kind", "hund")
    assert code == 2 and "unknown kind" in out and "okänd typ" in out


def test_import_registers_every_row_with_history_and_provenance(loaded_store_dir: str) -> None:
    code, out = run(
        loaded_store_dir, "organisations", "import", str(FIXTURES / "valid-partners.csv"), "--by", "Lina"
    )
    assert code == 0, out
    assert "registered / registrerade 5" in out
    rows = {r["id"]: r for r in listed(loaded_store_dir)}
    assert rows["0580-ekholmsskolan"] == {
        "id": "0580-ekholmsskolan",
        "name": "Ekholmsskolan",
        "kind": "skola",
        "part_of": "0580",
        "county": "Östergötlands län",  # the municipality's: a unit without a county takes its parent's
        "source": "registered",
    }
    assert rows["bris-ostergotland"]["kind"] == "civilsamhalle"
    assert rows["humana-ostergotland"]["county"] == "Östergötlands län", "a county code is resolved"
    assert rows["0180-ny-stadsdel-fritid"]["county"] == "Stockholms län", "a parent of the same file"
    code, out = run(loaded_store_dir, "organisations", "import", str(FIXTURES / "valid-partners.xlsx"))
    assert code == 0, out
    code, out = run(loaded_store_dir, "organisations", "history", "--format", "json")
    history = json.loads(out)
    assert [h["file"] for h in history] == ["valid-partners.csv", "valid-partners.xlsx"]
    assert [h["current"] for h in history] == [False, True]
    assert history[1]["previous"] == history[0]["submission"]
    assert len(listed(loaded_store_dir, "--kind", "skola")) == 2


def test_a_semicolon_windows_1252_file_with_swedish_headers_reads(loaded_store_dir: str) -> None:
    code, out = run(loaded_store_dir, "organisations", "import", str(FIXTURES / "valid-semicolon-cp1252.csv"))
    assert code == 0, out
    (row,) = [r for r in listed(loaded_store_dir, "--kind", "skola") if r["id"] == "0461-gnesta-skola"]
    assert row["name"] == "Frejaskolan" and row["county"] == "Södermanlands län"


def test_a_registered_school_is_known_to_submissions_and_the_resolver(loaded_store_dir: str) -> None:
    code, out = run(
        loaded_store_dir,
        "organisations",
        "add",
        "--id",
        "0580-ekholmsskolan",
        "--name",
        "Ekholmsskolan",
        "--kind",
        "skola",
        "--part-of",
        "0580",
    )
    assert code == 0, out
    csv = (
        "insats,program,samverkan_med,malgrupp,preventionsniva,form,regi\n"
        "Komet,komet,0580-ekholmsskolan;polisen,föräldrar,selektiv,service,samverkan\n"
    )
    path = Path(loaded_store_dir).parent / "0580-2024.csv"
    path.write_text(csv, encoding="utf-8")
    code, out = run(loaded_store_dir, "validate", str(path))
    assert code == 0, out
    list_path = Path(loaded_store_dir).parent / "ekholmsskolan-2024.csv"  # the school's own list
    list_path.write_text(csv.replace("0580-ekholmsskolan;polisen", "0580"), encoding="utf-8")
    code, out = run(
        loaded_store_dir, "submit", str(list_path), "--org", "0580-ekholmsskolan", "--date", "2024-05-01"
    )
    assert code == 0, out
    code, out = run(loaded_store_dir, "query", "municipality-profile", "-p", "org=Ekholmsskolan", "-f", "csv")
    assert code == 0 and "Komet" in out, out


@pytest.mark.parametrize(
    ("name", "row", "column", "code", "words"),
    [
        ("invalid-duplicate-id.csv", 3, "id", "duplicate-id", ("twice", "två gånger")),
        ("invalid-bundled-id.csv", 3, "id", "id-taken", ("bundled national register", "medföljande")),
        ("invalid-unknown-kind.csv", 3, "kind", "unknown-kind", ("unknown kind 'brandkår'", "okänd typ")),
        (
            "invalid-unknown-part-of.csv",
            3,
            "part_of",
            "unknown-part-of",
            ("Unknown part_of", "Okänd part_of"),
        ),
        ("invalid-bad-id.csv", 3, "id", "bad-id", ("cannot be an id", "kan inte vara ett id")),
        ("invalid-missing-name.csv", 3, "name", "bad-name", ("name is missing", "Namnet saknas")),
        ("invalid-unknown-county.csv", 3, "county", "unknown-county", ("unknown county", "okänt län")),
        ("invalid-unknown-column.csv", 1, "homepage", "unknown-column", ("unknown column", "okänd kolumn")),
    ],
)
def test_a_refused_file_names_file_row_and_column_and_changes_nothing(
    loaded_store_dir: str, name: str, row: int, column: str, code: str, words: tuple[str, str]
) -> None:
    before = dump(loaded_store_dir)
    exit_code, out = run(
        loaded_store_dir, "organisations", "import", str(FIXTURES / name), "--format", "json"
    )
    assert exit_code == 2, out
    error = json.loads(out)
    assert (error["file"], error["row"], error["column"], error["error"]) == (name, row, column, code)
    assert words[0] in error["message"]["en"] and words[1] in error["message"]["sv"]
    assert dump(loaded_store_dir) == before
    exit_code, text = run(loaded_store_dir, "organisations", "import", str(FIXTURES / name))
    assert exit_code == 2 and f"{name}, row {row}, column {column}" in text


def test_an_id_registered_already_is_refused(loaded_store_dir: str) -> None:
    code, out = run(loaded_store_dir, "organisations", "import", str(FIXTURES / "valid-partners.csv"))
    assert code == 0, out
    before = dump(loaded_store_dir)
    code, out = run(
        loaded_store_dir,
        "organisations",
        "add",
        "--id",
        "bris-ostergotland",
        "--name",
        "Bris",
        "--kind",
        "civilsamhalle",
    )
    assert code == 2 and "registered already" in out and "redan registrerat" in out
    code, out = run(loaded_store_dir, "organisations", "import", str(FIXTURES / "valid-partners.csv"))
    assert code == 2 and "5 problem(s)" in out
    assert dump(loaded_store_dir) == before
