"""``/queries/{name}`` answers exactly as ``/sparql`` does with the same text (issue 16: no slower, same rows).

Both routes hand the same text to the same query workers, which write a SELECT or ASK answer in the
negotiated results format themselves (``sparql.store.Written``); the endpoint sends those bytes unchanged.
These compare, for every catalogue query, the bytes of the two routes, and the worker-written bytes with the
ones the endpoint writes itself when it evaluates in a thread (the in-memory path).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.config import Settings
from insatsgraf.sparql import media
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.workers import WorkerPool

CATALOGUE = Catalogue.load(Settings().queries_dir)


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one on-disk store holding the bundled and example data: one with query workers, one
    evaluating in threads (the store itself)."""
    from insatsgraf.submission.bundled import load_bundled

    folder = tmp_path_factory.mktemp("same")
    settings = Settings().with_(store=str(folder / "store"))
    store = OxigraphStore(str(folder / "store"), base=settings.base)
    load_bundled(store, settings, examples=True)
    limits = ServiceLimits(query_workers=2, query_timeout=60)
    workers = create_app(settings, store, limits=limits, tokens=folder / "tokens.json")
    threads = create_app(settings, store, limits=limits, tokens=folder / "tokens.json")
    threads.state.evaluator = store
    with TestClient(workers) as a, TestClient(threads) as b:
        yield a, b
    store.close()


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_a_catalogue_query_answers_as_its_text_on_sparql(
    name: str, clients: tuple[TestClient, TestClient]
) -> None:
    with_workers, in_threads = clients
    text = CATALOGUE.get(name).bind({}, base=Settings().base)
    for accept in (media.JSON, media.XML, media.TSV):
        named = with_workers.get(f"/queries/{name}", headers={"Accept": accept})
        bound = with_workers.get("/sparql", params={"query": text}, headers={"Accept": accept})
        alone = in_threads.get(f"/queries/{name}", headers={"Accept": accept})
        assert named.status_code == bound.status_code == alone.status_code == 200, named.text
        assert named.headers["content-type"] == bound.headers["content-type"] == media.CONTENT_TYPES[accept]
        assert named.content == bound.content, accept
        assert named.content == alone.content, accept  # written by the worker as by the endpoint
    assert isinstance(with_workers.app.state.evaluator, WorkerPool)  # type: ignore[attr-defined]


def test_csv_for_people_on_queries_and_exact_on_sparql(clients: tuple[TestClient, TestClient]) -> None:
    """The one difference: the catalogue's CSV neutralises formula-like text (``for_spreadsheets``), the
    endpoint's does not; the worker writes each route's own."""
    with_workers, in_threads = clients
    text = 'SELECT ?v WHERE { VALUES ?v { "=1+1" "plain" } } ORDER BY ?v'
    exact = with_workers.get("/sparql", params={"query": text}, headers={"Accept": media.CSV})
    assert exact.status_code == 200 and exact.text == "v\r\n=1+1\r\nplain\r\n"
    assert in_threads.get("/sparql", params={"query": text}, headers={"Accept": media.CSV}).text == exact.text
    name = "coverage-matrix"
    named = with_workers.get(f"/queries/{name}", headers={"Accept": media.CSV})
    alone = in_threads.get(f"/queries/{name}", headers={"Accept": media.CSV})
    assert named.status_code == 200 and named.content == alone.content and named.text.count("\r\n") > 1


def test_a_graph_answer_and_a_406_still_go_through_the_endpoint(
    clients: tuple[TestClient, TestClient],
) -> None:
    """CONSTRUCT comes back as triples and is written by the endpoint; a SELECT asked for as Turtle is 406."""
    with_workers, _ = clients
    construct = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 3"
    turtle = with_workers.get("/sparql", params={"query": construct}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    refused = with_workers.get("/queries/coverage-matrix", headers={"Accept": "text/turtle"})
    assert refused.status_code == 406 and refused.json()["error"] == "not-acceptable"
