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
from dataclasses import dataclass
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import Graph

from insatsgraf.model.rdf import PREFIXES
from insatsgraf.sparql.results import QueryResult, Term
from insatsgraf.sparql.terms import term_nt, to_ox, triple_parts


@dataclass(frozen=True)
class Format:
    """One serialisation: its media type, the names it goes by in files and libraries, and its spec."""

    media_type: str
    label: str
    spec: str
    ext: str | None = None
    """The file extension of its documents and dumps (``/doc/….ttl``, ``insatsgraf.ttl.gz``)."""
    charset: bool = True
    """Whether the Content-Type names ``charset=utf-8`` (JSON-LD is UTF-8 by definition and takes none)."""
    rdflib: str | None = None
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None = None
    eu_file_type: str | None = None
    """The format's code in the EU file-type authority table (the DCAT distributions name it)."""
    quads: bool = False

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"
TRIG = "application/trig"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
HTML = "text/html"

_R = ox.QueryResultsFormat
_G = ox.RdfFormat
FORMATS: dict[str, Format] = {
    f.media_type: f
    for f in (
        Format(JSON, "SPARQL JSON", "https://www.w3.org/TR/sparql11-results-json/", "srj", oxigraph=_R.JSON),
        Format(XML, "SPARQL XML", "https://www.w3.org/TR/rdf-sparql-XMLres/", "srx", oxigraph=_R.XML),
        Format(CSV, "CSV", "https://www.w3.org/TR/sparql11-results-csv-tsv/", "csv", oxigraph=_R.CSV),
        Format(TSV, "TSV", "https://www.w3.org/TR/sparql11-results-csv-tsv/", "tsv", oxigraph=_R.TSV),
        Format(
            TURTLE, "Turtle", "https://www.w3.org/TR/turtle/", "ttl", True, "turtle", _G.TURTLE, "RDF_TURTLE"
        ),
        Format(
            NTRIPLES,
            "N-Triples",
            "https://www.w3.org/TR/n-triples/",
            "nt",
            True,
            "nt",
            _G.N_TRIPLES,
            "RDF_N_TRIPLES",
        ),
        Format(
            NQUADS, "N-Quads", "https://www.w3.org/TR/n-quads/", "nq", True, "nquads", _G.N_QUADS, quads=True
        ),
        Format(TRIG, "TriG", "https://www.w3.org/TR/trig/", "trig", True, "trig", _G.TRIG, "RDF_TRIG", True),
        Format(
            JSONLD,
            "JSON-LD",
            "https://www.w3.org/TR/json-ld11/",
            "jsonld",
            False,
            "json-ld",
            _G.JSON_LD,
            "JSON_LD",
        ),
        Format(
            RDFXML, "RDF/XML", "https://www.w3.org/TR/rdf-syntax-grammar/", "rdf", True, "xml", _G.RDF_XML
        ),
        Format(HTML, "HTML", "https://html.spec.whatwg.org/", "html"),
    )
}
"""Every format the service reads or writes, by media type: the one table of them."""

RESULT_TYPES = [JSON, XML, CSV, TSV]
"""SELECT and ASK answers, in the order preferred when the client accepts several equally."""
GRAPH_TYPES = [TURTLE, NTRIPLES, JSONLD, RDFXML]
"""CONSTRUCT and DESCRIBE answers."""
DOCUMENT_TYPES = [TURTLE, JSONLD, NTRIPLES, RDFXML]
"""Linked-data documents (``/doc/….{ext}``), Turtle first: ``*/*`` alone (curl, scripts) gets Turtle."""
DUMP_TYPES = [TURTLE, NTRIPLES, JSONLD, TRIG]
"""The dump files (``/dumps/insatsgraf.{ext}.gz``)."""
BY_EXT = {f.ext: f for f in FORMATS.values() if f.ext}

ALIASES = {
    "application/json": JSON,
    "application/xml": XML,
    "text/xml": XML,
    "application/turtle": TURTLE,
    "application/x-turtle": TURTLE,
    "text/plain": NTRIPLES,
    "application/x-json+ld": JSONLD,
    "application/xhtml+xml": HTML,
}
"""Other names clients send for the same formats (SPARQLWrapper sends several of them)."""

CONTENT_TYPES = {media: f.content_type for media, f in FORMATS.items()}


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


Offered = TypeVar("Offered", str, Format)


def negotiate(accept: str | None, offered: Sequence[Offered]) -> Offered | None:
    """The offered type the client prefers, ``None`` if none: the highest q, where for each type the most
    specific range that matches it decides (so ``text/turtle;q=0, */*`` refuses Turtle); ties go to the
    server's order. ``offered`` holds media types or ``Format`` rows, and the choice is one of them.

    ``application/json`` means SPARQL JSON results for SELECT/ASK and JSON-LD for graphs.
    """
    if not offered:
        return None
    if not accept or not accept.strip():
        return offered[0]
    types = [o if isinstance(o, str) else o.media_type for o in offered]
    ranges = _ranges(accept, types)
    best: tuple[float, int] | None = None
    choice = None
    for index, (item, media) in enumerate(zip(offered, types, strict=True)):
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
            best, choice = key, item
    return choice


def names_explicitly(accept: str | None, media_type: str) -> bool:
    """Does ``Accept`` name this very type with q > 0 (a browser names text/html; curl's ``*/*`` does not)?"""
    return any(rng == media_type and q > 0 for rng, q in _ranges(accept or "", [media_type]))


# -- terms ---------------------------------------------------------------------------------------


def _term_xml(term: Term) -> str:
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<uri>{escape(value)}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(value)}</bnode>"
    if kind == "triple":
        inner = triple_parts(term)
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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet runs as a formula when it opens a file (OWASP, "CSV injection")."""


def formula_like(value: object) -> bool:
    """Text a spreadsheet would run as a formula: ``= + - @`` (or tab, CR) first."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def spreadsheet_safe(value: object) -> object:
    """The one neutraliser of formula injection for every cell that leaves the service for people's
    spreadsheets (CSV or XLSX): formula-like text gets a leading ``'``, shown as text; anything else as is."""
    return "'" + value if isinstance(value, str) and formula_like(value) else value


def _term_csv(term: Term, for_spreadsheets: bool = False) -> str:
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if term["type"] == "triple":
        return term_nt(term)
    if for_spreadsheets and term["type"] == "literal" and "datatype" not in term:
        return str(spreadsheet_safe(term["value"]))  # text, not numbers: -5 stays -5
    return term["value"]


# -- results ---------------------------------------------------------------------------------------


def write_results(result: QueryResult, media_type: str, *, for_spreadsheets: bool = False) -> bytes:
    """A SELECT or ASK result in one of ``RESULT_TYPES``. ``for_spreadsheets``: CSV for people (the catalogue's
    answers) with formula-like text neutralised; the SPARQL endpoint answers every value exactly as stored."""
    if media_type == JSON:
        return json.dumps(result.to_sparql_json(), ensure_ascii=False).encode("utf-8")
    if media_type == XML:
        return _results_xml(result).encode("utf-8")
    if media_type in (CSV, TSV):
        return _results_text(result, tsv=media_type == TSV, for_spreadsheets=for_spreadsheets).encode("utf-8")
    raise ValueError(f"not a results format: {media_type}")


ROW_MARKS = {JSON: (b"},{", 1), XML: (b"<result>", 0), TSV: (b"\n", -1)}
"""The results formats whose rows can be bounded on Oxigraph's bytes (``rows_at_most``): a byte string that
occurs once per row (JSON: between two rows), and what to add to its count. CSV is not here: a quoted value
may hold a line break, and the catalogue's CSV for people is written in Python (``for_spreadsheets``)."""


def rows_at_most(body: bytes, media_type: str) -> int:
    """At least the number of rows of a SELECT answer Oxigraph wrote in ``media_type`` (one of ``ROW_MARKS``),
    counted on its bytes without reading them (about 1 ms for 1 MB): a value may hold the mark, never hide
    one (JSON and XML escape the quotes and angle brackets around them, TSV its line breaks)."""
    mark, extra = ROW_MARKS[media_type]
    if media_type == JSON and body.endswith(b'"bindings":[]}}'):
        return 0
    return max(0, body.count(mark) + extra)


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


def _results_text(result: QueryResult, *, tsv: bool, for_spreadsheets: bool = False) -> str:
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
        writer.writerow([_term_csv(row[v], for_spreadsheets) if v in row else "" for v in result.vars])
    return buffer.getvalue()


# -- graphs -------------------------------------------------------------------------------------


def project_prefixes(base: str) -> dict[str, str]:
    return {**{p: str(ns) for p, ns in PREFIXES.items()}, "id": f"{base}id/"}


def write_triples(triples: Iterable[ox.Triple], media_type: str, base: str) -> bytes:
    """CONSTRUCT/DESCRIBE triples in one of ``GRAPH_TYPES`` (Oxigraph's serialisers; prefixes for Turtle)."""
    fmt = FORMATS[media_type].oxigraph
    assert isinstance(fmt, ox.RdfFormat)
    prefixes = project_prefixes(base) if media_type in (TURTLE, RDFXML) else None
    return ox.serialize(list(triples), format=fmt, prefixes=prefixes) or b""


def graph_triples(graph: Graph) -> list[ox.Triple]:
    return [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph]  # type: ignore[arg-type]
