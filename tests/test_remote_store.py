"""The Store protocol behaves the same on the embedded store, the Oxigraph server and Virtuoso.

Each test runs on the three backends of the ``backend`` fixture. Expected answers come from rdflib evaluating
the same query over the fixture file (an independent SPARQL engine), not from one of the backends.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.rdf import sparql_prefixes
from insatsgraf.sparql import media
from insatsgraf.sparql.store import Dataset as QueryDataset
from insatsgraf.sparql.store import Limits, QuerySyntaxError, Store, StoreError, TooManyRows
from tests import servers
from tests.conftest import FIXTURES

BASE = Settings().base
FIXTURE = FIXTURES / "remote" / "dataset.trig"
IG = Namespace("https://w3id.org/insatsgraf/def#")
CATALOGUE = iris.graph("catalogue", BASE)
CURRENT = iris.current_graph("0580", BASE)
PROVENANCE = iris.graph("provenance/0580", BASE)
HISTORY = iris.submission("0580", "2021-06-01", BASE)
P = sparql_prefixes()


def fixture_graphs() -> dict[str, Graph]:
    return servers.fixture_graphs([FIXTURE], BASE)


def union(*, include_history: bool = False) -> Graph:
    """What the store's default graph should be: the union of the fixture's (non-history) graphs."""
    out = Graph()
    for name, graph in fixture_graphs().items():
        if include_history or not iris.is_history_graph(name, BASE):
            for triple in graph:
                out.add(triple)
    return out


def expected(sparql: str, graph: Graph) -> list[tuple[str, ...]]:
    """rdflib's answer, as sorted tuples of plain values."""
    result = graph.query(sparql)
    rows = [
        tuple("" if value is None else str(value) for value in row)  # type: ignore[union-attr]
        for row in result
    ]
    assert rows, "the oracle found nothing: the test would prove nothing"
    return sorted(rows)


def got(store: Store, sparql: str, **kwargs: bool) -> list[tuple[str, ...]]:
    result = store.query(sparql, **kwargs)
    return sorted(tuple(row[v]["value"] if v in row else "" for v in result.vars) for row in result.rows)


def without_bnode_labels(nquads: bytes) -> list[str]:
    """N-Quads lines with every blank node label replaced by one name: comparable across backends."""
    lines = (line for line in nquads.decode().splitlines() if line)
    return sorted(re.sub(r"_:[A-Za-z0-9_.-]*[A-Za-z0-9_-]", "_:b", line) for line in lines)


# -- reading ---------------------------------------------------------------------------------------


def test_select_answers_over_the_default_graph(backend) -> None:
    store = backend([FIXTURE])
    sparql = P + (
        "SELECT ?o ?name ?min WHERE { ?o a ig:Offering ; ig:localName ?name OPTIONAL { ?o ig:minAge ?min } }"
    )
    assert got(store, sparql) == expected(sparql, union())


def test_select_keeps_languages_and_datatypes(backend) -> None:
    store = backend([FIXTURE])
    rows = store.query(P + f"SELECT ?p ?o WHERE {{ GRAPH <{PROVENANCE}> {{ ?s ?p ?o }} }}").rows
    by_property = {row["p"]["value"]: row["o"] for row in rows}
    assert by_property[str(IG.accepted)] == {
        "type": "literal",
        "value": "true",
        "datatype": "http://www.w3.org/2001/XMLSchema#boolean",
    }
    issued = by_property["http://purl.org/dc/terms/issued"]
    assert issued["datatype"] == "http://www.w3.org/2001/XMLSchema#date"
    labels = store.query(P + f"SELECT ?l WHERE {{ <{iris.programme('komet', BASE)}> skos:prefLabel ?l }}")
    assert sorted(row["l"].get("xml:lang", "") for row in labels.rows) == ["en", "sv"]
    names = store.query(P + "SELECT ?n WHERE { ?o ig:localName ?n }").rows
    assert all(set(row["n"]) == {"type", "value"} for row in names)  # plain strings: no xsd:string datatype


def test_ask(backend) -> None:
    store = backend([FIXTURE])
    assert store.query(P + "ASK { ?o ig:variantOf ?p }").boolean is True
    assert store.query(P + "ASK { ?o ig:variantOf ?o }").boolean is False


def test_construct_returns_an_rdflib_graph(backend) -> None:
    store = backend([FIXTURE])
    sparql = P + "CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a ig:Programme ; skos:prefLabel ?l }"
    result = store.query(sparql)
    assert result.kind == "graph" and result.graph is not None
    oracle = union().query(sparql).graph
    assert len(oracle) == 5
    assert isomorphic(result.graph, oracle)


def test_history_graphs_are_hidden_unless_asked_for(backend) -> None:
    store = backend([FIXTURE])
    ask = P + 'ASK { ?o ig:localName "COPE (nedlagd)" }'
    assert store.query(ask).boolean is False
    assert store.query(ask, include_history=True).boolean is True
    count = P + "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a ig:Offering }"
    assert got(store, count) == expected(count, union()) == [("2",)]
    assert got(store, count, include_history=True) == expected(count, union(include_history=True)) == [("3",)]


def test_graph_patterns_see_every_graph(backend) -> None:
    """History graphs too. The filter is for Virtuoso, whose GRAPH ?g also ranges over its system graphs and
    the store's union graph (tests/test_remote_union.py)."""
    store = backend([FIXTURE])
    union_graph = iris.union_graph(BASE)
    sparql = (
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{BASE}')"
        f" && ?g != <{union_graph}>) }}"
    )
    everything = [(name,) for name in sorted(fixture_graphs())]
    assert got(store, sparql) == everything
    assert got(store, sparql, include_history=True) == everything


def test_a_query_naming_its_own_dataset_is_honoured(backend) -> None:
    store = backend([FIXTURE])
    assert store.query(P + f"ASK FROM <{CATALOGUE}> {{ ?o a ig:Offering }}").boolean is False
    assert store.query(P + f"ASK FROM <{CURRENT}> {{ ?o a ig:Offering }}").boolean is True
    assert store.query(P + f'ASK FROM <{HISTORY}> {{ ?o ig:localName "COPE (nedlagd)" }}').boolean is True


def test_graph_and_graph_names_give_back_what_was_loaded(backend) -> None:
    store = backend([FIXTURE])
    graphs = fixture_graphs()
    assert store.graph_names() == sorted(graphs)
    for name, graph in graphs.items():
        assert isomorphic(store.graph(name), graph), name  # literals, newlines, quotes, blank nodes
    assert len(store.graph(iris.graph("no-such-graph", BASE))) == 0


def test_dump_holds_the_same_quads_as_the_files(backend) -> None:
    """The file as pyoxigraph's parser reads it: rdflib's would rewrite "…Z" date-times to "…+00:00"."""
    store = backend([FIXTURE])
    files = ox.serialize(ox.parse(path=str(FIXTURE), format=ox.RdfFormat.TRIG), format=ox.RdfFormat.N_QUADS)
    dump = store.dump_nquads()
    assert without_bnode_labels(dump) == without_bnode_labels(files)
    assert dump == store.dump_nquads()  # same data, same bytes (blank node labels included)


def test_evaluate_answers_as_query_does_in_every_format(backend) -> None:
    """What the HTTP endpoint calls: ``evaluate`` within limits, written by the one set of result writers."""
    store = backend([FIXTURE])
    select = P + "SELECT ?p ?l WHERE { ?p a ig:Programme ; skos:prefLabel ?l }"
    parsed = store.query(select)
    limits = Limits(max_rows=1000, deadline=time.monotonic() + 60)
    answer = store.evaluate(select, QueryDataset(), limits)
    as_json = json.loads(media.write_results(answer, media.JSON))
    assert as_json == parsed.to_sparql_json()
    as_csv = list(csv.DictReader(io.StringIO(media.write_results(answer, media.CSV).decode("utf-8"))))
    assert sorted((r["p"], r["l"]) for r in as_csv) == sorted((r["p"], r["l"]) for r in parsed.table())
    construct = P + "CONSTRUCT { ?p a ig:Programme } WHERE { ?p a ig:Programme }"
    triples = store.evaluate(construct, QueryDataset(), limits)
    turtle = Graph().parse(data=media.write_triples(triples, media.TURTLE, store.base), format="turtle")
    assert isomorphic(turtle, union().query(construct).graph)
    with pytest.raises(TooManyRows):
        store.evaluate(select, QueryDataset(), Limits(max_rows=1, deadline=time.monotonic() + 60))


# -- writing ---------------------------------------------------------------------------------------


def new_current() -> Graph:
    graph = Graph()
    offering = URIRef(iris.offering("0580", "familjecentral", BASE))
    evidence = BNode()
    graph.add((offering, RDF.type, IG.Offering))
    graph.add((offering, IG.localName, Literal("Familjecentral Ekholmen")))
    graph.add((offering, IG.evidence, evidence))
    graph.add((evidence, RDF.type, IG.EvidenceSource))
    return graph


def test_replace_graphs_replaces_and_drops(backend) -> None:
    store = backend([FIXTURE])
    graphs = fixture_graphs()
    store.replace_graphs({CURRENT: new_current(), CATALOGUE: None})
    assert store.graph_names() == sorted(set(graphs) - {CATALOGUE})
    assert isomorphic(store.graph(CURRENT), new_current())  # the blank node still links the two triples
    assert isomorphic(store.graph(PROVENANCE), graphs[PROVENANCE])
    assert isomorphic(store.graph(HISTORY), graphs[HISTORY])
    assert store.query(P + "ASK { ?o ig:evidence/a ig:EvidenceSource }").boolean is True
    assert store.query(P + "ASK { ?p a ig:Programme }").boolean is False


def test_replacing_with_an_empty_graph_drops_it(backend) -> None:
    store = backend([FIXTURE])
    store.replace_graphs({CATALOGUE: Graph()})
    assert CATALOGUE not in store.graph_names()


def test_a_refused_write_changes_nothing(backend) -> None:
    store = backend([FIXTURE])
    before = store.dump_nquads()
    bad = Graph()
    bad.add((URIRef("urn:control\x01char"), RDF.type, IG.Offering))  # rdflib writes it; parsers refuse it
    with pytest.raises(StoreError):
        store.replace_graphs({CURRENT: new_current(), PROVENANCE: bad})
    assert store.dump_nquads() == before
    staging = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'urn:insatsgraf:staging')) }"
    leftovers = store.query(staging, include_history=True)
    assert leftovers.rows == []


def test_a_bad_graph_name_is_refused(backend) -> None:
    store = backend([FIXTURE])
    before = store.dump_nquads()
    with pytest.raises(StoreError):
        store.replace_graphs({CURRENT: new_current(), "not a graph name": new_current()})
    assert store.dump_nquads() == before


def test_graphs_larger_than_one_virtuoso_update(backend) -> None:
    """Virtuoso refuses update texts of more than about a thousand triples: writes must not depend on that."""
    store = backend([FIXTURE])
    big = Graph()
    for i in range(3000):
        offering = URIRef(iris.offering("0580", f"o{i}", BASE))
        big.add((offering, IG.localName, Literal(f"Insats nummer {i} – åäö")))
    store.replace_graphs({CURRENT: big, CATALOGUE: big})
    count = P + f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CURRENT}> {{ ?s ?p ?o }} }}"
    assert got(store, count) == [("3000",)]
    assert isomorphic(store.graph(CATALOGUE), big)


# -- errors ----------------------------------------------------------------------------------------


def test_a_syntax_error_is_a_query_syntax_error(backend) -> None:
    store = backend([FIXTURE])
    with pytest.raises(QuerySyntaxError) as caught:
        store.query("SELECT ?s WHERE { ?s ?p }")
    message = str(caught.value)
    assert message and "SPARQLWrapper" not in message and "QueryBadFormed" not in message


def test_an_update_is_not_a_query(backend) -> None:
    store = backend([FIXTURE])
    before = store.dump_nquads()
    with pytest.raises(QuerySyntaxError):
        store.query(f"INSERT DATA {{ GRAPH <{CATALOGUE}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    assert store.dump_nquads() == before


def test_dump_of_an_empty_store_is_empty(backend) -> None:
    store = backend([])
    assert store.graph_names() == []
    assert store.dump_nquads() == b""
    assert store.query("ASK { ?s ?p ?o }").boolean is False


def test_fixture_graphs_must_be_under_the_base(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.trig"
    path.write_text("<http://example.org/g> { <urn:a> <urn:b> <urn:c> }", encoding="utf-8")
    with pytest.raises(ValueError, match="not under the base IRI"):
        servers.fixture_graphs([path], BASE)


# -- regressions -----------------------------------------------------------------------------------


def test_words_in_comments_do_not_make_a_query_an_update(backend) -> None:
    """SPARQLWrapper took "# … offering-added …" for an ADD update and sent the query as one."""
    store = backend([FIXTURE])
    comments = "# which offerings were added?\n# (DROP nothing, INSERT nothing)\n"
    sparql = comments + P + "SELECT ?o WHERE { ?o a ig:Offering }"
    assert got(store, sparql) == expected(sparql, union())


def test_graph_variables_in_a_large_union(backend) -> None:
    """Virtuoso's cost model overflowed on this query when the request listed named-graph-uri parameters."""
    revision = FIXTURES / "remote" / "revision.trig"
    store = backend([revision])
    sparql = (FIXTURES / "remote" / "revisions-by-graph.rq").read_text(encoding="utf-8")
    oracle = Dataset()
    for name, graph in servers.fixture_graphs([revision], BASE).items():
        target = oracle.graph(URIRef(name))
        for triple in graph:
            target.add(triple)
            oracle.default_graph.add(triple) if not iris.is_history_graph(name, BASE) else None
    want = expected(sparql, oracle)
    assert ("offering-removed", iris.offering("0580", "cope", BASE), "COPE", "", "") in want
    assert got(store, sparql, include_history=True) == want


def test_evaluate_resolves_relative_iris_against_the_base(backend) -> None:
    """The endpoint passes its URL as the base (W3C protocol test query_content_type_construct)."""
    store = backend([FIXTURE])
    base = "http://127.0.0.1:8000/sparql"
    answer = store.evaluate(
        "SELECT (<s> AS ?x) {}", QueryDataset(base_iri=base), Limits(10, time.monotonic() + 30)
    )
    assert answer.rows == [{"x": {"type": "uri", "value": "http://127.0.0.1:8000/s"}}]  # type: ignore[union-attr]


def test_people_s_names_go_to_the_personal_graph_on_every_backend(backend) -> None:
    """``replace_graphs`` keeps a provenance graph's ``foaf:name`` of a ``prov:Agent`` in its personal graph:
    ``graph`` reads it back, the union does not have it, a query's FROM cannot name it."""
    from rdflib.namespace import FOAF, PROV

    from insatsgraf.sparql.store import PersonalDataHidden

    store = backend([FIXTURE])
    agent = URIRef(f"{BASE}id/submission/0580/2030-01-01#submitter")
    graph = Graph()
    graph.add((agent, RDF.type, PROV.Agent))
    graph.add((agent, FOAF.name, Literal("Anna Andersson")))
    store.replace_graphs({PROVENANCE: graph})
    assert (agent, FOAF.name, Literal("Anna Andersson")) in store.graph(PROVENANCE)
    assert not store.query('ASK { ?a <http://xmlns.com/foaf/0.1/name> "Anna Andersson" }').boolean
    assert store.query(f"ASK {{ <{agent}> a <http://www.w3.org/ns/prov#Agent> }}").boolean
    personal = iris.personal_graph(PROVENANCE, BASE)
    limits = Limits(10, time.monotonic() + 30)
    with pytest.raises(PersonalDataHidden):
        store.evaluate(f"SELECT * FROM <{personal}> {{ ?s ?p ?o }}", QueryDataset(), limits)
    # a request's GRAPH patterns, by variable or by the personal graph's own IRI, under FROM or FROM NAMED,
    # see no name on any server (Virtuoso ranges GRAPH over every graph of the server: regression)
    for text in (
        'SELECT ?g { GRAPH ?g { ?a <http://xmlns.com/foaf/0.1/name> "Anna Andersson" } }',
        f'SELECT ?a {{ GRAPH <{personal}> {{ ?a <http://xmlns.com/foaf/0.1/name> "Anna Andersson" }} }}',
        f"SELECT ?n FROM <{PROVENANCE}> {{ GRAPH ?g {{ ?a <http://xmlns.com/foaf/0.1/name> ?n }} }}",
        f"SELECT ?n FROM NAMED <{PROVENANCE}> {{ GRAPH ?g {{ ?a <http://xmlns.com/foaf/0.1/name> ?n }} }}",
    ):
        assert store.evaluate(text, QueryDataset(), limits).rows == [], text  # type: ignore[union-attr]
    store.replace_graphs({PROVENANCE: None})
    assert personal not in store.graph_names()
