"""The cube in the exports: in the dumps, its own distribution in the DCAT description, dereferenceable."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from insatsgraf.api.app import create_app
from insatsgraf.config import Settings
from insatsgraf.model.cube import QB
from insatsgraf.publication import cube, dcat
from insatsgraf.publication import dumps as export
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

SETTINGS = Settings()


@pytest.fixture(scope="module")
def store() -> Iterator[OxigraphStore]:
    st = OxigraphStore(None, base=SETTINGS.base)
    load_bundled(st, SETTINGS)
    yield st
    st.close()


@pytest.fixture(scope="module")
def client(store: OxigraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(SETTINGS.with_(store="memory:"), store)) as c:
        yield c


def _observations(store: OxigraphStore) -> set[str]:
    rows = store.query(f"SELECT ?o WHERE {{ ?o a <{QB.Observation}> }}").values("o")
    return {str(o) for o in rows}


def test_the_full_dump_holds_every_observation(store: OxigraphStore) -> None:
    graph = Graph().parse(data=export.serialise(store, "nt"), format="nt")
    found = {str(s) for s in graph.subjects(RDF.type, QB.Observation)}
    assert found == _observations(store) and len(found) == 36 + 9  # Linköping: plan 2019/2020, costs


def test_the_cube_dump_is_served_and_holds_the_structure_and_the_tables(
    client: TestClient, store: OxigraphStore
) -> None:
    r = client.get(f"/dumps/{cube.CUBE_DUMP}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
    dataset = Dataset().parse(data=gzip.decompress(r.content), format="trig")
    names = {str(g.identifier) for g in dataset.graphs()}
    assert f"{SETTINGS.base}graph/statistics-structure" in names
    assert f"{SETTINGS.base}graph/statistics/group-r9" in names
    observations = {str(s) for s, _p, _o, _g in dataset.quads((None, RDF.type, QB.Observation, None))}
    assert observations == _observations(store)
    assert not any("/graph/current/" in n for n in names)  # the cube alone
    assert cube.CUBE_DUMP in client.get("/dumps/").text


def test_the_dcat_description_names_the_cube_as_its_own_distribution(store: OxigraphStore) -> None:
    description = dcat.build_dcat(store, SETTINGS)
    dist = URIRef(f"{SETTINGS.base}id/distribution/statistics")
    assert (dcat.dataset_iri(SETTINGS.base), DCAT.distribution, dist) in description
    assert (dist, DCTERMS.conformsTo, cube.DATA_CUBE) in description
    assert str(description.value(dist, DCAT.downloadURL)).endswith(f"/dumps/{cube.CUBE_DUMP}")


def test_an_observation_dereferences_like_every_other_resource(
    client: TestClient, store: OxigraphStore
) -> None:
    iri = sorted(_observations(store))[0]
    path = iri[len(SETTINGS.base) :]
    turtle = client.get(f"/{path}", headers={"accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef(iri), RDF.type, QB.Observation) in graph
    assert graph.value(URIRef(iri), QB.dataSet) is not None
    page = client.get(f"/{path}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "obsValue" in page.text
