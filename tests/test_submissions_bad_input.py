"""Every file of the bad-input corpus is refused with its own message, and the store is byte-for-byte unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.lists import submit
from insatsgraf.submission.validate import ValidationFailed

CORPUS = Path(__file__).parent / "bad_input"
EXPECTED = list(csv.DictReader((CORPUS / "expected.csv").open(encoding="utf-8")))


def test_the_corpus_has_at_least_twenty_files_and_each_is_listed() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.name not in ("expected.csv", "README.md")}
    assert len(files) >= 20
    assert files == {row["file"] for row in EXPECTED}


def test_messages_are_distinct() -> None:
    """One problem, one message: only the same problem in two formats (CSV, XLSX) may share one."""
    keys = [(row["code"], row["rule"], row["message"], Path(row["file"]).suffix) for row in EXPECTED]
    assert len(set(keys)) == len(keys)


@pytest.fixture
def submitted_store(fresh_store: OxigraphStore) -> OxigraphStore:
    """The bundled data plus an earlier accepted submission, so a bad file would have something to spoil."""
    data = (Settings().domain / "submissions" / "0580-linkoping-2021.csv").read_bytes()
    submit(fresh_store, Settings(), data, "0580-linkoping-2021.csv", "0580", "2021-06-01", "Test")
    return fresh_store


@pytest.mark.parametrize("case", EXPECTED, ids=[row["file"] for row in EXPECTED])
def test_bad_file_is_refused_and_store_unchanged(
    case: dict[str, str], submitted_store: OxigraphStore
) -> None:
    before = submitted_store.dump_nquads()
    path = CORPUS / case["file"]
    with pytest.raises(UserError) as caught:
        submit(submitted_store, Settings(), path.read_bytes(), path.name, case["org"], "2022-01-01", "Test")
    error = caught.value
    assert error.code == case["code"]
    assert error.sv, "every message has a Swedish text"
    if case["rule"]:
        assert isinstance(error, ValidationFailed)
        rules = {r.shape.rsplit("#", 1)[-1] for r in error.report.violations if r.shape}
        assert case["rule"] in rules
        found = [r for r in error.report.violations if r.shape and r.shape.endswith(case["rule"])]
        assert any(case["message"] in r.message_en or case["message"] in r.message_sv for r in found)
        assert all(r.row for r in found), "a spreadsheet problem names its row"
    else:
        assert case["message"] in error.en
    assert submitted_store.dump_nquads() == before


def test_fifty_megabyte_file_is_refused_before_parsing(
    tmp_path: Path, submitted_store: OxigraphStore
) -> None:
    big = tmp_path / "huge.csv"
    row = "Mini Maria,mini-maria,Mottagning för unga.,samma,unga,13,20,indikerad,,,service,egen regi,,,,,\n"
    with big.open("w", encoding="utf-8") as out:
        out.write(
            "insats,program,beskrivning,variant,malgrupp,alder_fran,alder_till,preventionsniva,skr_kategori,"
            "problemomrade,form,regi,samverkan_med,antal_tillfallen,evidenskalla,uppfoljning,kommentar\n"
        )
        while out.tell() < 50 * 1024 * 1024:
            out.write(row * 1000)
    before = submitted_store.dump_nquads()
    from insatsgraf.submission.lists import submit_file

    with pytest.raises(UserError) as caught:
        submit_file(submitted_store, Settings(), big, "0580", "2022-01-01")
    assert caught.value.code == "too-large"
    assert "over the limit of 10 MB" in caught.value.en
    assert submitted_store.dump_nquads() == before


def test_size_limit_is_configurable(monkeypatch: pytest.MonkeyPatch, fresh_store: OxigraphStore) -> None:
    data = (Settings().domain / "submissions" / "0580-linkoping-2021.csv").read_bytes()
    monkeypatch.setenv("INSATSGRAF_MAX_FILE_MB", "0.001")
    with pytest.raises(UserError) as caught:
        submit(fresh_store, Settings(), data, "x.csv", "0580", "2022-01-01")
    assert caught.value.code == "too-large"


def test_the_other_limits_are_configurable_too(
    monkeypatch: pytest.MonkeyPatch, fresh_store: OxigraphStore
) -> None:
    """A deployment sets any ``InputLimits`` bound as ``INSATSGRAF_LIMIT_<NAME>``: with 10 rows allowed, the
    example list (more rows) is refused at its row limit and the store is unchanged."""
    data = (Settings().domain / "submissions" / "0580-linkoping-2021.csv").read_bytes()
    before = fresh_store.dump_nquads()
    monkeypatch.setenv("INSATSGRAF_LIMIT_MAX_ROWS", "10")
    assert Settings().limits.max_rows == 10
    with pytest.raises(UserError) as caught:
        submit(fresh_store, Settings(), data, "x.csv", "0580", "2022-01-01")
    assert caught.value.code == "too-many-rows" and "10 rows" in caught.value.en
    assert fresh_store.dump_nquads() == before


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_ROWS", "many"),
        ("MAX_ROWS", "0"),
        ("MAX_ROWS", "1.5"),
        ("MAX_SECONDS", "-1"),
        ("EARLIEST_DATE", "x"),
    ],
)
def test_a_bad_limit_setting_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"INSATSGRAF_LIMIT_{name}", value)
    with pytest.raises(UserError) as caught:
        Settings()
    assert caught.value.code == "bad-setting"
    assert f"INSATSGRAF_LIMIT_{name}" in caught.value.en and caught.value.sv


def test_the_cli_says_which_limit_setting_is_wrong() -> None:
    from typer.testing import CliRunner

    from insatsgraf.cli import app

    r = CliRunner().invoke(
        app, ["query", "unconfirmed-lists", "--store", "memory:"], env={"INSATSGRAF_LIMIT_MAX_ROWS": "x"}
    )
    assert r.exit_code == 2, r.output
    assert "INSATSGRAF_LIMIT_MAX_ROWS" in r.output and "gräns" in r.output
