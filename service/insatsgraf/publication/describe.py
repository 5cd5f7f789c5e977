"""Describe one resource under the base IRI: its triples (for RDF documents) and a page model (for HTML).

The IRI comes from a request path, so it is checked against a strict pattern before it is bound in a
query (``rq/describe*.rq``, through ``rq.bind``); nothing else from the request reaches the SPARQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Identifier

from insatsgraf.catalogue import rq
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import PREFIXES, new_graph
from insatsgraf.sparql.store import Store

PATH_RE = re.compile(r"^[a-z][a-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._~-]*)*$")
"""``{kind}[/{segment}…]`` as the IRI builders in ``iris.py`` produce them: ASCII slugs, no leading dots."""

INCOMING_LIMIT = 500
"""Most triples pointing at a resource that a description carries (a concept is used by many offerings);
the ``LIMIT`` written in ``rq/describe.rq``."""

SHOWN_AS_OFFERINGS = {
    "programme": (IG.implements, IG.variantOf, URIRef("http://www.w3.org/ns/oa#hasTarget")),
    "organisation": (IG.offeredBy,),
}
"""Incoming links a page shows in its offerings (or assessments) table instead of under "Referenced by"."""


class NotDescribable(ValueError):
    """The path is not a resource path under the base IRI (it cannot be an IRI the project mints)."""


def resource_iri(base: str, path: str) -> str:
    """The IRI ``{base}id/{path}`` for a request path, or ``NotDescribable`` when the path is not a slug path."""
    if not PATH_RE.match(path) or "/." in path or ".." in path:
        raise NotDescribable(path)
    return f"{base}id/{path}"


def describe(store: Store, iri: str) -> Graph:
    """The resource's triples: outgoing (with blank nodes closed, two levels) and incoming, up to a limit.

    ``iri`` must come from ``resource_iri`` (or the store itself), never straight from a request; it is
    checked again here, so a character that could end the IRI early is refused, not queried.
    """
    result = store.query(_bound("describe", resource=iri))
    graph = new_graph(store.base)
    for triple in result.graph or Graph():
        graph.add(triple)
    return graph


# -- the page model ------------------------------------------------------------------------------


@dataclass
class Value:
    """One object of a triple as the page shows it: a link (with its label) or a literal (with its language)."""

    text: str
    href: str | None = None
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Row:
    predicate: str
    label_sv: str
    label_en: str
    values: list[Value]


@dataclass
class Page:
    iri: str
    labels: dict[str, str]
    types: list[Value]
    rows: list[Row]
    incoming: list[tuple[Value, Row]] = field(default_factory=list)
    offerings: list[dict[str, Value | None]] = field(default_factory=list)
    """The offerings of a programme (with their organisation) or of an organisation (with their programme)."""
    kind: str = ""
    assessments: list[dict[str, Value | None]] = field(default_factory=list)
    """A programme's evidence assessments: registry, rating, crosswalk level, date, link (issue 17)."""


def local_href(iri: str, base: str) -> str | None:
    """Resources under the base IRI link to the same path on this service; others link out as they are."""
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    if iri.startswith(("http://", "https://")):
        return iri
    return None


def _bound(name: str, **iris: str) -> str:
    """The query ``rq/{name}.rq`` with its IRI parameters bound; ``NotDescribable`` for an unsafe IRI."""
    try:
        return rq.bind(rq.read(name), **iris)
    except rq.UnsafeIri as exc:
        raise NotDescribable(str(exc)) from None


def labels_for(store: Store, iris: list[str]) -> dict[str, dict[str, str]]:
    """``{iri: {"sv": …, "en": …, "": …}}`` from the usual label properties, first found wins per language."""
    if not iris:
        return {}
    try:
        query = rq.values(rq.read("describe-labels"), "s", sorted(set(iris)))
    except rq.UnsafeIri as exc:
        raise NotDescribable(str(exc)) from None
    out: dict[str, dict[str, str]] = {}
    for row in store.query(query).rows:
        lang = row["label"].get("xml:lang", "")
        out.setdefault(row["s"]["value"], {}).setdefault(lang, row["label"]["value"])
    return out


def pick(labels: dict[str, str], lang: str) -> str | None:
    return labels.get(lang) or labels.get("") or next(iter(labels.values()), None)


def compact(iri: str) -> str:
    """``ig:offeredBy`` for a known namespace, the IRI itself otherwise."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{prefix}:{iri[len(str(ns)) :]}"
    return iri


def _value(term: object, labels: dict[str, dict[str, str]], base: str) -> Value:
    if isinstance(term, URIRef):
        iri = str(term)
        names = labels.get(iri, {})
        text = " / ".join(dict.fromkeys(n for n in (pick(names, "sv"), pick(names, "en")) if n)) or compact(
            iri
        )
        return Value(text=text, href=local_href(iri, base), iri=iri)
    if isinstance(term, Literal):
        return Value(
            text=str(term),
            lang=term.language,
            datatype=compact(str(term.datatype)) if term.datatype else None,
        )
    return Value(text="[ … ]")


def page_model(store: Store, iri: str, graph: Graph) -> Page:
    """Everything the HTML template needs, with labels (sv and en) for the resource and what it links to."""
    subject = URIRef(iri)
    linked = {str(o) for o in graph.objects(subject, None) if isinstance(o, URIRef)}
    linked |= {str(p) for p in graph.predicates(subject, None)}
    linked |= {str(s) for s in graph.subjects(None, subject) if isinstance(s, URIRef)}
    linked |= {str(p) for p in graph.predicates(None, subject)}
    labels = labels_for(store, [iri, *linked])
    _labels_from_graph(graph, labels)
    own = labels.get(iri, {})
    rows: list[Row] = []
    for predicate in sorted(set(graph.predicates(subject, None)), key=lambda p: compact(str(p))):
        if predicate == RDF.type:
            continue
        objects = sorted(
            graph.objects(subject, predicate), key=lambda o: (getattr(o, "language", "") or "", str(o))
        )
        rows.append(
            _row(
                predicate,
                [_value(o, labels, store.base) for o in objects if not isinstance(o, BNode)]
                + [_bnode_value(graph, o) for o in objects if isinstance(o, BNode)],
                labels,
            )
        )
    kind = iri[len(store.base) :].split("/")[1] if iri.startswith(store.base + "id/") else ""
    shown = SHOWN_AS_OFFERINGS.get(kind, ())  # already listed in the page's offerings table
    incoming = []
    for s, p in sorted(graph.subject_predicates(subject), key=lambda sp: (compact(str(sp[1])), str(sp[0]))):
        if isinstance(s, URIRef) and p not in shown:
            incoming.append((_value(s, labels, store.base), _row(p, [], labels)))
    classes = (t for t in graph.objects(subject, RDF.type) if isinstance(t, Identifier))
    types = [_value(t, labels, store.base) for t in sorted(classes)]
    page = Page(
        iri=iri,
        labels=own,
        types=types,
        rows=rows,
        incoming=incoming,
        kind=kind,
    )
    if page.kind == "programme":
        page.offerings = offerings_of_programme(store, iri)
        page.assessments = assessments_of_programme(store, iri)
    elif page.kind == "organisation":
        page.offerings = offerings_of_organisation(store, iri)
    return page


def _labels_from_graph(graph: Graph, labels: dict[str, dict[str, str]]) -> None:
    """Labels the description itself carries (the DCAT resources are not in the store) fill the gaps."""
    for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name):
        for s, o in graph.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, Literal):
                labels.setdefault(str(s), {}).setdefault(o.language or "", str(o))


def _row(predicate: object, values: list[Value], labels: dict[str, dict[str, str]]) -> Row:
    names = labels.get(str(predicate), {})
    return Row(
        predicate=compact(str(predicate)),
        label_sv=names.get("sv") or compact(str(predicate)),
        label_en=names.get("en") or compact(str(predicate)),
        values=values,
    )


def _bnode_value(graph: Graph, node: BNode) -> Value:
    """A blank node (e.g. the person who sent a submission) as one line: ``foaf:name "Anna Andersson"; …``."""
    parts = [f"{compact(str(p))} {o}" for p, o in sorted(graph.predicate_objects(node)) if p != RDF.type]
    return Value(text="; ".join(parts) or "[ ]")


def _rows_to_values(
    store: Store, rows: list[dict[str, dict[str, str]]], keys: dict[str, str]
) -> list[dict[str, Value | None]]:
    out = []
    for row in rows:
        item: dict[str, Value | None] = {}
        for key, label_var in keys.items():
            if key not in row:
                item[key] = None
                continue
            text = row[label_var]["value"] if label_var in row else compact(row[key]["value"])
            item[key] = Value(
                text=text, href=local_href(row[key]["value"], store.base), iri=row[key]["value"]
            )
        out.append(item)
    return out


def offerings_of_programme(store: Store, iri: str) -> list[dict[str, Value | None]]:
    """Offerings that implement the programme or are variants of it, with their organisation."""
    rows = store.query(_bound("describe-programme-offerings", programme=iri)).rows
    return _rows_to_values(
        store, rows, {"offering": "name", "org": "orgName", "relation": "relationName", "status": "status"}
    )


def offerings_of_organisation(store: Store, iri: str) -> list[dict[str, Value | None]]:
    """The organisation's offerings, with the programme each implements or varies (if any)."""
    rows = store.query(_bound("describe-organisation-offerings", organisation=iri)).rows
    return _rows_to_values(
        store,
        rows,
        {"offering": "name", "programme": "programmeName", "relation": "relationName", "status": "status"},
    )


def assessments_of_programme(store: Store, iri: str) -> list[dict[str, Value | None]]:
    """The registries' ratings of the programme, strongest crosswalk level first, newest first."""
    rows = store.query(_bound("describe-programme-assessments", programme=iri)).rows
    values = _rows_to_values(
        store,
        rows,
        {
            "assessment": "date",
            "registry": "registryName",
            "rating": "ratingName",
            "level": "levelName",
            "url": "url",
            "direction": "directionName",
        },
    )
    for item in values:  # the link is shown as the registry's page, not as this service's
        if item["url"] is not None:
            item["url"].href = item["url"].iri
    return values
