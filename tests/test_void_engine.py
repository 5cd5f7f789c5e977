"""VoID's numbers from the engine (publication/void.py) equal the rdflib count of the published dump, on the
embedded store, the Oxigraph server and Virtuoso; ``/.well-known/void`` counts once per store version, shares
one count between concurrent requests, answers 304 by version and 503 when the count is not ready in time."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.publication import void
from insatsgraf.publication.dcat import dataset_iri
from insatsgraf.publication.dumps import build_dataset, union_graph
from insatsgraf.publication.void import VoidCounts
from insatsgraf.publication.voidcache import VoidCache
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.remote import SparqlStore
from insatsgraf.sparql.store import Store
from tests import servers
from tests.linked_data_fixtures import ORG, gnesta_store

BASE = Settings().base
EX = "https://example.org/void-test/"
EXTRA = iris.graph("test/void-extra", BASE)
PROVENANCE = iris.graph(f"provenance/{ORG}", BASE)


def rdflib_counts(store: Store) -> VoidCounts:
    """The oracle: what the old rdflib code counted, from the published graphs parsed into one rdflib graph."""
    data = union_graph(build_dataset(store), store.base)
    classes = Counter(
        str(o) for s, o in data.subject_objects(RDF.type) if isinstance(s, URIRef) and isinstance(o, URIRef)
    )
    return VoidCounts(
        triples=len(data),
        entities=len({s for s in data.subjects() if isinstance(s, URIRef)}),
        distinct_subjects=len(set(data.subjects())),
        distinct_objects=len(set(data.objects())),
        properties=len(set(data.predicates())),
        class_partitions=tuple(sorted(classes.items())),
    )


def tricky_graphs(store: Store) -> dict[str, Graph]:
    """Graphs that make the shortcuts visible: a triple in two published graphs, a blank-node subject, a class
    and a property only the provenance graph has, and a provenance triple a published graph states too."""
    komet = URIRef(iris.programme("komet", BASE))
    label = next(iter(store.graph(iris.graph("catalogue", BASE)).objects(komet, RDFS.label)), None)
    extra = Graph()
    if label is not None:
        extra.add((komet, RDFS.label, label))  # also in the catalogue graph: counted once
    extra.add((URIRef(f"{EX}shared"), RDF.type, URIRef(f"{EX}SharedClass")))
    blank = BNode()
    extra.add((blank, RDFS.label, Literal("tom nod / blank node")))
    extra.add((blank, RDF.type, URIRef(f"{EX}BlankOnlyClass")))
    provenance = store.graph(PROVENANCE)
    provenance.add((URIRef(f"{EX}shared"), RDF.type, URIRef(f"{EX}SharedClass")))
    provenance.add((URIRef(f"{EX}internal"), RDF.type, URIRef(f"{EX}InternalClass")))
    provenance.add((URIRef(f"{EX}internal"), URIRef(f"{EX}internalProperty"), Literal("intern")))
    return {EXTRA: extra, PROVENANCE: provenance}


@pytest.fixture(scope="module")
def embedded() -> OxigraphStore:
    store = gnesta_store()
    store.replace_graphs(tricky_graphs(store))
    return store


def test_the_engine_counts_equal_the_rdflib_count_of_the_dump(embedded: OxigraphStore) -> None:
    counts = void.count(embedded)
    assert counts == rdflib_counts(embedded)
    assert counts.triples > 1000 and counts.classes > 10
    partitions = dict(counts.class_partitions)
    assert partitions[f"{EX}SharedClass"] == 1  # in a published graph and in provenance: counted once
    assert f"{EX}InternalClass" not in partitions  # only in provenance: not published
    assert f"{EX}BlankOnlyClass" not in partitions  # only a blank node has it: no entity
    assert counts.distinct_subjects > counts.entities  # the blank node is a subject, not an entity


def test_the_served_void_states_the_engine_counts(embedded: OxigraphStore) -> None:
    with TestClient(create_app(Settings().with_(store="memory:"), embedded)) as client:
        answer = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    served = Graph().parse(data=answer.content, format="turtle")
    d = dataset_iri(BASE)
    expected = rdflib_counts(embedded)
    assert served.value(d, VOID.triples).toPython() == expected.triples
    assert served.value(d, VOID.entities).toPython() == expected.entities
    assert served.value(d, VOID.classes).toPython() == expected.classes
    partitions = {
        str(served.value(p, VOID["class"])): served.value(p, VOID.entities).toPython()
        for p in served.objects(d, VOID.classPartition)
    }
    assert partitions == dict(expected.class_partitions)


@pytest.mark.remote
@pytest.mark.parametrize("server_fixture", ["oxigraph_server", "virtuoso_server"])
def test_the_remote_counts_equal_the_rdflib_count_of_the_dump(
    request: pytest.FixtureRequest, server_fixture: str, embedded: OxigraphStore
) -> None:
    server: servers.RunningServer = request.getfixturevalue(server_fixture)
    store = SparqlStore.from_spec(server.spec, base=BASE)
    servers.clear(store)
    store.replace_graphs({name: embedded.graph(name) for name in embedded.graph_names()})
    counts = void.count(store)
    assert counts == rdflib_counts(store)
    assert counts.triples == void.count(embedded).triples


# -- the cache behind /.well-known/void -------------------------------------------------------------------


class SpyCounter:
    """``void.count`` that can be held back (``gate``) and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, store: OxigraphStore) -> VoidCounts:
        self.calls += 1
        self.gate.wait(30)
        return void.count(store)


@pytest.fixture
def served() -> Iterator[tuple[OxigraphStore, SpyCounter, Callable[[float], TestClient]]]:
    store = gnesta_store()
    spy = SpyCounter()

    def client(timeout: float = 30.0) -> TestClient:
        app = create_app(
            Settings().with_(store="memory:"), store, limits=ServiceLimits(query_timeout=timeout)
        )
        app.state.void_cache = VoidCache(store, counter=spy)
        return TestClient(app)

    yield store, spy, client
    store.close()


def test_a_repeat_get_is_served_from_the_cache_and_a_write_recounts(
    served: tuple[OxigraphStore, SpyCounter, Callable[[float], TestClient]],
) -> None:
    store, spy, client = served
    with client(30.0) as http:
        first = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
        second = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
        assert first.status_code == second.status_code == 200
        assert first.content == second.content and spy.calls == 1
        assert first.headers["etag"] == f'"void-ttl-{store.version}"'
        not_modified = http.get(
            "/.well-known/void", headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]}
        )
        assert not_modified.status_code == 304 and not not_modified.content and spy.calls == 1
        other = http.get("/.well-known/void", headers={"Accept": "application/n-triples"})
        assert other.status_code == 200 and other.headers["etag"] != first.headers["etag"] and spy.calls == 1

        extra = Graph()
        extra.add((URIRef(f"{EX}new"), RDF.type, URIRef(f"{EX}NewClass")))
        store.replace_graphs({EXTRA: extra})
        after = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
        assert after.status_code == 200 and spy.calls == 2
        assert after.headers["etag"] != first.headers["etag"]
        stale = http.get(
            "/.well-known/void", headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]}
        )
        assert stale.status_code == 200  # the old version's ETag no longer matches
        d = dataset_iri(BASE)
        before = Graph().parse(data=first.content, format="turtle").value(d, VOID.triples).toPython()
        now = Graph().parse(data=after.content, format="turtle").value(d, VOID.triples).toPython()
        assert now == before + 1


def test_concurrent_gets_share_one_count(
    served: tuple[OxigraphStore, SpyCounter, Callable[[float], TestClient]],
) -> None:
    _, spy, client = served
    spy.gate.clear()
    with client(30.0) as http, ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(http.get, "/.well-known/void") for _ in range(4)]
        while spy.calls == 0:
            threading.Event().wait(0.01)
        spy.gate.set()
        statuses = [a.result().status_code for a in answers]
    assert statuses == [200] * 4 and spy.calls == 1


def test_a_count_not_ready_in_time_is_a_503_and_the_next_get_gets_it(
    served: tuple[OxigraphStore, SpyCounter, Callable[[float], TestClient]],
) -> None:
    _, spy, client = served
    spy.gate.clear()
    with client(0.2) as http:
        slow = http.get("/.well-known/void")
        assert slow.status_code == 503 and slow.headers["retry-after"]
        body = slow.json()
        assert body["error"] == "void-timeout"
        assert "0.2 s" in body["message"]["en"] and "0.2 s" in body["message"]["sv"]
        spy.gate.set()
        cache = http.app.state.void_cache  # type: ignore[attr-defined]
        cache.counts(cache.store.version, 30.0)  # the count started by the first GET, finished
        ready = http.get("/.well-known/void")
        assert ready.status_code == 200 and spy.calls == 1


@pytest.mark.remote
def test_the_void_of_a_remote_store_is_served_with_its_counts(
    oxigraph_server: servers.RunningServer, embedded: OxigraphStore
) -> None:
    store = SparqlStore.from_spec(oxigraph_server.spec, base=BASE)
    servers.clear(store)
    store.replace_graphs({name: embedded.graph(name) for name in embedded.graph_names()})
    with TestClient(create_app(Settings().with_(store=oxigraph_server.spec), store)) as http:
        answer = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    served = Graph().parse(data=answer.content, format="turtle")
    assert served.value(dataset_iri(BASE), VOID.triples).toPython() == rdflib_counts(embedded).triples
