"""What an untrusted query may do, decided on its parse, never on a text scan (issue 12).

``check_query`` runs before Oxigraph sees a query from the endpoint: rdflib's SPARQL parser reads it, and a
``SERVICE`` anywhere in the parsed query refuses it (pyoxigraph would otherwise call the URL). Two parsers
can read one text differently, so whenever rdflib's reading could differ from Oxigraph's the query is
refused rather than guessed at:

* rdflib cannot parse it (a syntax error, or an extension such as ``LATERAL`` or SPARQL-star) and the word
  ``service`` occurs anywhere in the text → refused; without that word Oxigraph cannot see a ``SERVICE``
  (keywords have no escapes), so Oxigraph decides and gives its own syntax message;
* the text has ``\\u`` escapes and the word ``service``: rdflib expands such escapes everywhere before
  parsing, Oxigraph only inside strings and IRIs, so their two readings may differ → refused.

Updates are told from queries the same way (rdflib's update grammar), and so is whether the query names its
own dataset (``FROM`` / ``FROM NAMED``). Oxigraph's ``query`` never runs an update, so that one is not a
security decision: it chooses between 403 and 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from insatsgraf.sparql.store import PersonalDataHidden, QueryIsUpdate, ServiceNotAllowed

_SERVICE_WORD = re.compile(r"service", re.IGNORECASE)
_GRAPH_WORD = re.compile(r"graph", re.IGNORECASE)
_UNICODE_ESCAPE = re.compile(r"\\[uU]")


@dataclass(frozen=True)
class Checked:
    """A query the endpoint may evaluate, and what its parse says about its dataset."""

    names_dataset: bool | None
    """``FROM`` / ``FROM NAMED`` in the query; ``None`` when rdflib could not parse it (Oxigraph decides)."""
    dataset_iris: tuple[str, ...] = ()
    """The IRIs of the ``FROM`` / ``FROM NAMED`` clauses (prefixes expanded, local-name escapes undone)."""
    reads_named_graphs: bool = True
    """A ``GRAPH`` pattern anywhere (subqueries and ``EXISTS`` too), or cannot tell: only such a query can
    reach a named graph of the dataset, so only it needs the personal graphs taken out of that dataset
    (``OxigraphStore``: listing 1 300 graphs made every query about 3× slower)."""


def _has_pattern(node: Any, pattern: str) -> bool:
    """Is there a ``pattern`` (``ServiceGraphPattern``, ``GraphGraphPattern``) anywhere in rdflib's parse tree?"""
    stack = [node]
    while stack:
        item = stack.pop()
        if getattr(item, "name", None) == pattern:
            return True
        if type(item).__name__ == "ParseResults":  # registered as a Mapping, but its items are a list
            stack.extend(list(item))
            stack.extend(item.values())
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _parse(sparql: str, grammar: str) -> Any | None:
    from rdflib.plugins.sparql import parser

    try:
        return parser.parseQuery(sparql) if grammar == "query" else parser.parseUpdate(sparql)
    except (Exception, RecursionError):  # noqa: BLE001 - any failure of rdflib's parser means "not read"
        return None


@lru_cache(maxsize=256)
def check_query(sparql: str) -> Checked:
    """Refuse ``SERVICE`` (``ServiceNotAllowed``) and updates (``QueryIsUpdate``); see the module text.

    Kept per text (the answer depends on nothing else): rdflib's parser takes 20–100 ms a query, more than
    Oxigraph takes to answer most catalogue queries, and a worker asked the same text again (a catalogue
    query, a dashboard) skips it. A refusal raises and is not kept."""
    mentions_service = _SERVICE_WORD.search(sparql) is not None
    escapes = _UNICODE_ESCAPE.search(sparql) is not None
    if mentions_service and escapes:
        raise ServiceNotAllowed("the query spells 'service' and has \\u escapes: it cannot be checked safely")
    parsed = _parse(sparql, "query")
    if parsed is None:
        if _parse(sparql, "update") is not None:
            raise QueryIsUpdate()
        if mentions_service:
            raise ServiceNotAllowed("the query mentions 'service' and could not be parsed to check it")
        return Checked(names_dataset=None)
    if _has_pattern(parsed, "ServiceGraphPattern"):
        raise ServiceNotAllowed("the query has a SERVICE pattern")
    body = parsed[1] if len(parsed) > 1 else None
    clauses = dict.get(body, "datasetClause") if isinstance(body, dict) else None
    # (with \u escapes rdflib's reading may hide a GRAPH Oxigraph sees, as for SERVICE above)
    graphs = (escapes and _GRAPH_WORD.search(sparql) is not None) or _has_pattern(parsed, "GraphGraphPattern")
    return Checked(
        names_dataset=bool(clauses),
        dataset_iris=_dataset_iris(parsed) if clauses else (),
        reads_named_graphs=graphs,
    )


def check_bound(sparql: str, template: str | None) -> Checked:
    """``check_query`` of the ``template`` ``sparql`` was bound from, when there is one and rdflib reads it;
    else of ``sparql`` itself.

    ``sparql.binding`` writes each value as one RDF term (an IRI without any character that could end it, an
    escaped string literal, a number or date it wrote itself) where the template has a variable, so the
    bound text has the template's ``SERVICE``, ``FROM`` and ``GRAPH`` clauses and no others, in rdflib's
    reading as in Oxigraph's. One parse of a catalogue query then serves every value it is asked with:
    rdflib takes 10–280 ms for one (issue 16), more than Oxigraph takes to answer most of them."""
    if template is not None:
        checked = check_query(template)
        if checked.names_dataset is not None:
            return checked
    return check_query(sparql)


_FROM_WORD = re.compile(r"from", re.IGNORECASE)


def refuse_personal(sparql: str, checked: Checked, protocol_iris: list[str]) -> None:
    """``PersonalDataHidden`` when the query's dataset may name a personal graph: a ``FROM`` or protocol
    graph IRI with "personal" in it (``iris.personal_graph``: ``{base}graph/personal/…``; conservative: any
    such IRI), or a text rdflib cannot parse that has the word ``from``."""
    if checked.names_dataset is None and _FROM_WORD.search(sparql):
        raise PersonalDataHidden(
            "the query could not be parsed to check its FROM clauses for personal graphs"
        )
    for iri in [*protocol_iris, *checked.dataset_iris]:
        if not iri or "personal" in iri.lower():
            raise PersonalDataHidden(f"<{iri}> may be a personal graph (people's names), not published here")


_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


def _dataset_iris(parsed: Any) -> tuple[str, ...]:
    """The ``FROM`` / ``FROM NAMED`` IRIs as Oxigraph reads them: rdflib expands the prefixes but keeps a
    prefixed name's ``\\/``-style escapes, which Oxigraph undoes."""
    from rdflib.plugins.sparql.algebra import translateQuery

    try:
        clauses = translateQuery(parsed).algebra.get("datasetClause") or []
    except Exception:  # noqa: BLE001 - rdflib raises many kinds; unknown means "cannot tell": a sentinel
        return ("",)
    iris = [str(c["default"] if "default" in c else c["named"] if "named" in c else "") for c in clauses]
    return tuple(_LOCAL_ESCAPE.sub(r"\1", i) for i in iris)
