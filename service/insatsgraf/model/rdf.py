"""Reading the repository's Turtle files (rebased to the deployment's base IRI) and common prefixes."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

from insatsgraf.model.iris import IG, ORG, rebase

SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "ig": IG,
    "org": ORG,
    "skos": SKOS,
    "prov": PROV,
    "dct": DCTERMS,
    "dcat": DCAT,
    "foaf": FOAF,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
}


def new_graph(base: str | None = None) -> Graph:
    """An empty graph with the project's prefixes bound (and ``ex``-free Turtle output)."""
    graph = Graph(bind_namespaces="core")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    if base:
        graph.bind("id", Namespace(f"{base}id/"))
    return graph


def read_turtle(path: Path, base: str) -> Graph:
    """Parse a repository Turtle file, with its IRIs moved to ``base``."""
    graph = new_graph(base)
    graph.parse(data=rebase(path.read_text(encoding="utf-8"), base), format="turtle", publicID=str(path))
    return graph


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
