"""Personal data stays off the public endpoint (issue 12): the names of the people who submitted lists
(``foaf:name`` in the provenance graphs) or made decisions are kept in personal graphs (``iris.personal_graph``)
that no query's dataset holds unless the deployment opts in; ``insatsgraf history`` still shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app as cli
from insatsgraf.config import Settings
from insatsgraf.harmonisation.decisions import Decision, record_decision
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.lists import history, submit_file

SUBMISSION = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
FOAF_NAME = "<http://xmlns.com/foaf/0.1/name>"
SUBMITTER, DECIDER = "Anna Andersson", "Lina Larsson"
CATALOGUE = Catalogue.load(Settings().queries_dir)
QUERIES = [
    f"SELECT ?n {{ ?a {FOAF_NAME} ?n }}",
    f"SELECT ?n {{ GRAPH ?g {{ ?a {FOAF_NAME} ?n }} }}",
    "SELECT ?n { GRAPH ?g { ?a ?p ?n } FILTER(isLiteral(?n)) }",
    "SELECT ?n { ?a ?p ?n FILTER(isLiteral(?n)) }",
    f"SELECT ?n {{ {{ SELECT ?n {{ GRAPH ?g {{ ?a {FOAF_NAME} ?n }} }} }} }}",
    f'SELECT ?n {{ VALUES ?n {{ "{SUBMITTER}" "{DECIDER}" }} FILTER EXISTS {{ GRAPH ?g {{ ?a {FOAF_NAME} ?n }} }} }}',
]


def fill(store: OxigraphStore, settings: Settings, tmp_path: Path) -> None:
    load_bundled(store, settings)
    submit_file(store, settings, SUBMISSION, "0580", "2023-01-01", SUBMITTER)
    record_decision(
        store, settings, Decision("Komett", "mapped", "komet", DECIDER), tmp_path / "decisions.ttl"
    )


@pytest.fixture
def store(tmp_path: Path) -> OxigraphStore:
    settings = Settings().with_(store="memory:")
    st = OxigraphStore(None, base=settings.base)
    fill(st, settings, tmp_path)
    return st


def names(client: TestClient, query: str, **params: str) -> set[str]:
    r = client.get("/sparql", params={"query": query, **params})
    assert r.status_code == 200, r.text
    return {b["n"]["value"] for b in r.json()["results"]["bindings"] if "n" in b}


def test_the_endpoint_shows_no_submitter_or_decider(store: OxigraphStore, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(), store, tokens=tmp_path / "t.json")) as client:
        for query in QUERIES:
            found = names(client, query)
            assert SUBMITTER not in found and DECIDER not in found, query
        # the rest of the provenance is public: when, which file
        assert names(client, "SELECT ?n { ?s <https://w3id.org/insatsgraf/def#fileName> ?n }")
        personal = iris.personal_graph(iris.graph("provenance/0580", store.base), store.base)
        assert personal is not None
        for params in (
            {"query": f"SELECT ?n FROM <{personal}> {{ ?a {FOAF_NAME} ?n }}"},
            {"query": f"SELECT ?n FROM NAMED <{personal}> {{ GRAPH ?g {{ ?a {FOAF_NAME} ?n }} }}"},
            {
                "query": "PREFIX p: <https://w3id.org/insatsgraf/graph/pers> "
                f"SELECT ?n FROM p:onal\\/provenance\\/0580 {{ ?a {FOAF_NAME} ?n }}"
            },
            {"query": f"SELECT ?n {{ ?a {FOAF_NAME} ?n }}", "default-graph-uri": personal},
            {"query": f"SELECT ?n {{ GRAPH ?g {{ ?a {FOAF_NAME} ?n }} }}", "named-graph-uri": personal},
        ):
            r = client.get("/sparql", params=params)
            assert r.status_code == 403 and r.json()["error"] == "personal-data", (params, r.text)
            assert r.json()["message"]["sv"]


def test_no_name_reaches_the_endpoint_on_any_backend(backend, tmp_path: Path) -> None:
    """The same requests over HTTP on each store: on Virtuoso a GRAPH pattern ranges over every graph of the
    server unless the request lists them, so a request's own query gets the public graphs listed (a
    regression: ``GRAPH ?g`` read the submitter's name there); the catalogue's GRAPH queries still answer."""
    store = backend([])
    fill(store, Settings(), tmp_path)
    personal = iris.personal_graph(iris.graph("provenance/0580", store.base), store.base)
    explicit = f"SELECT ?n {{ GRAPH <{personal}> {{ ?a {FOAF_NAME} ?n }} }}"
    with TestClient(create_app(Settings(), store, tokens=tmp_path / "t.json")) as client:
        for query in [*QUERIES, explicit]:
            found = names(client, query)
            assert SUBMITTER not in found and DECIDER not in found, (backend.backend, query)
        # the catalogue's large union of GRAPH patterns still answers as its route; as a request's own text
        # it answers too, but on Virtuoso, whose cost model overflows (SQ200) with the personal graphs
        # excluded: there it is refused, with why, rather than run over them
        r = client.get("/queries/submission-changes", params={"org": "0580"})
        assert r.status_code == 200 and "results" in r.json(), r.text
        text = CATALOGUE.get("submission-changes").bind({}, base=store.base)
        r = client.post(
            "/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"}
        )
        if backend.backend == "virtuoso":
            assert r.status_code == 403 and "SQ200" in r.json()["message"]["en"], r.text
        else:
            assert r.status_code == 200 and "results" in r.json(), r.text


def test_history_and_the_store_still_know_who(store: OxigraphStore, tmp_path: Path) -> None:
    row = history(store, "0580")[-1]
    assert row["by"] == SUBMITTER
    graph = store.graph(iris.graph("provenance/0580", store.base))
    assert SUBMITTER in {str(o) for o in graph.objects()}


def test_a_deployment_may_opt_in(store: OxigraphStore, tmp_path: Path) -> None:
    limits = ServiceLimits(expose_personal_data=True)
    with TestClient(create_app(Settings(), store, limits=limits, tokens=tmp_path / "t.json")) as client:
        assert {SUBMITTER, DECIDER} <= names(client, QUERIES[1])


def test_on_disk_through_the_query_workers_and_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "store"
    settings = Settings().with_(store=str(path))
    st = OxigraphStore(path, base=settings.base)
    try:
        fill(st, settings, tmp_path)
        with TestClient(create_app(settings, st, tokens=tmp_path / "t.json")) as client:
            for query in QUERIES[:2]:
                assert SUBMITTER not in names(client, query)
    finally:
        st.close()
    runner = CliRunner()
    r = runner.invoke(cli, ["history", "--org", "0580", "--format", "json", "--store", str(path)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[-1]["by"] == SUBMITTER


def test_an_old_store_has_its_names_moved_on_open(tmp_path: Path) -> None:
    """A store written before the personal graphs: the names leave the provenance graph and the union."""
    import pyoxigraph as ox

    path = tmp_path / "store"
    st = OxigraphStore(path, base=Settings().base)
    load_bundled(st, Settings())
    st.close()
    raw = ox.Store(str(path))
    agent = ox.NamedNode(f"{Settings().base}id/submission/0580/2021-06-01#submitter")
    name = ox.Literal(SUBMITTER)
    foaf = ox.NamedNode("http://xmlns.com/foaf/0.1/name")
    agent_type = ox.NamedNode("http://www.w3.org/ns/prov#Agent")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    prov = ox.NamedNode(iris.graph("provenance/0580", Settings().base))
    for graph in (prov, ox.DefaultGraph()):
        raw.add(ox.Quad(agent, rdf_type, agent_type, graph))
        raw.add(ox.Quad(agent, foaf, name, graph))
    raw.flush()
    del raw
    st = OxigraphStore(path, base=Settings().base)
    try:
        assert not st.query(f'ASK {{ ?a {FOAF_NAME} "{SUBMITTER}" }}').boolean  # the union: gone
        assert SUBMITTER in {str(o) for o in st.graph(prov.value).objects()}  # read back with the graph
        assert not list(st._store.quads_for_pattern(None, foaf, None, prov))
    finally:
        st.close()


def test_the_workers_snapshot_holds_no_personal_graph(tmp_path: Path) -> None:
    """Issue 16: the public endpoint's workers read a snapshot without the personal graphs (a GRAPH query
    then needs no list of the others, 5× faster nationally), and one that keeps them when the deployment
    opts in."""
    path = tmp_path / "store"
    settings = Settings().with_(store=str(path))
    st = OxigraphStore(path, base=settings.base)
    try:
        fill(st, settings, tmp_path)
        personal = [g for g in st.graph_names() if iris.is_personal_graph(g, st.base)]
        assert len(personal) == 2  # the submitter's and the decider's
        for without, kept in ((True, 0), (False, 2)):
            target = tmp_path / f"snapshot-{without}"
            st.snapshot(target, without_personal=without)
            copy = OxigraphStore(target, base=st.base, read_only=True)
            try:
                assert len([g for g in copy.graph_names() if iris.is_personal_graph(g, st.base)]) == kept
                assert len(copy.graph_names()) == len(st.graph_names()) - 2 + kept
                people = f'"{SUBMITTER}" "{DECIDER}"'
                named = copy.query(f"ASK {{ GRAPH ?g {{ ?a {FOAF_NAME} ?n }} VALUES ?n {{ {people} }} }}")
                assert named.boolean is bool(kept), "the removals are read back from the copy's log"
            finally:
                copy.close()
        assert [g for g in st.graph_names() if iris.is_personal_graph(g, st.base)] == personal
        exposed = ServiceLimits(expose_personal_data=True)
        with TestClient(create_app(settings, st, limits=exposed, tokens=tmp_path / "t.json")) as client:
            assert {SUBMITTER, DECIDER} <= names(client, QUERIES[1])
            assert client.app.state.evaluator.expose_personal  # type: ignore[attr-defined]
    finally:
        st.close()
