"""The DCAT-AP-SE description passes the DCAT-AP 3.0.1 shapes, and what it promises is really served."""

from __future__ import annotations

import gzip
import tomllib

import pytest
from fastapi.testclient import TestClient
from pyshacl import validate
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from insatsgraf.api import create_app
from insatsgraf.config import ROOT, Settings
from insatsgraf.model import iris
from insatsgraf.model.rdf import SH
from insatsgraf.publication.dcat import (
    build_dcat,
    build_void,
    dataset_iri,
    dcat_ap_shapes_dir,
    load_dcat_ap_shapes,
)
from insatsgraf.publication.dumps import FORMATS, build_dataset, union_graph
from insatsgraf.sparql.embedded import OxigraphStore
from tests.linked_data_fixtures import SUBMISSION_DATE, gnesta_store

BASE = Settings().base
EU = "http://publications.europa.eu/resource/authority/"


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return gnesta_store()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    folder = dcat_ap_shapes_dir(Settings())
    assert (folder / "dcat-ap-SHACL.ttl").exists(), f"the DCAT-AP 3.0.1 shapes are not at {folder}"
    return load_dcat_ap_shapes(folder)


@pytest.fixture(scope="module")
def description(store: OxigraphStore) -> Graph:
    return build_dcat(store, Settings())


def test_description_conforms_to_the_dcat_ap_shapes_and_ranges(description: Graph, shapes: Graph) -> None:
    conforms, _, text = validate(description, shacl_graph=shapes)
    assert conforms, text


def test_the_shapes_catch_a_missing_title_and_an_untyped_location(description: Graph, shapes: Graph) -> None:
    """The check has teeth: a dataset without title and a spatial object without type are reported."""
    broken = Graph() + description
    dataset = dataset_iri(BASE)
    broken.remove((dataset, DCTERMS.title, None))
    broken.remove((URIRef(f"{EU}country/SWE"), RDF.type, None))
    conforms, report, _ = validate(broken, shacl_graph=shapes)
    assert not conforms
    results = {
        (
            report.value(r, SH.focusNode),
            report.value(r, SH.resultPath),
            report.value(r, SH.sourceConstraintComponent),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }
    assert (dataset, DCTERMS.title, SH.MinCountConstraintComponent) in results
    assert (dataset, DCTERMS.spatial, SH.ClassConstraintComponent) in results


def test_dangling_shape_links_are_the_only_thing_dropped(shapes: Graph) -> None:
    raw = Graph()
    for name in ("dcat-ap-SHACL.ttl", "ranges.ttl"):
        raw.parse(dcat_ap_shapes_dir(Settings()) / name)
    removed = set(raw) - set(shapes)
    assert removed and all(p == SH.property and not any(raw.predicate_objects(o)) for _, p, o in removed)
    assert len(removed) <= 10


def test_the_dataset_has_what_dcat_ap_se_asks_for(description: Graph) -> None:
    d = dataset_iri(BASE)
    catalog = URIRef(f"{BASE}id/catalog")
    assert (catalog, DCAT.dataset, d) in description
    assert {Literal(t).language for t in description.objects(d, DCTERMS.title)} == {"sv", "en"}
    assert (d, DCTERMS.spatial, URIRef(f"{EU}country/SWE")) in description
    assert (d, DCAT.theme, URIRef(f"{EU}data-theme/SOCI")) in description
    assert (d, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/ANNUAL")) in description
    assert (d, DCTERMS.license, URIRef(f"{EU}licence/CC_BY_4_0")) in description
    contact = description.value(d, DCAT.contactPoint)
    assert description.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) is not None
    publisher = description.value(d, DCTERMS.publisher)
    assert str(description.value(publisher, DCTERMS.type)).startswith("http://purl.org/adms/publishertype/")
    period = description.value(d, DCTERMS.temporal)
    assert description.value(period, DCAT.startDate) == Literal(SUBMISSION_DATE, datatype=XSD.date)


def test_data_service_and_distributions_point_at_what_the_service_serves(
    description: Graph, store: OxigraphStore
) -> None:
    d = dataset_iri(BASE)
    services = list(description.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    service = services[0]
    assert (service, DCAT.servesDataset, d) in description
    assert description.value(service, DCAT.endpointURL) == URIRef(f"{BASE}sparql")
    assert (service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")) in description
    downloads = {
        str(description.value(dist, DCAT.downloadURL)): str(description.value(dist, DCAT.mediaType))
        for dist in description.objects(d, DCAT.distribution)
        if description.value(dist, DCAT.downloadURL) is not None
    }
    assert len(downloads) == len(FORMATS) + 1  # the dumps, and the figures (Data Cube) alone
    with TestClient(create_app(Settings().with_(store="memory:"), store)) as client:
        for url, media_type in downloads.items():
            assert url.startswith(BASE)
            r = client.get("/" + url[len(BASE) :])
            assert r.status_code == 200 and r.headers["content-type"] == "application/gzip", url
            fmt = next(f for f in FORMATS.values() if media_type.endswith("/" + f.media_type))
            parsed = (Dataset() if fmt.quads else Graph()).parse(
                data=gzip.decompress(r.content), format=fmt.rdflib
            )
            count = sum(1 for _ in parsed.quads((None, None, None, None))) if fmt.quads else len(parsed)
            assert count > 1000, url
        ask = client.get(
            "/sparql",
            params={"query": "ASK { ?s ?p ?o }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert ask.status_code == 200 and ask.json()["boolean"] is True


def test_catalog_route_negotiates_rdf_and_shows_a_page_to_browsers(store: OxigraphStore) -> None:
    with TestClient(create_app(Settings().with_(store="memory:"), store)) as client:
        ttl = client.get("/catalog")
        assert ttl.headers["content-type"].startswith("text/turtle")
        assert (URIRef(f"{BASE}id/catalog"), RDF.type, DCAT.Catalog) in Graph().parse(
            data=ttl.content, format="turtle"
        )
        jsonld = client.get("/catalog", headers={"Accept": "application/ld+json"})
        assert len(Graph().parse(data=jsonld.content, format="json-ld")) == len(
            Graph().parse(data=ttl.content)
        )
        page = client.get("/catalog", headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html") and "insatsgraf" in page.text


def test_void_counts_match_the_published_dump(store: OxigraphStore) -> None:
    void = build_void(store, Settings())
    d = dataset_iri(BASE)
    published = union_graph(build_dataset(store), BASE)
    assert void.value(d, VOID.triples).toPython() == len(published)
    partitions = {
        void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
        for p in void.objects(d, VOID.classPartition)
    }
    offerings = store.query(f"""PREFIX ig: <{iris.IG}>
        SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a ig:Offering }}""").values("n")[0]
    assert partitions[iris.IG.Offering] == int(offerings or 0) >= 3
    assert void.value(d, VOID.sparqlEndpoint) == URIRef(f"{BASE}sparql")
    assert len(list(void.objects(d, VOID.dataDump))) == len(FORMATS)
    with TestClient(create_app(Settings().with_(store="memory:"), store)) as client:
        served = Graph().parse(data=client.get("/.well-known/void").content, format="turtle")
        assert served.value(d, VOID.triples) == void.value(d, VOID.triples)


def test_dataset_file_version_is_the_project_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    graph = Graph().parse(ROOT / "data" / "ttl" / "dataset.ttl")
    assert {str(v) for v in graph.objects(None, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))} == {
        version
    }
    assert {str(v) for v in graph.objects(None, DCAT.version)} == {version}
