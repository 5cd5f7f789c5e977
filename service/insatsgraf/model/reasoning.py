"""OWL 2 reasoning with HermiT through owlready2: consistency of the ontology (with data) and classification.

owlready2 reads N-Triples, not Turtle, so each graph goes through rdflib first. Every call uses its own
owlready2 World, so runs never leak into each other.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import owlready2
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from insatsgraf.config import DEFAULT_BASE
from insatsgraf.model.rdf import read_turtle


@dataclass
class ReasonerReport:
    consistent: bool
    inferred: list[str] = field(default_factory=list)
    """Inferred class memberships and subclass axioms, as readable lines."""
    types: dict[str, set[str]] = field(default_factory=dict)
    """Individual IRI → IRIs of every class it belongs to after reasoning (asserted and inferred)."""


def reason(graphs: list[Graph]) -> ReasonerReport:
    """Run HermiT over the union of ``graphs``; report consistency and what it inferred."""
    union = Graph()
    for graph in graphs:
        union += graph
    _declare_individuals(union)
    world = owlready2.World()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "union.nt"
        union.serialize(destination=str(path), format="nt", encoding="utf-8")
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        asserted = {ind.iri: {c.iri for c in ind.is_a if hasattr(c, "iri")} for ind in onto.individuals()}
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerReport(consistent=False)
        except owlready2.OwlReadyJavaError as exc:
            raise ReasoningError(_java_message(str(exc))) from exc
        types: dict[str, set[str]] = {}
        inferred: list[str] = []
        for ind in world.individuals():
            classes = {c.iri for c in ind.is_a if hasattr(c, "iri")}
            closure = {
                a.iri for c in ind.is_a if hasattr(c, "ancestors") for a in c.ancestors() if hasattr(a, "iri")
            }
            types[ind.iri] = classes | closure
            for iri in sorted(classes - asserted.get(ind.iri, set())):
                inferred.append(f"{ind.iri} a {iri}")
        inconsistent = list(world.inconsistent_classes())
        for cls in inconsistent:
            inferred.append(f"unsatisfiable: {cls.iri}")
        return ReasonerReport(consistent=not inconsistent, inferred=inferred, types=types)


class ReasoningError(Exception):
    """HermiT refused the input (e.g. a literal datatype outside the OWL 2 datatype map)."""


def _java_message(text: str) -> str:
    """The Java exception line of HermiT's output, which says what it refused."""
    lines = [
        line.strip()
        for line in text.splitlines()
        if "Exception" in line and not line.strip().startswith("at ")
    ]
    return lines[-1] if lines else text.strip()[:500]


def _declare_individuals(graph: Graph) -> None:
    """Declare every typed data resource an owl:NamedIndividual, as OWL 2 DL wants (and owlready2 needs)."""
    builtin = (str(OWL), str(RDFS), str(RDF))
    for subject, cls in list(graph.subject_objects(RDF.type)):
        if isinstance(subject, URIRef) and not str(cls).startswith(builtin) and cls != OWL.NamedIndividual:
            if (cls, RDF.type, OWL.Class) in graph or (cls, RDFS.subClassOf, None) in graph:
                graph.add((subject, RDF.type, OWL.NamedIndividual))


def check_consistency(
    ontology: Path, extra: list[Path] | None = None, base: str = DEFAULT_BASE
) -> ReasonerReport:
    """Reason over the ontology file and any data files (Turtle)."""
    return reason([read_turtle(path, base) for path in [ontology, *(extra or [])]])
