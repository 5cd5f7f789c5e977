"""Tables that read (issue 15, item 5): at 80 columns ``insatsgraf query`` and ``insatsgraf queries`` wrap
instead of cutting, show labels instead of IRIs, and pivot the ``#+ pivot:`` queries into a matrix; csv and json
stay the plain, complete rows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from typer.testing import CliRunner

from insatsgraf.catalogue.queries import Catalogue, Pivot, parse_query
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

runner = CliRunner()
BOX = re.compile(r"[│┃┏┓┗┛┡┩┠┨┯┷┳┻╇━─┌┐└┘├┤┬┴┼╿╽]")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tables") / "store"
    store = OxigraphStore(path)
    load_bundled(store, Settings(), examples=True)
    store.close()
    return str(path)


def invoke(*args: str, store: str, columns: int = 80) -> str:
    result = runner.invoke(app, list(args), env={"INSATSGRAF_STORE": store, "COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def cells(out: str) -> str:
    """Each column's text joined down the table, without spaces, so a wrapped value reads whole."""
    columns: dict[int, list[str]] = {}
    for line in out.splitlines():
        if "│" in line or "┃" in line:
            for i, part in enumerate(re.split("[│┃]", line)[1:-1]):
                columns.setdefault(i, []).append("".join(part.split()))
    return "\n".join("".join(parts) for parts in columns.values())


def csv_rows(store: str, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(invoke("query", *args, "-f", "csv", store=store, columns=200))))


def test_query_tables_fit_80_columns_and_cut_nothing(store_dir: str) -> None:
    for name in ("municipality-profile", "same-programme-different-names", "own-variants"):
        out = invoke("query", name, store=store_dir)
        assert all(len(line) <= 80 for line in out.splitlines()), name
        assert "…" not in out, f"{name}: a value was cut"


def test_labels_replace_the_iri_beside_them(store_dir: str) -> None:
    out = invoke("query", "municipality-profile", store=store_dir)
    rows = csv_rows(store_dir, "municipality-profile")
    header = out.splitlines()[2]
    assert "concept" in header and "conceptLabel" not in header
    text = cells(out)
    assert "Indikerad" in text and "id:concept/" not in text
    assert all("".join(r["localName"].split()) in text for r in rows), "every local name is there, whole"
    assert "id:offering/0580/minimaria" in text, (
        "an IRI without a label is shown whole, shortened by its prefix"
    )


def test_coverage_matrix_is_a_matrix(store_dir: str) -> None:
    """One line per value of the longer side (a terminal is narrow), one column per value of the other."""
    rows = csv_rows(store_dir, "coverage-matrix", "-p", "county=Sörmland")
    out = invoke("query", "coverage-matrix", "-p", "county=Sörmland", store=store_dir)
    assert all(len(line) <= 80 for line in out.splitlines())
    lines = [BOX.sub("|", line) for line in out.splitlines()]
    organisations = {r["organisationLabel"] for r in rows}
    programmes = {r["programmeLabel"] for r in rows}
    down, across = (
        ("programme", "organisation")
        if len(programmes) > len(organisations)
        else (
            "organisation",
            "programme",
        )
    )
    downs = programmes if down == "programme" else organisations
    acrosses = organisations if down == "programme" else programmes
    body = [line for line in lines if any(f"| {d} " in line for d in downs)]
    assert len(body) == len(downs), f"one line per {down}"
    assert all("".join(a.split()) in cells(out) for a in acrosses), f"one column per {across}"
    assert cells(out).startswith(f"{down}×{across}")
    for line in body:
        values = [v.strip() for v in line.strip("|").split("|")]
        first, counts = values[0], values[1:]
        expected = {r[f"{across}Label"]: r["offerings"] for r in rows if r[f"{down}Label"] == first}
        assert sorted(c for c in counts if c != "–") == sorted(expected.values())
        assert counts.count("–") == len(acrosses) - len(expected), "a missing cell is a dash"


def test_the_longer_side_of_the_matrix_goes_down(store_dir: str) -> None:
    """Östergötland: 2 organisations × 12 programmes reads as 12 lines, not 12 columns of 3 letters."""
    rows = csv_rows(store_dir, "coverage-matrix")
    out = invoke("query", "coverage-matrix", store=store_dir)
    programmes = {r["programmeLabel"] for r in rows}
    organisations = {r["organisationLabel"] for r in rows}
    assert len(programmes) > len(organisations)
    assert cells(out).startswith("programme×organisation")
    assert all(len(line) <= 80 for line in out.splitlines())


def test_csv_and_json_stay_the_plain_rows(store_dir: str) -> None:
    rows = csv_rows(store_dir, "coverage-matrix", "-p", "county=Sörmland")
    assert list(rows[0]) == ["organisation", "organisationLabel", "programme", "programmeLabel", "offerings"]
    assert all(r["organisation"].startswith("https://w3id.org/insatsgraf/id/organisation/") for r in rows)


def test_queries_lists_every_default_whole_at_80_columns(store_dir: str) -> None:
    out = invoke("queries", store=store_dir)
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "…" not in out
    text = cells(out)
    for query in Catalogue.load(Settings().queries_dir):
        assert "".join(query.name.split()) in text
        for p in query.params:
            if p.default:
                assert "".join(p.default.split()) in text, f"{query.name}: {p.name}'s default is cut"


def test_the_pivot_decorator() -> None:
    catalogue = Catalogue.load(Settings().queries_dir)
    assert catalogue.get("coverage-matrix").pivot == Pivot("organisation", "programme", "offerings")
    assert catalogue.get("prevention-level-counts").pivot == Pivot("organisation", "level", "offerings")
    assert catalogue.get("municipality-profile").pivot is None
    with pytest.raises(UserError) as caught:
        parse_query("#+ pivot: {rows: a}\nSELECT * { ?a ?b ?c }", name="bad")
    assert caught.value.code == "bad-query"
