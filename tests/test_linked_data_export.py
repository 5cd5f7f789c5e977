"""Dumps: which graphs are published, every format round-trips, the CLI and /dumps/… agree."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, RDFS, VOID
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.cli import app as cli_app
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.publication.dumps import FORMATS, published_graph_names, serialise
from insatsgraf.sparql.embedded import OxigraphStore
from tests.linked_data_fixtures import ORG, SUBMISSION_DATE, gnesta_store

BASE = Settings().base
HISTORY = iris.submission(ORG, SUBMISSION_DATE, BASE)
PROVENANCE = iris.graph(f"provenance/{ORG}", BASE)
PERSON = "Fixture Person"


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return gnesta_store()


def union_of(store: OxigraphStore, names: list[str]) -> Graph:
    graph = Graph()
    for name in names:
        graph += store.graph(name)
    return graph


def test_public_dump_leaves_out_history_decisions_and_provenance(store: OxigraphStore) -> None:
    names = published_graph_names(store)
    assert iris.current_graph(ORG, BASE) in names and iris.graph("catalogue", BASE) in names
    assert HISTORY not in names and PROVENANCE not in names
    assert not any(
        iris.is_history_graph(n, BASE) or "/graph/provenance/" in n or n.endswith("/graph/decisions")
        for n in names
    )
    assert HISTORY in published_graph_names(store, include_history=True)
    internal = published_graph_names(store, include_internal=True)
    assert PROVENANCE in internal and HISTORY not in internal


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_triple_formats_hold_exactly_the_union_of_the_published_graphs(
    store: OxigraphStore, fmt: str
) -> None:
    expected = union_of(store, published_graph_names(store))
    parsed = Graph().parse(data=serialise(store, fmt), format=FORMATS[fmt].rdflib)
    assert len(parsed) == len(expected) > 1000
    assert isomorphic(parsed, expected)  # the ontology's OWL restrictions are blank nodes
    assert PERSON.encode() not in serialise(store, fmt)


def test_trig_keeps_graph_names(store: OxigraphStore) -> None:
    dataset = Dataset()
    dataset.parse(data=serialise(store, "trig"), format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == set(published_graph_names(store))
    current = dataset.graph(URIRef(iris.current_graph(ORG, BASE)))
    assert len(current) == len(store.graph(iris.current_graph(ORG, BASE)))


def test_flags_add_history_and_internal_graphs(store: OxigraphStore) -> None:
    dataset = Dataset()
    dataset.parse(data=serialise(store, "trig", include_history=True, include_internal=True), format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert {HISTORY, PROVENANCE} <= names
    assert PERSON.encode() in serialise(store, "nt", include_internal=True)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_dump_is_repeatable(store: OxigraphStore, fmt: str) -> None:
    """The same data gives the same bytes (Oxigraph writes each graph in its index order), so a cached dump
    and a fresh export agree; N-Triples is one triple a line."""
    first = serialise(store, fmt)
    assert serialise(store, fmt) == first
    if fmt == "nt":
        lines = first.decode().splitlines()
        assert len(lines) == len(Graph().parse(data=first, format="nt")) and all(
            line.endswith(" .") for line in lines
        )


def test_unknown_format_is_a_user_error(store: OxigraphStore) -> None:
    with pytest.raises(UserError) as info:
        serialise(store, "csv")
    assert "ttl" in info.value.en and "välj" in info.value.sv


def test_cli_export_writes_the_file_or_nothing(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    disk = OxigraphStore(store_dir)
    memory = gnesta_store()
    disk.replace_graphs({name: memory.graph(name) for name in memory.graph_names()})
    disk.close()
    runner = CliRunner()
    out = tmp_path / "dump.nt"
    ok = runner.invoke(cli_app, ["export", "--format", "nt", "--out", str(out), "--store", str(store_dir)])
    assert ok.exit_code == 0, ok.output
    assert isomorphic(
        Graph().parse(out, format="nt"), Graph().parse(data=serialise(memory, "nt"), format="nt")
    )
    trig = runner.invoke(
        cli_app, ["export", "--format", "trig", "--include-history", "--store", str(store_dir)]
    )
    assert trig.exit_code == 0 and HISTORY in trig.stdout
    bad_out = tmp_path / "bad.out"
    bad = runner.invoke(
        cli_app, ["export", "--format", "xlsx", "--out", str(bad_out), "--store", str(store_dir)]
    )
    assert bad.exit_code == 2 and "unknown export format" in bad.output
    assert not bad_out.exists()


@pytest.fixture(scope="module")
def client(store: OxigraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings().with_(store="memory:"), store)) as c:
        yield c


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_http_dump_is_the_gzip_of_the_export(client: TestClient, store: OxigraphStore, fmt: str) -> None:
    name = f"insatsgraf.{FORMATS[fmt].ext}.gz"
    r = client.get(f"/dumps/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/gzip"
    assert name in r.headers["content-disposition"]
    assert gzip.decompress(r.content) == serialise(store, fmt)
    again = client.get(f"/dumps/{name}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content


def test_dump_index_links_every_dump_and_unknown_dump_is_404(client: TestClient) -> None:
    index = client.get("/dumps/")
    for spec in FORMATS.values():
        assert f'href="/dumps/insatsgraf.{spec.ext}.gz"' in index.text
    missing = client.get("/dumps/insatsgraf.csv.gz")
    assert missing.status_code == 404 and "insatsgraf.ttl.gz" in missing.json()["message"]["en"]


def test_cli_exports_the_dcat_and_void_descriptions(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    disk = OxigraphStore(store_dir)
    memory = gnesta_store()
    disk.replace_graphs({name: memory.graph(name) for name in memory.graph_names()})
    disk.close()
    runner = CliRunner()
    dcat_out = runner.invoke(cli_app, ["export", "--format", "dcat", "--store", str(store_dir)])
    assert dcat_out.exit_code == 0, dcat_out.output
    graph = Graph().parse(data=dcat_out.stdout, format="turtle")
    catalog = URIRef(f"{BASE}id/catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    void_out = runner.invoke(cli_app, ["export", "--format", "void", "--store", str(store_dir)])
    void = Graph().parse(data=void_out.stdout, format="turtle")
    triples = void.value(URIRef(f"{BASE}id/dataset/insatsgraf"), VOID.triples)
    assert triples is not None and triples.toPython() == len(
        Graph().parse(data=serialise(memory, "nt"), format="nt")
    )


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_a_triple_two_published_graphs_hold_is_dumped_once(fmt: str) -> None:
    """Regression: the engine's union dumps wrote a triple once per graph holding it (two statistics tables
    describing the same period), so the N-Triples dump had more lines than its graph has triples."""
    store = OxigraphStore(None, base=Settings().base)
    shared = (URIRef(f"{store.base}id/period/2019"), RDFS.label, Literal("2019"))
    own = (URIRef(f"{store.base}id/period/2020"), RDFS.label, Literal("2020"))
    first, second = Graph(), Graph()
    first.add(shared)
    second.add(shared)
    second.add(own)
    store.replace_graphs(
        {f"{store.base}graph/statistics/a": first, f"{store.base}graph/statistics/b": second}
    )
    text = serialise(store, fmt)
    parsed = Graph().parse(data=text, format={"nt": "nt", "ttl": "turtle", "jsonld": "json-ld"}[fmt])
    assert set(parsed) == {shared, own}
    assert text.count(b'"2019"') == 1 == text.count(b'"2020"')


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_the_union_dump_leaves_out_only_what_internal_graphs_alone_hold(fmt: str) -> None:
    """The union formats come from the store's union default graph in one pass (issue 16: per-graph checks
    took 3× ``oxigraph dump`` with the mapping graphs, and 4.6× for JSON-LD): a triple only provenance holds
    is left out, one that provenance and a published graph both hold is dumped once."""
    store = OxigraphStore(None, base=Settings().base)
    internal_only = (URIRef(f"{store.base}id/submission/x"), RDFS.label, Literal("internal"))
    both = (URIRef(f"{store.base}id/organisation/0461"), RDFS.label, Literal("Gnesta"))
    provenance, published = Graph(), Graph()
    provenance.add(internal_only)
    provenance.add(both)
    published.add(both)
    store.replace_graphs(
        {
            iris.graph("provenance/0461", store.base): provenance,
            iris.graph("organisations", store.base): published,
        }
    )
    syntax = {"nt": "nt", "ttl": "turtle", "jsonld": "json-ld"}[fmt]
    text = serialise(store, fmt)
    parsed = Graph().parse(data=text, format=syntax)
    assert set(parsed) == {both}
    assert text.count(b'"Gnesta"') == 1
    assert set(Graph().parse(data=serialise(store, fmt, include_internal=True), format=syntax)) == {
        both,
        internal_only,
    }
