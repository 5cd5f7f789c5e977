"""Content negotiation and serialisers shared by ``/sparql`` and ``/queries``.

One table of media types (with the specs they follow), ``negotiate`` for ``Accept`` headers with q-values,
and writers from the backend-neutral ``QueryResult`` (SPARQL-JSON terms) so every route answers the same
formats the same way.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import Graph

from insatsgraf.model.rdf import PREFIXES
from insatsgraf.sparql.results import QueryResult, Term
from insatsgraf.sparql.store import to_ox

JSON = "application/sparql-results+json"  # https://www.w3.org/TR/sparql11-results-json/
XML = "application/sparql-results+xml"  # https://www.w3.org/TR/rdf-sparql-XMLres/
CSV = "text/csv"  # https://www.w3.org/TR/sparql11-results-csv-tsv/
TSV = "text/tab-separated-values"  # same spec
TURTLE = "text/turtle"  # https://www.w3.org/TR/turtle/
NTRIPLES = "application/n-triples"  # https://www.w3.org/TR/n-triples/
JSONLD = "application/ld+json"  # https://www.w3.org/TR/json-ld11/
RDFXML = "application/rdf+xml"  # https://www.w3.org/TR/rdf-syntax-grammar/

RESULT_TYPES = [JSON, XML, CSV, TSV]
"""SELECT and ASK answers, in the order preferred when the client accepts several equally."""
GRAPH_TYPES = [TURTLE, NTRIPLES, JSONLD, RDFXML]
"""CONSTRUCT and DESCRIBE answers."""

ALIASES = {
    "application/json": JSON,
    "application/xml": XML,
    "text/xml": XML,
    "application/turtle": TURTLE,
    "application/x-turtle": TURTLE,
    "text/plain": NTRIPLES,
    "application/x-json+ld": JSONLD,
}
"""Other names clients send for the same formats (SPARQLWrapper sends several of them)."""

CONTENT_TYPES = {
    JSON: "application/sparql-results+json; charset=utf-8",
    XML: "application/sparql-results+xml; charset=utf-8",
    CSV: "text/csv; charset=utf-8",
    TSV: "text/tab-separated-values; charset=utf-8",
    TURTLE: "text/turtle; charset=utf-8",
    NTRIPLES: "application/n-triples; charset=utf-8",
    JSONLD: "application/ld+json",
    RDFXML: "application/rdf+xml; charset=utf-8",
}

_OX_RDF = {
    TURTLE: ox.RdfFormat.TURTLE,
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
    JSONLD: ox.RdfFormat.JSON_LD,
    RDFXML: ox.RdfFormat.RDF_XML,
}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _alias(media: str, offered: Sequence[str]) -> str:
    """Another name for an offered type (``application/json`` → SPARQL JSON or JSON-LD), else ``media``."""
    if media in offered:
        return media
    target = ALIASES.get(media)
    if target in offered:
        return target  # type: ignore[return-value]
    if media == "application/json" and JSONLD in offered:
        return JSONLD
    return media


def _ranges(accept: str, offered: Sequence[str]) -> list[tuple[str, float]]:
    """``Accept`` as (media range, q) pairs; parameters other than q are ignored."""
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append((_alias(media, offered), q))
    return out


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered type the client prefers (highest q, the most specific range decides), ``None`` if none.

    ``application/json`` means SPARQL JSON results for SELECT/ASK and JSON-LD for graphs.
    """
    if not accept or not accept.strip():
        return offered[0]
    ranges = _ranges(accept, offered)
    best: tuple[float, int] | None = None
    choice = None
    for index, media in enumerate(offered):
        main = media.split("/")[0]
        q, specificity = 0.0, -1
        for rng, rq in ranges:
            level = 2 if rng == media else 1 if rng == f"{main}/*" else 0 if rng == "*/*" else -1
            if level > specificity:
                q, specificity = rq, level
        if specificity < 0 or q <= 0:
            continue
        key = (q, -index)
        if best is None or key > best:
            best, choice = key, media
    return choice


# -- terms ---------------------------------------------------------------------------------------


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


def _nt_string(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def _triple_parts(term: Term) -> dict[str, Term]:
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
        inner = _triple_parts(term)
        return f"<< {term_nt(inner['subject'])} {term_nt(inner['predicate'])} {term_nt(inner['object'])} >>"
    text = f'"{_nt_string(value)}"'
    if "xml:lang" in term:
        return f"{text}@{term['xml:lang']}"
    if "datatype" in term:
        return f"{text}^^<{term['datatype']}>"
    return text


def _term_xml(term: Term) -> str:
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<uri>{escape(value)}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(value)}</bnode>"
    if kind == "triple":
        inner = _triple_parts(term)
        return (
            "<triple>"
            + "".join(f"<{k}>{_term_xml(inner[k])}</{k}>" for k in ("subject", "predicate", "object"))
            + "</triple>"
        )
    if "xml:lang" in term:
        return f"<literal xml:lang={quoteattr(term['xml:lang'])}>{escape(value)}</literal>"
    if "datatype" in term:
        return f"<literal datatype={quoteattr(term['datatype'])}>{escape(value)}</literal>"
    return f"<literal>{escape(value)}</literal>"


def _term_csv(term: Term) -> str:
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if term["type"] == "triple":
        return term_nt(term)
    return term["value"]


# -- results ---------------------------------------------------------------------------------------


def write_results(result: QueryResult, media_type: str) -> bytes:
    """A SELECT or ASK result in one of ``RESULT_TYPES``."""
    if media_type == JSON:
        return json.dumps(result.to_sparql_json(), ensure_ascii=False).encode("utf-8")
    if media_type == XML:
        return _results_xml(result).encode("utf-8")
    if media_type in (CSV, TSV):
        return _results_text(result, tsv=media_type == TSV).encode("utf-8")
    raise ValueError(f"not a results format: {media_type}")


def _results_xml(result: QueryResult) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        out.append(f"<head/><boolean>{'true' if result.boolean else 'false'}</boolean></sparql>\n")
        return "".join(out)
    out.append(
        "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.vars) + "</head><results>"
    )
    for row in result.rows:
        out.append(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(v)}>{_term_xml(row[v])}</binding>" for v in result.vars if v in row
            )
            + "</result>"
        )
    out.append("</results></sparql>\n")
    return "\n".join(out)


def _results_text(result: QueryResult, *, tsv: bool) -> str:
    """CSV (values only, RFC 4180, CRLF) or TSV (N-Triples terms, ``?var`` header)."""
    if result.kind == "ask":  # the CSV/TSV spec has no boolean form; this is what Jena writes
        value = "true" if result.boolean else "false"
        return f"?_askResult\n{value}\n" if tsv else f"_askResult\r\n{value}\r\n"
    if tsv:
        lines = ["\t".join(f"?{v}" for v in result.vars)]
        lines += ["\t".join(term_nt(row[v]) if v in row else "" for v in result.vars) for row in result.rows]
        return "\n".join(lines) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow([_term_csv(row[v]) if v in row else "" for v in result.vars])
    return buffer.getvalue()


# -- graphs -------------------------------------------------------------------------------------


def project_prefixes(base: str) -> dict[str, str]:
    return {**{p: str(ns) for p, ns in PREFIXES.items()}, "id": f"{base}id/"}


def write_triples(triples: Iterable[ox.Triple], media_type: str, base: str) -> bytes:
    """CONSTRUCT/DESCRIBE triples in one of ``GRAPH_TYPES`` (Oxigraph's serialisers; prefixes for Turtle)."""
    fmt = _OX_RDF[media_type]
    prefixes = project_prefixes(base) if media_type in (TURTLE, RDFXML) else None
    return ox.serialize(list(triples), format=fmt, prefixes=prefixes) or b""


def graph_triples(graph: Graph) -> list[ox.Triple]:
    return [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph]  # type: ignore[arg-type]
