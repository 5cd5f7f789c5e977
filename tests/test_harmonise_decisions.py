"""Decisions: recorded with who, when and why (PROV-O) in the file and the store, they change the next
``harmonise`` run as recorded and survive a resubmission of the same names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import FOAF, PROV, RDF, SKOS
from typer.testing import CliRunner

from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation.decisions import Decision, read_file, record_decision, sync_store
from insatsgraf.harmonisation.matcher import CSV_COLUMNS, propose
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.lists import submit_file

FIXTURES = Path(__file__).parent / "fixtures" / "harmonise"
GNESTA = FIXTURES / "0461-gnesta.csv"
LINKOPING = Settings().domain / "submissions" / "0580-linkoping-2021.csv"


def table(store: OxigraphStore, org: str = "0461") -> set[tuple[str, str, str, str]]:
    return {(p.insats, p.programme, p.relation, p.status) for p in propose(store, None, org)}


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    settings = Settings()
    st = OxigraphStore(None, base=settings.base)
    load_bundled(st, settings)
    submit_file(st, settings, GNESTA, "0461", "2023-05-01", "Sanna Tiikkaja")
    yield st


def test_proposals_over_the_store(store: OxigraphStore) -> None:
    rows = table(store)
    assert ("Mini Macho", "machofabriken", "variant", "review") in rows
    assert {r for r in rows if r[0] == "LIHF/IHF"} == {
        ("LIHF/IHF", "lihf", "same", "auto"),
        ("LIHF/IHF", "ihf", "same", "auto"),
    }
    assert ("Familjeterapihund", "", "none", "none") in rows
    assert ("MST-liknande insats", "mst", "variant", "auto") in rows


def test_unknown_organisation_is_a_user_error(store: OxigraphStore) -> None:
    with pytest.raises(UserError, match="unknown organisation"):
        propose(store, None, "9999")
    with pytest.raises(UserError, match="unknown organisation"):
        propose(store, None, "0461> ?p ?o } #")  # never reaches a query


def test_a_decision_is_recorded_in_file_and_store_with_provenance(
    store: OxigraphStore, tmp_path: Path
) -> None:
    path = tmp_path / "decisions.ttl"
    record_decision(
        store,
        Settings(),
        Decision(
            "Mini Macho",
            "mapped",
            "machofabriken",
            "Lina Larsson",
            "local-adaptation",
            "Mellanstadiet, FoU-podden 86",
        ),
        path,
    )
    graph = store.graph(iris.graph("decisions", store.base))
    [node] = list(graph.subjects(RDF.type, IG.Decision))
    assert (node, RDF.type, PROV.Activity) in graph
    assert graph.value(node, IG.decidedName) == Literal("Mini Macho")
    assert graph.value(node, IG.decidedProgramme) == URIRef(iris.programme("machofabriken", store.base))
    assert graph.value(node, IG.decisionOutcome) == URIRef(
        iris.concept("decision-outcome", "mapped", store.base)
    )
    assert graph.value(node, IG.decisionRelation) == URIRef(
        iris.concept("variant-kind", "local-adaptation", store.base)
    )
    assert graph.value(node, IG.reason) == Literal("Mellanstadiet, FoU-podden 86")
    assert graph.value(node, PROV.endedAtTime) is not None
    agent = graph.value(node, PROV.wasAssociatedWith)
    assert graph.value(agent, FOAF.name) == Literal("Lina Larsson")
    # the file holds the same decision and describes itself
    [again] = read_file(path, store.base)
    assert (again.name, again.programme, again.relation, again.by) == (
        "Mini Macho",
        "machofabriken",
        "local-adaptation",
        "Lina Larsson",
    )
    assert "owl:versionInfo" in path.read_text(encoding="utf-8")
    assert ("Mini Macho", "machofabriken", "variant", "decided") in table(store)


def test_accept_reject_map_change_the_next_run_and_survive_resubmission(
    store: OxigraphStore, tmp_path: Path
) -> None:
    path, settings = tmp_path / "decisions.ttl", Settings()

    def decide(*args: object, **kw: object) -> None:
        record_decision(store, settings, Decision(*args, **kw), path)  # type: ignore[arg-type]

    decide("Familjeterapihund", "mapped", None, "Lina", reason="lokal insats, på ingen lista")
    decide("Trygghetscirkel", "rejected", "cos", "Lina", reason="annan insats i Gnesta")
    decide("Mini Macho", "accepted", "machofabriken", "Lina", "local-adaptation")
    decide("Förstärkt Komet", "mapped", "komet", "Lina", "own-variant", org="0461")
    after = table(store)
    assert ("Trygghetscirkel", "", "none", "none") in after
    assert ("Mini Macho", "machofabriken", "variant", "decided") in after
    assert ("Familjeterapihund", "", "none", "none") in after
    # resubmission: same names, a new date, rows in another order → new offering IRIs, same decisions
    lines = GNESTA.read_text(encoding="utf-8").splitlines()
    again = tmp_path / "0461-gnesta-2024.csv"
    again.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    submit_file(store, settings, again, "0461", "2024-05-01", "Sanna Tiikkaja")
    assert table(store) == after
    # and a fresh store loaded from the file only (as `insatsgraf load` does) decides the same way
    other = OxigraphStore(None, base=settings.base)
    load_bundled(other, settings)
    submit_file(other, settings, GNESTA, "0461", "2023-05-01", "Sanna Tiikkaja")
    assert sync_store(other, settings, path) == 4
    assert table(other) == after


def test_an_accepted_same_name_becomes_a_hidden_label(store: OxigraphStore, tmp_path: Path) -> None:
    path = tmp_path / "decisions.ttl"
    record_decision(store, Settings(), Decision("Trygghetscirklarna", "mapped", "cos", "Lina"), path)
    graph = store.graph(iris.graph("decisions", store.base))
    assert (
        URIRef(iris.programme("cos", store.base)),
        SKOS.hiddenLabel,
        Literal("Trygghetscirklarna"),
    ) in graph
    # variants and scoped decisions are not labels of the programme
    record_decision(
        store, Settings(), Decision("Mini Macho", "mapped", "machofabriken", "Lina", "local-adaptation"), path
    )
    record_decision(store, Settings(), Decision("Stödteam", "mapped", "ihf", "Lina", org="0461"), path)
    graph = store.graph(iris.graph("decisions", store.base))
    assert set(graph.objects(None, SKOS.hiddenLabel)) == {Literal("Trygghetscirklarna")}
    # a later rejection removes the label again
    record_decision(store, Settings(), Decision("Trygghetscirklarna", "rejected", "cos", "Lina"), path)
    graph = store.graph(iris.graph("decisions", store.base))
    assert not set(graph.objects(None, SKOS.hiddenLabel))


@pytest.mark.parametrize(
    "decision,message",
    [
        (Decision("Cos", "accepted", "nosuch", "Lina"), "unknown programme"),
        (Decision("Cos", "accepted", "cos", ""), "who decides"),
        (Decision("Cos", "accepted", "cos", "Lina", org="9999"), "unknown organisation"),
        (Decision("Cos", "accepted", "cos", "Lina", relation="sibling"), "unknown relation"),
        (Decision("Cos", "rejected", None, "Lina"), "need a programme"),
        (Decision("Cos", "accepted", "cos> ?p ?o", "Lina"), "not a programme id"),
        (Decision("Cos", "accepted", "cos", "Lina", org="0461>"), "unknown organisation"),
    ],
)
def test_bad_decisions_change_nothing(
    store: OxigraphStore, tmp_path: Path, decision: Decision, message: str
) -> None:
    path = tmp_path / "decisions.ttl"
    before = store.dump_nquads()
    with pytest.raises(UserError, match=message):
        record_decision(store, Settings(), decision, path)
    assert store.dump_nquads() == before
    assert not path.exists()


def test_an_unwritable_file_leaves_the_store_unchanged(store: OxigraphStore, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a folder should be", encoding="utf-8")
    before = store.dump_nquads()
    with pytest.raises(UserError, match="cannot be written"):
        record_decision(
            store, Settings(), Decision("Cos", "accepted", "cos", "Lina"), blocked / "decisions.ttl"
        )
    assert store.dump_nquads() == before


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def disk_store(tmp_path: Path) -> str:
    settings = Settings().with_(store=str(tmp_path / "store"))
    st = OxigraphStore(settings.store, base=settings.base)
    load_bundled(st, settings)
    submit_file(st, settings, GNESTA, "0461", "2023-05-01", "Sanna Tiikkaja")
    st.close()
    return settings.store


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_csv_columns_and_rows(disk_store: str) -> None:
    out = cli("harmonise", "--org", "0461", "--store", disk_store)
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    split = [r for r in rows[1:] if r[1] == "Nätverksmöten och SIP"]
    assert sorted(r[2] for r in split) == ["natverksmote", "sip"]
    assert ["0461", "Familjeterapihund", "", "none", "0.0", "none"] in rows
    assert len({r[1] for r in rows[1:]}) == 11  # every name of the submission, once or more


def test_cli_json_and_decisions_round_trip(disk_store: str, tmp_path: Path) -> None:
    dec = str(tmp_path / "decisions.ttl")
    before = json.loads(cli("harmonise", "--org", "0461", "--format", "json", "--store", disk_store))
    assert {"org", "insats", "programme", "relation", "score", "status", "variant_kind"} <= set(before[0])
    cli(
        "harmonise",
        "accept",
        "Mini Macho",
        "--by",
        "Lina Larsson",
        "--reason",
        "lokal anpassning",
        "--store",
        disk_store,
        "--decisions",
        dec,
    )
    cli(
        "harmonise",
        "reject",
        "Trygghetscirkel",
        "cos",
        "--by",
        "Lina",
        "--store",
        disk_store,
        "--decisions",
        dec,
    )
    cli(
        "harmonise",
        "map",
        "Familjeterapihund",
        "familjebehandling",
        "--relation",
        "own-variant",
        "--org",
        "0461",
        "--by",
        "Lina",
        "--store",
        disk_store,
        "--decisions",
        dec,
    )
    rows = {
        (r["insats"], r["programme"], r["relation"], r["status"])
        for r in json.loads(cli("harmonise", "--format", "json", "--store", disk_store))
    }
    assert ("Mini Macho", "machofabriken", "variant", "decided") in rows
    assert ("Trygghetscirkel", "", "none", "none") in rows
    assert ("Familjeterapihund", "familjebehandling", "variant", "decided") in rows
    assert len(read_file(Path(dec), Settings().base)) == 3


def test_cli_errors_exit_2_and_write_nothing(disk_store: str, tmp_path: Path) -> None:
    dec = tmp_path / "decisions.ttl"
    result = CliRunner().invoke(
        app,
        [
            "harmonise",
            "accept",
            "Familjeterapihund",
            "--by",
            "Lina",
            "--store",
            disk_store,
            "--decisions",
            str(dec),
        ],
    )
    assert result.exit_code == 2 and "harmonise map" in result.output
    result = CliRunner().invoke(
        app,
        ["harmonise", "map", "Cos", "nosuch", "--by", "Lina", "--store", disk_store, "--decisions", str(dec)],
    )
    assert result.exit_code == 2 and "okänt program" in result.output
    result = CliRunner().invoke(app, ["harmonise", "--org", "9999", "--store", disk_store])
    assert result.exit_code == 2
    assert not dec.exists()


def test_the_submitters_program_and_variant_columns_weigh_in(store: OxigraphStore) -> None:
    settings = Settings()
    submit_file(store, settings, FIXTURES / "0428-vingaker.csv", "0428", "2023-05-01", "t")
    found = {(p.insats, p.programme, p.relation, p.status, p.basis) for p in propose(store, settings, "0428")}
    assert found == {
        ("Föräldragrupp enligt manual", "komet", "same", "stated", "submission"),  # the submitter's word
        ("Komett", "komet", "same", "confirmed", "fuzzy+submission"),  # a typo the submitter confirms
        ("Komet", "komet", "variant", "review", "label+submission"),  # "egen variant": never merged as Komet
    }
    submit_file(store, settings, LINKOPING, "0580", "2021-06-01", "t")
    [p] = [p for p in propose(store, settings, "0580") if p.insats.startswith("Utökat hembesöksprogram")]
    assert (p.programme, p.relation, p.variant_kind, p.status) == (
        "hembesoksprogram",
        "variant",
        "local-adaptation",
        "review",  # the file says variant, the matcher same: a person decides
    )


def test_a_decision_outweighs_the_submitters_statement(store: OxigraphStore, tmp_path: Path) -> None:
    settings = Settings()
    submit_file(store, settings, FIXTURES / "0428-vingaker.csv", "0428", "2023-05-01", "t")
    record_decision(
        store,
        settings,
        Decision("Komet", "accepted", "komet", "Lina", org="0428"),
        tmp_path / "decisions.ttl",
    )
    found = {(p.insats, p.programme, p.relation, p.status) for p in propose(store, settings, "0428")}
    assert ("Komet", "komet", "same", "decided") in found


def test_a_municipality_s_decision_holds_for_its_districts(store: OxigraphStore, tmp_path: Path) -> None:
    """0180-bromma is a unit of 0180 (``org:unitOf`` in the register): Stockholm's decision maps the
    district's offering too, in the district's mapping graph; the district's own decision wins over it, and
    another municipality's list is not touched (a regression: the scope matched the district's own id only)."""
    path, settings = tmp_path / "decisions.ttl", Settings()
    submit_file(store, settings, GNESTA, "0180-bromma", "2023-05-02", "Sanna Tiikkaja")
    name = "Förstärkt Komet"
    before = {row for row in table(store, "0461") if row[0] == name}
    record_decision(
        store, settings, Decision(name, "mapped", "komet", "Lina", "own-variant", org="0180"), path
    )
    assert (name, "komet", "variant", "decided") in table(store, "0180-bromma")
    assert {row for row in table(store, "0461") if row[0] == name} == before
    assert ("decided",) in mapping_statuses(store, "0180-bromma", name)
    record_decision(store, settings, Decision(name, "mapped", None, "Lina", org="0180-bromma"), path)
    assert (name, "", "none", "none") in table(store, "0180-bromma")
    assert ("decided",) not in mapping_statuses(store, "0180-bromma", name)


def mapping_statuses(store: OxigraphStore, org: str, name: str) -> set[tuple[str]]:
    """The statuses of the organisation's mappings in the store for offerings of that name."""
    graph = iris.mapping_graph(org, store.base)
    rows = store.query(
        f"""PREFIX ig: <{IG}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?status WHERE {{
          ?offering ig:localName "{name}" .
          GRAPH <{graph}> {{ ?m ig:mappedOffering ?offering ; ig:mappingStatus ?concept }}
          ?concept skos:notation ?status
        }}"""
    ).table()
    return {(row["status"],) for row in rows}
