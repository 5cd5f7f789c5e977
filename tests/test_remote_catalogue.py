"""On the bundled data the query catalogue answers the same on the Oxigraph server and Virtuoso as embedded.

The hand-written cases of ``tests/test_queries_catalogue.py`` already run on every backend (``backend``
fixture); this adds the bundled data, loaded through ``load_bundled`` as ``insatsgraf load`` does, with the
embedded store's answers (checked there) as the reference.
"""

from __future__ import annotations

from collections import Counter

import pytest

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.remote import SparqlStore
from insatsgraf.submission.bundled import load_bundled
from tests import servers

CATALOGUE = Catalogue.load(Settings().queries_dir)


def as_multiset(rows: list[dict[str, str]]) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(tuple(sorted(row.items())) for row in rows)


@pytest.fixture(scope="module")
def bundled_reference() -> OxigraphStore:
    store = OxigraphStore(None, base=Settings().base)
    load_bundled(store, Settings())
    return store


@pytest.mark.remote
@pytest.mark.parametrize("server_fixture", ["oxigraph_server", "virtuoso_server"])
def test_catalogue_on_the_bundled_data_matches_the_embedded_store(
    request: pytest.FixtureRequest, bundled_reference: OxigraphStore, server_fixture: str
) -> None:
    server: servers.RunningServer = request.getfixturevalue(server_fixture)
    store = SparqlStore.from_spec(server.spec, base=bundled_reference.base)
    servers.clear(store)
    load_bundled(store, Settings())
    assert store.graph_names() == bundled_reference.graph_names()
    answered = 0
    differing = []
    for name in CATALOGUE.names():
        want = CATALOGUE.run(bundled_reference, name, {}).table()
        answered += bool(want)
        if as_multiset(CATALOGUE.run(store, name, {}).table()) != as_multiset(want):
            differing.append(name)
    assert differing == []
    assert answered >= len(CATALOGUE) // 2  # the comparison is about real answers, not empty ones
