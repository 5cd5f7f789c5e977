"""Mapping graphs: the matcher's reading of names-only lists reaches the graph, the queries count it, and
every decision (CLI and HTTP) changes the answers at once and survives a resubmission of the same names.

Also the two regression tests of issue 11: a rejection holds against the submission's own ``program`` cell,
and accepting a variant keeps it a variant (no hidden label: no false merge).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.catalogue.queries import Catalogue as Queries
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.harmonisation.mapping import derive_all
from insatsgraf.harmonisation.matcher import propose
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.store import Store
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.lists import submit, submit_file

SETTINGS = Settings()
BASE = SETTINGS.base
NAMES_ONLY = Path(__file__).parent / "fixtures" / "harmonise" / "names-only"
LISTS = {"0461": "0461-gnesta.csv", "0428": "0428-vingaker.csv", "0486": "0486-strangnas.csv"}
COUNTY = {"county": "Södermanlands län"}
KOMET = {"programme": iris.programme("komet", BASE)}
QUERIES = Queries.load(SETTINGS.queries_dir)
LINKOPING = SETTINGS.domain / "submissions" / "0580-linkoping-2021.csv"
SKAGGETORP = "Utökat hembesöksprogram i Skäggetorp"


def short(value: str) -> str:
    if value.startswith(str(IG)):
        return value[len(str(IG)) :]
    return value.rsplit("/", 1)[-1] if value.startswith(f"{BASE}id/") else value


def rows(store: Store, query: str, params: dict[str, str]) -> list[dict[str, str]]:
    return [{k: short(v) for k, v in row.items()} for row in QUERIES.run(store, query, params).table()]


def names(store: Store, query: str, params: dict[str, str]) -> set[str]:
    return {row["localName"] for row in rows(store, query, params)}


def submit_lists(store: Store, day: str, reverse: bool = False) -> None:
    for org, file in LISTS.items():
        lines = (NAMES_ONLY / file).read_text(encoding="utf-8").splitlines()
        body = list(reversed(lines[1:])) if reverse else lines[1:]
        data = ("\n".join([lines[0], *body]) + "\n").encode("utf-8")
        submit(store, SETTINGS, data, file, org, day, "FoU Sörmland")


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    st = OxigraphStore(None, base=BASE)
    load_bundled(st, SETTINGS)
    submit_lists(st, "2024-03-01")
    yield st


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    settings = SETTINGS.with_(store=str(tmp_path / "store"))
    st = OxigraphStore(settings.store, base=BASE)
    load_bundled(st, settings)
    submit_lists(st, "2024-03-01")
    st.close()
    yield settings.store, tmp_path / "decisions.ttl"


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


# -- names only: the acceptance of issue 11 ------------------------------------------------------


def test_names_only_lists_are_linked_with_status_and_basis(store: OxigraphStore) -> None:
    same = {
        (r["localName"], r["programme"], r["status"], r["basis"])
        for r in rows(store, "same-programme-different-names", COUNTY)
    }
    assert ("Komet 3-11 år", "komet", "auto", "label+age") in same
    assert ("COS", "cos", "auto", "label") in same
    assert {("LIHF/IHF", "lihf", "auto", "split:label"), ("LIHF/IHF", "ihf", "auto", "split:label")} <= same
    assert not {r for r in same if r[0] in ("Förstärkt Komet", "MST-liknande insats")}, (
        "a variant is not the programme"
    )
    komet = {
        (r["localName"], r["relation"], r["status"]) for r in rows(store, "offerings-of-programme", KOMET)
    }
    assert komet == {
        ("Komet 3-11 år", "implements", "auto"),
        ("KOMET", "implements", "auto"),
        ("Komet 12-18 år", "implements", "auto"),
        ("Förstärkt Komet", "variantOf", "auto"),
    }
    mst = rows(store, "offerings-of-programme", {"programme": iris.programme("mst", BASE)})
    assert [(r["localName"], r["relation"], r["variantKindLabel"]) for r in mst] == [
        ("MST-liknande insats", "variantOf", "Liknande")
    ]
    matrix = {
        (r["organisationLabel"], r["programme"]): r["offerings"]
        for r in rows(store, "coverage-matrix", COUNTY)
    }
    assert matrix[("Gnesta", "komet")] == "2" and matrix[("Vingåker", "mst")] == "1"
    assert matrix[("Strängnäs", "cos")] == "1" and matrix[("Gnesta", "lihf")] == "1"
    assert names(store, "unmatched-local-interventions", COUNTY) == {
        "Läsfrämjande hundstund",
        "Familjeterapihund",
        "Mini Macho",  # only a review candidate: not counted
    }
    assert names(store, "harmonisation-review", COUNTY) == {"Mini Macho"}


def test_the_mapping_resource_says_how_the_link_was_made(store: OxigraphStore) -> None:
    graph = store.graph(iris.mapping_graph("0461", BASE))
    offering = URIRef(iris.offering("0461", "forstarkt-komet", BASE))
    node = URIRef(iris.mapping(str(offering), "komet", BASE))
    assert (node, RDF.type, IG.Mapping) in graph
    assert graph.value(node, IG.mappedOffering) == offering
    assert graph.value(node, IG.mappingStatus) == URIRef(iris.concept("mapping-status", "auto", BASE))
    assert graph.value(node, IG.mappingRelation) == URIRef(iris.concept("variant-kind", "own-variant", BASE))
    assert graph.value(node, IG.matchBasis) == Literal("variant")
    activity = graph.value(node, PROV.wasGeneratedBy)
    agent = graph.value(activity, PROV.wasAssociatedWith)
    assert (agent, RDF.type, PROV.SoftwareAgent) in graph
    assert (offering, IG.variantOf, URIRef(iris.programme("komet", BASE))) in graph
    assert str(graph.value(node, URIRef("http://purl.org/dc/terms/source"))).endswith("/0461/2024-03-01")
    # the review candidate has a mapping resource but no counted link
    macho = URIRef(iris.offering("0461", "mini-macho", BASE))
    assert (URIRef(iris.mapping(str(macho), "machofabriken", BASE)), RDF.type, IG.Mapping) in graph
    assert not set(graph.triples((macho, IG.variantOf, None)))
    # a local name gets none
    assert not set(
        graph.triples(
            (None, IG.mappedOffering, URIRef(iris.offering("0461", "lasframjande-hundstund", BASE)))
        )
    )


def test_deriving_everything_again_changes_nothing(store: OxigraphStore) -> None:
    before = store.dump_nquads()
    assert derive_all(store) >= 3
    assert store.dump_nquads() == before


def test_every_decision_changes_the_answers_at_once_and_survives_resubmission(disk: tuple[str, Path]) -> None:
    path, decisions = disk
    common = ["--by", "Lina Larsson", "--store", path, "--decisions", str(decisions)]
    # reject (CLI): Strängnäs's "Cos" is not COS
    cli("harmonise", "reject", "Cos", "cos", "--org", "0486", *common)
    # map (CLI): the therapy dog is a variant of family treatment in Vingåker
    cli(
        "harmonise",
        "map",
        "Familjeterapihund",
        "familjebehandling",
        "--relation",
        "own-variant",
        "--org",
        "0428",
        *common,
    )
    # accept (CLI): Mini Macho, proposed as a local adaptation, stays one
    cli("harmonise", "accept", "Mini Macho", "machofabriken", *common)
    # accept (HTTP): the Gnesta token accepts "Komet 3-11 år" for Gnesta
    st = OxigraphStore(path, base=BASE)
    try:
        tokens = TokenRegistry(decisions.parent / "tokens.json")
        token, _ = tokens.issue("0461")
        application = create_app(SETTINGS, st, tokens=tokens)
        application.state.decisions_path = decisions
        with TestClient(application) as client:
            body = {
                "name": "Komet 3-11 år",
                "outcome": "accepted",
                "programme": "komet",
                "by": "Sanna",
                "org": "0461",
            }
            r = client.post("/harmonise/decisions", json=body, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201, r.text
            assert r.json()["relation"] == "same"

        def check() -> None:
            same = {
                (r["localName"], r["organisationLabel"], r["status"])
                for r in rows(st, "same-programme-different-names", COUNTY)
            }
            assert ("Cos", "Strängnäs", "auto") not in {(a, b, c) for a, b, c in same}
            assert not any(r[0] == "Cos" and r[1] == "Strängnäs" for r in same)
            assert ("COS", "Gnesta", "auto") in same  # the rejection was scoped to Strängnäs
            assert ("Komet 3-11 år", "Gnesta", "decided") in same
            unmatched = names(st, "unmatched-local-interventions", COUNTY)
            assert unmatched == {"Läsfrämjande hundstund", "Cos"}
            family = rows(
                st, "offerings-of-programme", {"programme": iris.programme("familjebehandling", BASE)}
            )
            assert ("Familjeterapihund", "variantOf", "decided") in {
                (r["localName"], r["relation"], r["status"]) for r in family
            }
            macho = rows(st, "offerings-of-programme", {"programme": iris.programme("machofabriken", BASE)})
            assert [(r["localName"], r["relation"], r["status"]) for r in macho] == [
                ("Mini Macho", "variantOf", "decided")
            ]
            assert names(st, "harmonisation-review", COUNTY) == set()

        check()
        # resubmission: the same names, rows in another order, a new date (new offering IRIs for nobody,
        # new submission IRIs): the decisions still hold
        submit_lists(st, "2024-09-01", reverse=True)
        check()
    finally:
        st.close()


# -- regression tests of issue 11 ----------------------------------------------------------------


def test_a_rejection_holds_against_the_submissions_own_program_cell(tmp_path: Path) -> None:
    """Defect: `harmonise reject "KOMET föräldrakurs" komet --org 0486` still listed komet as review
    (basis `submission`) when the file's `program` cell said komet."""
    settings = SETTINGS.with_(store=str(tmp_path / "store"))
    st = OxigraphStore(settings.store, base=BASE)
    load_bundled(st, settings)
    csv = tmp_path / "0486-strangnas.csv"
    csv.write_text("insats,program\nKOMET föräldrakurs,komet\n", encoding="utf-8")
    submit_file(st, settings, csv, "0486", "2024-03-01", "t")
    st.close()
    decisions = tmp_path / "decisions.ttl"
    cli(
        "harmonise",
        "reject",
        "KOMET föräldrakurs",
        "komet",
        "--org",
        "0486",
        "--by",
        "Lina",
        "--store",
        settings.store,
        "--decisions",
        str(decisions),
    )
    out = cli("harmonise", "--org", "0486", "--store", settings.store)
    assert "komet" not in out, out
    assert "0486,KOMET föräldrakurs,,none,0.0,none" in out
    st = OxigraphStore(settings.store, base=BASE)
    try:
        assert names(st, "unmatched-local-interventions", COUNTY) == {"KOMET föräldrakurs"}
        assert not rows(st, "offerings-of-programme", KOMET)
        graph = st.graph(iris.mapping_graph("0486", BASE))
        assert not set(graph.triples((None, IG.implements, None)))
        [node] = graph.subjects(IG.mappingStatus, URIRef(iris.concept("mapping-status", "rejected", BASE)))
        assert graph.value(node, PROV.wasDerivedFrom) is not None
    finally:
        st.close()


def test_accepting_a_variant_keeps_it_a_variant(tmp_path: Path) -> None:
    """Defect: `harmonise accept` of a name proposed as a variant ("Utökat hembesöksprogram i Skäggetorp", a
    local adaptation) recorded `same` and made the name a hidden label of the programme: a false merge."""
    settings = SETTINGS.with_(store=str(tmp_path / "store"))
    st = OxigraphStore(settings.store, base=BASE)
    load_bundled(st, settings)
    submit_file(st, settings, LINKOPING, "0580", "2021-06-01", "t")
    st.close()
    decisions = tmp_path / "decisions.ttl"
    common = ["--by", "Lina", "--store", settings.store, "--decisions", str(decisions)]
    out = cli("harmonise", "accept", SKAGGETORP, *common)
    assert "(local-adaptation)" in out, out
    st = OxigraphStore(settings.store, base=BASE)
    try:
        graph = st.graph(iris.graph("decisions", BASE))
        assert Literal(SKAGGETORP) not in set(graph.objects(None, SKOS.hiddenLabel))
        [p] = [p for p in propose(st, settings, "0580") if p.insats == SKAGGETORP]
        assert (p.programme, p.relation, p.variant_kind, p.status) == (
            "hembesoksprogram",
            "variant",
            "local-adaptation",
            "decided",
        )
        found = rows(st, "offerings-of-programme", {"programme": iris.programme("hembesoksprogram", BASE)})
        assert [(r["localName"], r["relation"]) for r in found] == [(SKAGGETORP, "variantOf")]
    finally:
        st.close()
    # only an explicit `map ... --relation same` makes it the same programme
    cli("harmonise", "map", SKAGGETORP, "hembesoksprogram", "--relation", "same", *common)
    st = OxigraphStore(settings.store, base=BASE)
    try:
        found = rows(st, "offerings-of-programme", {"programme": iris.programme("hembesoksprogram", BASE)})
        assert [(r["localName"], r["relation"]) for r in found] == [(SKAGGETORP, "implements")]
    finally:
        st.close()


def test_accepting_a_variant_over_http_keeps_it_a_variant(tmp_path: Path) -> None:
    st = OxigraphStore(None, base=BASE)
    load_bundled(st, SETTINGS)
    submit_file(st, SETTINGS, LINKOPING, "0580", "2021-06-01", "t")
    tokens = TokenRegistry(tmp_path / "tokens.json")
    token, _ = tokens.issue_curator()  # a national decision
    application = create_app(SETTINGS, st, tokens=tokens)
    application.state.decisions_path = tmp_path / "decisions.ttl"
    with TestClient(application) as client:
        body = {"name": SKAGGETORP, "outcome": "accepted", "programme": "hembesoksprogram", "by": "Lina"}
        r = client.post("/harmonise/decisions", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text
        assert r.json()["relation"] == "local-adaptation"
    graph = st.graph(iris.graph("decisions", BASE))
    assert not set(graph.objects(None, SKOS.hiddenLabel))


def test_programme_and_organisation_pages_show_the_links_with_their_status(store: OxigraphStore) -> None:
    application = create_app(SETTINGS, store)
    with TestClient(application) as client:
        page = client.get("/id/programme/komet", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "Förstärkt Komet" in page.text and "Komet 3-11 år" in page.text
        assert 'class="status status-auto"' in page.text
        org = client.get("/id/organisation/0461", headers={"Accept": "text/html"})
        assert org.status_code == 200
        assert "Mini Macho" in org.text and "Läsfrämjande hundstund" in org.text
        assert 'class="status status-auto"' in org.text


def test_the_dumps_carry_the_mapping_graphs(store: OxigraphStore) -> None:
    from insatsgraf.publication.dumps import published_graph_names

    assert iris.mapping_graph("0461", BASE) in published_graph_names(store)
