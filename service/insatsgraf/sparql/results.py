"""A backend-neutral query result: SPARQL 1.1 Query Results JSON terms, so embedded and remote stores agree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # rdflib only when a graph is made: `insatsgraf --help` stays fast
    from rdflib import Graph

Term = dict[str, str]
"""A SPARQL-JSON term: ``{"type": "uri"|"literal"|"bnode", "value": …, "xml:lang"?: …, "datatype"?: …}``."""


@dataclass
class QueryResult:
    kind: Literal["select", "ask", "graph"]
    vars: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    @classmethod
    def from_sparql_json(cls, doc: dict[str, Any]) -> QueryResult:
        if "boolean" in doc:
            return cls(kind="ask", boolean=bool(doc["boolean"]))
        rows = [_normalise_row(row) for row in doc["results"]["bindings"]]
        return cls(kind="select", vars=list(doc["head"].get("vars", [])), rows=rows)

    def to_sparql_json(self) -> dict[str, Any]:
        if self.kind == "ask":
            return {"head": {}, "boolean": bool(self.boolean)}
        return {"head": {"vars": self.vars}, "results": {"bindings": self.rows}}

    def values(self, var: str) -> list[str | None]:
        """The plain values of one column, ``None`` where unbound (handy in tests and the CLI)."""
        return [row[var]["value"] if var in row else None for row in self.rows]

    def table(self) -> list[dict[str, str]]:
        """Rows as plain ``{var: value}`` dicts, unbound variables left out."""
        return [{k: v["value"] for k, v in row.items()} for row in self.rows]

    def dumps(self) -> str:
        return json.dumps(self.to_sparql_json(), ensure_ascii=False)


def _normalise_row(row: dict[str, Term]) -> dict[str, Term]:
    """Virtuoso says ``typed-literal``; SPARQL 1.1 says ``literal`` with a datatype. Use the latter."""
    out: dict[str, Term] = {}
    for var, term in row.items():
        term = dict(term)
        if term.get("type") == "typed-literal":
            term["type"] = "literal"
        if term.get("datatype") == "http://www.w3.org/2001/XMLSchema#string":
            del term["datatype"]
        if term.get("datatype") == "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString":
            del term["datatype"]
        out[var] = term
    return out
