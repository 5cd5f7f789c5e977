"""The model in the store: named graphs per source, union by default, and subproperties doing their job."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import FOAF
from typer.testing import CliRunner

from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.rdf import read_turtle, sparql_prefixes
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.store import StoreError
from insatsgraf.submission.bundled import load_bundled
from tests.conftest import FIXTURES

BASE = Settings().base

FOR_PROGRAMME = (
    sparql_prefixes()
    + """
SELECT ?offering ?name ?relation WHERE {
  ?relation rdfs:subPropertyOf* ig:basedOn .
  ?offering ?relation <%s> ; ig:localName ?name .
}"""
)


def test_variant_offering_is_found_by_a_query_for_its_programme(fresh_store: OxigraphStore) -> None:
    example = read_turtle(FIXTURES / "model" / "valid-variant-offering.ttl", BASE)
    fresh_store.replace_graphs({iris.current_graph("0461", BASE): example})
    result = fresh_store.query(FOR_PROGRAMME % iris.programme("komet", BASE))
    rows = result.table()
    assert {
        "offering": f"{BASE}id/offering/0461/mini-komet",
        "name": "Mini-Komet",
        "relation": "https://w3id.org/insatsgraf/def#variantOf",
    } in rows


def test_each_source_has_its_named_graph_and_queries_see_the_union(bundled_store: OxigraphStore) -> None:
    names = bundled_store.graph_names()
    for name in ("ontology", "vocabularies", "catalogue", "organisations"):
        assert iris.graph(name, BASE) in names
    ask = (
        sparql_prefixes()
        + "ASK { ig:Programme rdfs:label ?l . ?p a ig:Programme . ?o a ig:Municipality . ?c skos:inScheme ?s }"
    )
    assert bundled_store.query(ask).boolean is True


def test_history_graphs_are_out_of_the_default_graph(fresh_store: OxigraphStore) -> None:
    example = read_turtle(FIXTURES / "model" / "valid-variant-offering.ttl", BASE)
    fresh_store.replace_graphs({iris.submission("0461", "2020-01-01", BASE): example})
    ask = "ASK { ?o <https://w3id.org/insatsgraf/def#localName> 'Mini-Komet' }"
    assert fresh_store.query(ask).boolean is False
    assert fresh_store.query(ask, include_history=True).boolean is True


def test_a_failed_write_changes_nothing(fresh_store: OxigraphStore) -> None:
    before = fresh_store.dump_nquads()
    graph = read_turtle(FIXTURES / "model" / "valid-variant-offering.ttl", BASE)
    with pytest.raises(StoreError, match="nothing was changed"):
        fresh_store.replace_graphs({iris.graph("catalogue", BASE): None, "not an iri": graph})
    assert fresh_store.dump_nquads() == before


def test_rebased_load_moves_data_iris_but_keeps_the_vocabulary(tmp_path: Path) -> None:
    settings = Settings().with_(base="http://example.org/ig/", store="memory:")
    store = OxigraphStore(None, base=settings.base)
    load_bundled(store, settings)
    assert store.query(
        "ASK { <http://example.org/ig/id/programme/komet> a <https://w3id.org/insatsgraf/def#Programme> }"
    ).boolean
    assert not store.query("ASK { <https://w3id.org/insatsgraf/id/programme/komet> ?p ?o }").boolean


def test_cli_help_lists_commands_and_load_fills_a_store(tmp_path: Path) -> None:
    runner = CliRunner()
    help_text = runner.invoke(app, ["--help"]).output
    for command in ("build-catalogue", "load", "reason"):
        assert command in help_text
    result = runner.invoke(app, ["load", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "loaded" in result.output
    store = OxigraphStore(tmp_path / "store", read_only=True)
    assert store.query("ASK { ?p a <https://w3id.org/insatsgraf/def#Programme> }").boolean


def test_read_only_store_closes_without_flushing(tmp_path: Path) -> None:
    """Regression: export opens the store read-only beside `serve`; closing it must not try to flush."""
    writer = OxigraphStore(tmp_path / "s")
    writer.close()
    reader = OxigraphStore(tmp_path / "s", read_only=True)
    reader.close()


def test_a_query_naming_its_own_dataset_is_honoured(fresh_store: OxigraphStore) -> None:
    """Regression: passing our default graph to pyoxigraph used to override a query's FROM clause."""
    catalogue = iris.graph("catalogue", BASE)
    only_catalogue = f"ASK FROM <{catalogue}> {{ ?o a <https://w3id.org/insatsgraf/def#Municipality> }}"
    assert fresh_store.query(only_catalogue).boolean is False
    organisations = iris.graph("organisations", BASE)
    assert fresh_store.query(only_catalogue.replace(catalogue, organisations)).boolean is True
    tricky = "ASK { ?p <http://www.w3.org/2004/02/skos/core#definition> ?d FILTER(CONTAINS(?d, 'FROM <x>')) }"
    assert fresh_store.query(tricky).boolean is False  # FROM inside a string is not a dataset clause


def test_examples_load_once_and_say_they_are_fictional() -> None:
    from insatsgraf.submission.bundled import EXAMPLE_AGENT, example_submissions

    settings = Settings()
    store = OxigraphStore(None, base=BASE)
    load_bundled(store, settings, examples=True)
    first = (store.graph_names(), len(store))
    load_bundled(store, settings, examples=True)
    assert (store.graph_names(), len(store)) == first, "loading the examples twice must not grow the history"
    # the names are personal data: not in the union, read with the provenance graph (iris.personal_graph)
    agents = store.query(
        sparql_prefixes()
        + """
        SELECT DISTINCT ?org ?agent WHERE { ?s ig:submittedBy ?org ; prov:wasAttributedTo ?agent }"""
    )
    by_org = {}
    for row in agents.table():
        prov = store.graph(iris.graph(f"provenance/{iris.org_id(row['org'], BASE)}", BASE))
        by_org[row["org"]] = str(prov.value(URIRef(row["agent"]), FOAF.name))
    example_orgs = {iris.organisation(p.name.split("-")[0], BASE) for p in example_submissions(settings)}
    assert len(example_orgs) >= 3
    assert all(by_org[org] == EXAMPLE_AGENT for org in example_orgs)
    assert by_org[iris.organisation("0580", BASE)] != EXAMPLE_AGENT
