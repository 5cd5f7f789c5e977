"""The dataset's descriptions: DCAT-AP-SE 3.0.1 (for the national data portal) and VoID (with counts).

The fixed part is a file (``data/ttl/dataset.ttl``); this module adds what depends on the store and the
service: a distribution per dump, the SPARQL endpoint as a data service, dates and temporal coverage.
Every URL is ``{base}<path>``: the service answers for the base IRI's paths (see README, Linked data).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD

from insatsgraf import __version__
from insatsgraf.catalogue import rq
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.rdf import SH, new_graph, read_turtle
from insatsgraf.publication import cube, void
from insatsgraf.publication.dumps import DUMP_NAME, FORMATS
from insatsgraf.publication.void import VoidCounts
from insatsgraf.sparql.store import Store

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
LICENCE = URIRef(f"{EU}licence/CC_BY_4_0")


def catalog_iri(base: str) -> URIRef:
    return URIRef(f"{base}id/catalog")


def dataset_iri(base: str) -> URIRef:
    return URIRef(f"{base}id/dataset/insatsgraf")


def service_iri(base: str) -> URIRef:
    return URIRef(f"{base}id/service/sparql")


def distribution_iri(base: str, name: str) -> URIRef:
    return URIRef(f"{base}id/distribution/{name}")


def dump_url(base: str, fmt: str) -> URIRef:

    return URIRef(f"{base}dumps/{DUMP_NAME}.{FORMATS[fmt].ext}.gz")


def submission_dates(store: Store) -> list[date]:
    """Dates of the accepted submissions (from the provenance graphs), oldest first."""
    out = []
    for value in store.query(rq.read("submission-dates")).values("issued"):
        try:
            out.append(date.fromisoformat(str(value)[:10]))
        except ValueError:  # a malformed date in provenance is not the description's business
            continue
    return out


def build_dcat(store: Store, settings: Settings) -> Graph:
    """The DCAT-AP-SE description: the fixed file plus distributions, data service and dates."""
    base = store.base
    graph = new_graph(base)
    graph.bind("vcard", VCARD)
    graph.bind("adms", ADMS)
    graph += read_turtle(settings.data_dir / "dataset.ttl", base)
    catalog, dataset, service = catalog_iri(base), dataset_iri(base), service_iri(base)

    graph.add((catalog, DCAT.service, service))
    dates = submission_dates(store)
    if dates:
        period = URIRef(f"{base}id/dataset/insatsgraf/period")
        graph.add((dataset, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(dates[0].isoformat(), datatype=XSD.date)))
        graph.add((dataset, DCTERMS.issued, Literal(dates[0].isoformat(), datatype=XSD.date)))
        graph.add((dataset, DCTERMS.modified, Literal(dates[-1].isoformat(), datatype=XSD.date)))

    for fmt, spec in FORMATS.items():
        dist = distribution_iri(base, fmt)
        url = dump_url(base, fmt)
        graph.add((dataset, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCTERMS.title, Literal(f"Datadump i {fmt.upper()}, gzip", lang="sv")))
        graph.add((dist, DCTERMS.title, Literal(f"Data dump in {fmt.upper()}, gzip", lang="en")))
        graph.add((dist, DCAT.accessURL, url))
        graph.add((dist, DCAT.downloadURL, url))
        _typed(
            graph,
            dist,
            DCTERMS.format,
            URIRef(f"{EU}file-type/{spec.eu_file_type}"),
            DCTERMS.MediaTypeOrExtent,
        )
        _typed(graph, dist, DCAT.mediaType, URIRef(f"{IANA}{spec.media_type}"), DCTERMS.MediaType)
        _typed(graph, dist, DCAT.compressFormat, URIRef(f"{IANA}application/gzip"), DCTERMS.MediaType)
        graph.add((dist, DCTERMS.license, LICENCE))

    _cube_distribution(graph, dataset, base)

    endpoint = URIRef(f"{base}sparql")
    sparql_dist = distribution_iri(base, "sparql")
    graph.add((dataset, DCAT.distribution, sparql_dist))
    graph.add((sparql_dist, RDF.type, DCAT.Distribution))
    graph.add((sparql_dist, DCTERMS.title, Literal("SPARQL-ändpunkt", lang="sv")))
    graph.add((sparql_dist, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    graph.add((sparql_dist, DCAT.accessURL, endpoint))
    graph.add((sparql_dist, DCAT.accessService, service))
    graph.add((sparql_dist, DCTERMS.license, LICENCE))

    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal("insatsgraf SPARQL-ändpunkt", lang="sv")))
    graph.add((service, DCTERMS.title, Literal("insatsgraf SPARQL endpoint", lang="en")))
    graph.add(
        (
            service,
            DCTERMS.description,
            Literal("SPARQL 1.1-ändpunkt över de publicerade graferna (historik utesluten).", lang="sv"),
        )
    )
    graph.add(
        (
            service,
            DCTERMS.description,
            Literal("SPARQL 1.1 endpoint over the published graphs (history left out).", lang="en"),
        )
    )
    graph.add((service, DCAT.endpointURL, endpoint))
    _typed(graph, service, DCAT.endpointDescription, URIRef(f"{base}.well-known/void"), RDFS.Resource)
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.publisher, URIRef(f"{base}id/agent/insatsgraf")))
    graph.add((service, DCTERMS.license, LICENCE))
    _typed(graph, service, DCTERMS.conformsTo, SPARQL_PROTOCOL, DCTERMS.Standard)
    graph.add((SPARQL_PROTOCOL, DCTERMS.title, Literal("SPARQL 1.1 Protocol", lang="en")))
    graph.add((endpoint, RDF.type, RDFS.Resource))
    graph.add((catalog, DCTERMS.modified, Literal(date.today().isoformat(), datatype=XSD.date)))
    graph.set((dataset, OWL.versionInfo, Literal(__version__)))
    return graph


def _cube_distribution(graph: Graph, dataset: URIRef, base: str) -> None:
    """The figures (RDF Data Cube) as a distribution of their own: a TriG dump of the statistics graphs."""
    dist, url = distribution_iri(base, "statistics"), URIRef(f"{base}dumps/{cube.CUBE_DUMP}")
    graph.add((dataset, DCAT.distribution, dist))
    graph.add((dist, RDF.type, DCAT.Distribution))
    graph.add((dist, DCTERMS.title, Literal("Nyckeltal (RDF Data Cube) i TriG, gzip", lang="sv")))
    graph.add((dist, DCTERMS.title, Literal("Figures (RDF Data Cube) in TriG, gzip", lang="en")))
    graph.add(
        (
            dist,
            DCTERMS.description,
            Literal(
                "Volymer, befolkning, väntetider, kostnader och utfall per organisation och period.",
                lang="sv",
            ),
        )
    )
    graph.add(
        (
            dist,
            DCTERMS.description,
            Literal(
                "Volumes, population, waiting times, costs and outcomes per organisation and period.",
                lang="en",
            ),
        )
    )
    graph.add((dist, DCAT.accessURL, url))
    graph.add((dist, DCAT.downloadURL, url))
    trig = FORMATS["trig"]
    _typed(
        graph, dist, DCTERMS.format, URIRef(f"{EU}file-type/{trig.eu_file_type}"), DCTERMS.MediaTypeOrExtent
    )
    _typed(graph, dist, DCAT.mediaType, URIRef(f"{IANA}{trig.media_type}"), DCTERMS.MediaType)
    _typed(graph, dist, DCAT.compressFormat, URIRef(f"{IANA}application/gzip"), DCTERMS.MediaType)
    _typed(graph, dist, DCTERMS.conformsTo, cube.DATA_CUBE, DCTERMS.Standard)
    graph.add((dist, DCTERMS.license, LICENCE))


def _typed(graph: Graph, subject: URIRef, predicate: URIRef, obj: URIRef, cls: URIRef) -> None:
    """Add the link and the object's type: the DCAT-AP range shapes check ``rdf:type`` of objects."""
    graph.add((subject, predicate, obj))
    graph.add((obj, RDF.type, cls))


def build_void(store: Store, settings: Settings | None = None, counts: VoidCounts | None = None) -> Graph:
    """VoID for the published dump: triples, entities, classes, properties, a partition per class.

    The numbers come from the engine (``publication.void.count``), or from ``counts`` already computed for
    this version of the store (``publication.voidcache``); the rest is a few fixed statements."""
    base = store.base
    counts = counts if counts is not None else void.count(store)
    dataset = dataset_iri(base)
    graph = new_graph(base)
    graph.bind("void", VOID)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("insatsgraf", lang="sv")))
    graph.add((dataset, DCTERMS.license, LICENCE))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(f"{base}id/")))
    graph.add((dataset, VOID.vocabulary, URIRef(str(iris.IG))))
    graph.add((dataset, VOID.rootResource, URIRef(f"{base}id/scheme/catalogue")))
    graph.add((dataset, VOID.exampleResource, URIRef(iris.programme("komet", base))))

    for fmt in FORMATS:
        graph.add((dataset, VOID.dataDump, dump_url(base, fmt)))
    graph.add((dataset, VOID.triples, Literal(counts.triples)))
    graph.add((dataset, VOID.entities, Literal(counts.entities)))
    graph.add((dataset, VOID.distinctSubjects, Literal(counts.distinct_subjects)))
    graph.add((dataset, VOID.distinctObjects, Literal(counts.distinct_objects)))
    graph.add((dataset, VOID.properties, Literal(counts.properties)))
    graph.add((dataset, VOID.classes, Literal(counts.classes)))
    for i, (cls, entities) in enumerate(counts.class_partitions):
        part = BNode(f"classPartition{i}")  # the same labels each time: one version, one ETag, the same bytes
        graph.add((dataset, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(cls)))
        graph.add((part, VOID.entities, Literal(entities)))
    return graph


def dcat_ap_shapes_dir(settings: Settings) -> Path:
    """The DCAT-AP 3.0.1 SHACL shapes (SEMIC, CC BY 4.0), copied into ``data/reference/standards/``."""
    return settings.standards_dir / "dcat-ap-3.0.1"


def load_dcat_ap_shapes(folder: Path) -> Graph:
    """``dcat-ap-SHACL.ttl`` + ``ranges.ttl``, without the five ``sh:property`` links to shapes neither defines.

    SEMIC's 3.0.1 files point at a few property shapes that exist in neither file; pySHACL (rightly) refuses
    such a shapes graph. Only those dangling links are dropped; every defined constraint is kept.
    """
    graph = Graph()
    for name in ("dcat-ap-SHACL.ttl", "ranges.ttl"):
        graph.parse(folder / name, format="turtle")
    dangling = [(s, o) for s, o in graph.subject_objects(SH.property) if not any(graph.predicate_objects(o))]
    for s, o in dangling:
        graph.remove((s, SH.property, o))
    return graph


def description_turtle(store: Store, kind: str, settings: Settings) -> bytes:
    """The dataset's description as Turtle: ``dcat`` (DCAT-AP-SE) or ``void`` (VoID)."""
    graph = build_dcat(store, settings) if kind == "dcat" else build_void(store, settings)
    return graph.serialize(format="turtle", encoding="utf-8")
