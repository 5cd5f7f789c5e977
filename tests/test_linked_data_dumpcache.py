"""``/dumps/…`` on an on-disk store: built once per store version into a file, 304 by version, rebuilt after a
write, the personal data never in it (publication/dumpcache.py)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from insatsgraf.api import create_app
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.publication.dumpcache import FOLDER
from insatsgraf.publication.dumps import serialise
from insatsgraf.sparql.embedded import OxigraphStore
from tests.linked_data_fixtures import ORG, gnesta_store

BASE = Settings().base
PERSON = "Fixture Person"
NEW_LABEL = "Utökad insats för dumptestet"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[tuple[OxigraphStore, TestClient]]:
    memory = gnesta_store()
    store = OxigraphStore(tmp_path / "store")
    store.replace_graphs({name: memory.graph(name) for name in memory.graph_names()})
    with TestClient(create_app(Settings().with_(store=str(tmp_path / "store")), store)) as client:
        yield store, client
    store.close()


def dump_files(store: OxigraphStore) -> list[str]:
    assert store.path is not None
    return sorted(p.name for p in (store.path / FOLDER).iterdir())


def test_a_dump_is_built_once_per_version_and_answers_304_by_version(
    disk: tuple[OxigraphStore, TestClient],
) -> None:
    store, client = disk
    first = client.get("/dumps/insatsgraf.nt.gz")
    assert first.status_code == 200 and first.headers["content-type"] == "application/gzip"
    assert first.headers["etag"] == f'"nt-{store.version}"'
    assert gzip.decompress(first.content) == serialise(store, "nt")
    assert PERSON.encode() not in gzip.decompress(first.content)  # the people's names are never dumped
    assert dump_files(store) == [f"insatsgraf.nt.{store.version}.gz"]  # no snapshot or part file left
    again = client.get("/dumps/insatsgraf.nt.gz", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    listed = client.get("/dumps/insatsgraf.nt.gz", headers={"If-None-Match": f'"x", {first.headers["etag"]}'})
    assert listed.status_code == 304
    same = client.get("/dumps/insatsgraf.nt.gz")
    assert same.content == first.content and same.headers["etag"] == first.headers["etag"]


def test_a_write_changes_the_etag_and_the_next_dump_has_it(disk: tuple[OxigraphStore, TestClient]) -> None:
    store, client = disk
    before = client.get("/dumps/insatsgraf.ttl.gz")
    old_version = store.version
    current = iris.current_graph(ORG, BASE)
    graph = store.graph(current)
    graph.add((URIRef(f"{BASE}id/offering/{ORG}/dumptest"), RDFS.label, Literal(NEW_LABEL, lang="sv")))
    store.replace_graphs({current: graph})
    assert store.version != old_version
    stale = client.get("/dumps/insatsgraf.ttl.gz", headers={"If-None-Match": before.headers["etag"]})
    assert stale.status_code == 200 and stale.headers["etag"] != before.headers["etag"]
    text = gzip.decompress(stale.content)
    assert NEW_LABEL.encode() in text and NEW_LABEL.encode() not in gzip.decompress(before.content)
    parsed = Graph().parse(data=text, format="turtle")
    assert len(parsed) == len(Graph().parse(data=serialise(store, "ttl"), format="turtle"))
    assert dump_files(store) == [f"insatsgraf.ttl.{store.version}.gz"]  # the older version's file is gone


def test_a_restart_never_reuses_a_version(tmp_path: Path) -> None:
    path = tmp_path / "store"
    first = OxigraphStore(path)
    seen = first.version
    first.close()
    second = OxigraphStore(path)
    assert second.version != seen
    second.close()
