"""``insatsgraf queries`` and ``insatsgraf query``: listing, every output format, errors with exit code 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

runner = CliRunner()


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An on-disk store with the bundled data, as `insatsgraf load` leaves it."""
    path = tmp_path_factory.mktemp("cli") / "store"
    store = OxigraphStore(path)
    load_bundled(store, Settings())
    store.close()
    return str(path)


def invoke(*args: str, store: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"INSATSGRAF_STORE": store, "COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_queries_lists_the_catalogue_with_titles(store_dir: str) -> None:
    code, out, _ = invoke("queries", store=store_dir)
    assert code == 0
    catalogue = Catalogue.load(Settings().queries_dir)
    assert len(catalogue) >= 12
    for q in catalogue:
        assert q.name in out
    assert "Samma program under olika namn" in out and "Same programme, different names" in out


def test_query_json_is_sparql_results_json(store_dir: str) -> None:
    code, out, _ = invoke("query", "municipality-profile", "--format", "json", store=store_dir)
    assert code == 0
    doc = json.loads(out)
    assert doc["head"]["vars"] == ["property", "concept", "conceptLabel", "offering", "localName"]
    names = {b["localName"]["value"] for b in doc["results"]["bindings"]}
    assert "MiniMaria" in names
    assert all(b["offering"]["type"] == "uri" for b in doc["results"]["bindings"])


def test_query_csv_and_tsv(store_dir: str) -> None:
    code, out, _ = invoke(
        "query", "coverage-matrix", "-p", "county=Östergötlands län", "-f", "csv", store=store_dir
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    mini_maria = next(r for r in rows if r["programmeLabel"] == "Mini Maria")
    assert (mini_maria["organisationLabel"], mini_maria["offerings"]) == ("Linköping", "1")
    code, out, _ = invoke("query", "coverage-matrix", "-f", "tsv", store=store_dir)
    assert code == 0
    header, first = out.splitlines()[:2]
    assert header.split("\t")[0] == "?organisation"
    assert first.startswith('<https://w3id.org/insatsgraf/id/organisation/0580>\t"Linköping"')


def test_query_table_shows_labels_and_shortens_iris(store_dir: str) -> None:
    code, out, _ = invoke("query", "offerings-of-programme", store=store_dir)
    assert code == 0
    assert "Linköping" in out and "id:organisation/0580" not in out, "the label replaces the IRI beside it"
    assert "id:offering/0580/minimaria" in out and "MiniMaria" in out and "ig:implements" in out


def test_query_from_a_file(store_dir: str, tmp_path: Path) -> None:
    rq = tmp_path / "count.rq"
    rq.write_text(
        "# Why: count offerings.\n#+ summary: Count\n"
        "PREFIX ig: <https://w3id.org/insatsgraf/def#>\n"
        "SELECT (COUNT(?o) AS ?n) WHERE { ?o ig:offeredBy ?_org_iri }\n",
        encoding="utf-8",
    )
    code, out, _ = invoke(
        "query",
        str(rq),
        "-p",
        "org=https://w3id.org/insatsgraf/id/organisation/0580",
        "-f",
        "csv",
        store=store_dir,
    )
    assert code == 0
    assert int(out.splitlines()[1]) > 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("query", "no-such-query"), "no query named 'no-such-query'"),
        (("query", "municipality-profile", "-p", "org=not an iri"), "parameter org"),
        (("query", "municipality-profile", "-p", "org"), "write key=value"),
        (("query", "municipality-profile", "-p", "nope=1"), "has no parameter 'nope'"),
        (("query", "missing.rq"), "no such file"),
    ],
)
def test_query_errors_exit_2_with_a_bilingual_message(
    store_dir: str, args: tuple[str, ...], message: str
) -> None:
    code, _, err = invoke(*args, store=store_dir)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) >= 2, "English and Swedish"


def test_query_without_a_store_says_to_load(tmp_path: Path) -> None:
    code, _, err = invoke("query", "coverage-matrix", store=str(tmp_path / "nothing"))
    assert code == 2 and "insatsgraf load" in err
    assert not (tmp_path / "nothing").exists(), "a query creates no store"
