"""RDF terms in the three shapes the code meets them: rdflib, pyoxigraph and SPARQL-JSON, and as text.

One place converts between them and one function escapes a string for N-Triples, Turtle and SPARQL, so the
writers, the update builder and the query binder cannot drift apart.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from insatsgraf.sparql.results import Term

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def escape_string(value: str) -> str:
    """The body of a quoted string literal (N-Triples, Turtle, SPARQL): every character that could end it
    or break the line escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def quoted(value: str) -> str:
    """``value`` as one double-quoted string literal."""
    return f'"{escape_string(value)}"'


def to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: object) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"not an RDF term: {term!r}")


def graph_to_ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt")


def term_json(term: object) -> Term:
    """A pyoxigraph term as a SPARQL-JSON term (no datatype for plain and language strings)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (_XSD_STRING, _RDF_LANGSTRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),  # type: ignore[dict-item]
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def triple_parts(term: Term) -> dict[str, Term]:
    """An RDF-star triple term's subject, predicate and object: its ``value`` is a map, not the str of ``Term``."""
    parts: object = term["value"]
    assert isinstance(parts, dict)
    return parts


def term_nt(term: Term) -> str:
    """A SPARQL-JSON term in N-Triples syntax (the TSV format's cell)."""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    if kind == "triple":
        inner = triple_parts(term)
        return f"<< {term_nt(inner['subject'])} {term_nt(inner['predicate'])} {term_nt(inner['object'])} >>"
    text = quoted(value)
    if "xml:lang" in term:
        return f"{text}@{term['xml:lang']}"
    if "datatype" in term:
        return f"{text}^^<{term['datatype']}>"
    return text
