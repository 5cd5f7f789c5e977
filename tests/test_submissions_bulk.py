"""Bulk work in one go (issue 15, item 7): ``insatsgraf submit FILE... | DIR`` submits each list on its own in
one process; a refused file changes nothing and stops nothing, the summary names it and why, the exit code
says one was refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insatsgraf.cli import app
from insatsgraf.commands.submissions import expand_files
from insatsgraf.config import Settings

EXAMPLES = Settings().examples_dir
LINKOPING = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
BAD = Path(__file__).parent / "bad_input"
runner = CliRunner()


@pytest.fixture
def store(loaded_store_dir: str) -> str:
    return loaded_store_dir


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three good lists (Gnesta, Vingåker, Norrköping) and, between them by name, a refused one for Linköping."""
    out = tmp_path / "lists"
    out.mkdir()
    for name in (
        "0428-vingaker-2022-03-01.csv",
        "0461-gnesta-2022-03-01.csv",
        "0581-norrkoping-2021-05-03.csv",
    ):
        shutil.copy(EXAMPLES / name, out / name)
    shutil.copy(BAD / "reversed-ages.csv", out / "0580-linkoping-reversed.csv")
    (out / "notes.txt").write_text("not a list", encoding="utf-8")
    (out / ".hidden.csv").write_text("insats\n", encoding="utf-8")
    return out


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def columns(out: str) -> list[str]:
    """Each table column's text joined down the table, without spaces, so a wrapped value reads whole."""
    found: dict[int, list[str]] = {}
    for line in out.splitlines():
        if "│" in line:
            for i, part in enumerate(line.split("│")[1:-1]):
                found.setdefault(i, []).append("".join(part.split()))
    return ["".join(parts) for parts in found.values()]


def history(store: str, org: str) -> list[dict[str, object]]:
    code, out, _ = run("history", "--org", org, "--store", store, "--format", "json")
    assert code == 0
    rows: list[dict[str, object]] = json.loads(out)
    return rows


def test_a_directory_gives_its_lists_by_name(folder: Path) -> None:
    assert [p.name for p in expand_files([folder])] == [
        "0428-vingaker-2022-03-01.csv",
        "0461-gnesta-2022-03-01.csv",
        "0580-linkoping-reversed.csv",
        "0581-norrkoping-2021-05-03.csv",
    ]
    assert expand_files([folder, folder / "0461-gnesta-2022-03-01.csv"]) == expand_files([folder])


def test_one_refused_list_stops_and_undoes_nothing(store: str, folder: Path) -> None:
    code, out, _ = run("submit", str(folder), "--store", store, "--date", "2024-03-01")
    assert code == 1, "a list was refused (validation)"
    assert "accepted / godkända: 3 of / av 4" in out and "refused / avvisade: 1" in out
    file, reason = columns(out)
    assert file.endswith("0580-linkoping-reversed.csv"), "the refused file is in the summary"
    assert "doesnotconform" in reason and "underkändes" in reason, "with its reason, in both languages"
    for org in ("0428", "0461", "0581"):
        assert len(history(store, org)) == 1, f"{org} was submitted"
    assert all(h["file"] != "0580-linkoping-reversed.csv" for h in history(store, "0580"))


def test_many_files_as_json(store: str, folder: Path) -> None:
    files = [str(folder / "0461-gnesta-2022-03-01.csv"), str(BAD / "syntax-error.ttl"), str(LINKOPING)]
    code, out, _ = run("submit", *files, "--store", store, "--format", "json")
    assert code == 2, "an unreadable file is exit 2"
    doc = json.loads(out)
    assert [d["accepted"] for d in doc] == [True, False, True]
    assert doc[1]["error"] == "turtle-syntax" and doc[1]["file"] == files[1]
    assert "/submission/0461/" in doc[0]["submission"] and "/submission/0580/" in doc[2]["submission"]


def test_all_accepted_exits_0(store: str, folder: Path) -> None:
    files = [str(folder / "0461-gnesta-2022-03-01.csv"), str(folder / "0428-vingaker-2022-03-01.csv")]
    code, out, _ = run("submit", *files, "--store", store)
    assert code == 0, out
    assert "accepted / godkända: 2 of / av 2" in out and "refused / avvisade: 0" in out


def test_the_name_check_holds_for_each_file(store: str, folder: Path) -> None:
    files = [str(folder / "0461-gnesta-2022-03-01.csv"), str(folder / "0428-vingaker-2022-03-01.csv")]
    code, out, _ = run("submit", *files, "--org", "0461", "--store", store)
    assert code == 2 and "filenamestartswithorganisation0428" in columns(out)[1]
    assert len(history(store, "0461")) == 1 and history(store, "0428") == []


def test_a_missing_file_is_one_refusal(store: str, folder: Path) -> None:
    code, out, _ = run(
        "submit", str(folder / "nope.csv"), str(folder / "0461-gnesta-2022-03-01.csv"), "--store", store
    )
    assert code == 2 and "refused / avvisade: 1" in out
    assert len(history(store, "0461")) == 1


def test_two_lists_of_one_organisation_go_in_in_their_order(store: str, tmp_path: Path) -> None:
    """The next list is validated while one is written; the writes keep the files' order, so the later
    file is the organisation's current list and the earlier one its previous submission."""
    out = tmp_path / "two"
    out.mkdir()
    text = LINKOPING.read_text(encoding="utf-8")
    shutil.copy(LINKOPING, out / "0580-a-first.csv")
    shorter = "".join(text.splitlines(keepends=True)[:6])  # five offerings
    (out / "0580-b-second.csv").write_text(shorter, encoding="utf-8")
    shutil.copy(BAD / "reversed-ages.csv", out / "0580-c-refused.csv")
    code, stdout, _ = run("submit", str(out), "--date", "2024-03-01", "--store", store, "--format", "json")
    assert code == 1, stdout
    doc = json.loads(stdout)
    assert [d["accepted"] for d in doc] == [True, True, False]
    assert doc[1]["previous"] == doc[0]["submission"] and doc[1]["offerings"] == 5
    files = [r["file"] for r in history(store, "0580")]
    assert files[-2:] == ["0580-a-first.csv", "0580-b-second.csv"], files  # oldest first
