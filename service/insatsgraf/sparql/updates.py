"""SPARQL Update texts that replace named graphs and keep the union of current graphs equal to them.

Both stores keep the union of every non-history graph where queries read it: the embedded store in its default
graph, a remote store in the named graph ``{base}graph/union`` (docs/design.md, "Union graph"). One builder
writes the updates for both; only where the union lives differs (``Union.graph``), so the two stores cannot
drift apart. The templates are ``sparql/rq/*.rq``, bound through ``sparql.binding``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, PROV, RDF

from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql import binding
from insatsgraf.sparql.store import StoreError

RQ_DIR = Path(__file__).parent / "rq"
_HEAD = "{ ?s ?p ?o }"
"""The template of every union update: its first ``{ ?s ?p ?o }`` (after DELETE or INSERT)."""


def split_personal(graphs: Mapping[str, Graph | None], base: str) -> dict[str, Graph | None]:
    """``graphs`` with the people's names (``foaf:name`` of an IRI-named ``prov:Agent``) of the provenance
    and decisions graphs moved into their personal graphs (``iris.personal_graph``): each store writes
    through this, so the names are in no union and the endpoint can leave them out. A dropped graph drops
    its personal graph too. Blank-node agents keep their names (no other graph could name them)."""
    out: dict[str, Graph | None] = {}
    for name, graph in graphs.items():
        companion = iris.personal_graph(str(name), base)
        if companion is None or companion in graphs:
            out[name] = graph
            continue
        if graph is None:
            out[name], out[companion] = None, None
            continue
        personal = Graph()
        for agent in set(graph.subjects(RDF.type, PROV.Agent)):
            if isinstance(agent, URIRef):
                for value in graph.objects(agent, FOAF.name):
                    personal.add((agent, FOAF.name, value))
        if not personal:
            out[name], out[companion] = graph, None
            continue
        public = Graph()
        for triple in graph:
            if triple not in personal:
                public.add(triple)
        out[name], out[companion] = public, personal
    return out


def read(name: str) -> str:
    """The text of ``sparql/rq/{name}.rq``: the stores' own queries and update templates."""
    return binding.read(RQ_DIR, name)


def ntriples(graph: Graph) -> str:
    """A graph as N-Triples, the body of ``INSERT DATA`` and of Graph Store PUTs."""
    return graph.serialize(format="nt")


@dataclass(frozen=True)
class Union:
    """Where a store keeps the union of its current graphs, and the updates that maintain it."""

    base: str
    graph: str | None = None
    """``None``: the default graph (embedded store); else the named union graph (remote stores)."""
    staging: str | None = None
    """The prefix of staging graphs (remote stores): ``replace`` stages a current graph's new content there
    first, so the union delete looks up only the triples that leave (``unmerge-kept.rq``)."""

    @property
    def history(self) -> str:
        return f"{self.base}id/submission/"

    @property
    def scope(self) -> str:
        """The graphs that are the store's own: all of the embedded store's; those under the base on a remote
        server, which may hold other data (Virtuoso's system graphs)."""
        return self.base if self.graph else ""

    def is_current(self, name: str) -> bool:
        """Whether a graph's triples belong in the union: the store's own, not history, not the union."""
        name = str(name)
        return (
            name.startswith(self.scope)
            and not iris.is_history_graph(name, self.base)
            and not iris.is_personal_graph(name, self.base)
            and name != iris.union_graph(self.base)
        )

    def _bound(self, template: str, **params: str) -> str:
        text = read(template)
        given = {
            "union_iri": iris.union_graph(self.base),
            "base_string": self.scope,
            "history_string": self.history,
            "personal_string": iris.graph("personal/", self.base),
            **params,
        }
        wanted = {var.lstrip("_") for var in binding.param_vars(text)}
        text = binding.bind(text, {k: v for k, v in given.items() if k in wanted})
        if self.graph is None:
            return text
        # The templates write to the default graph; a remote store's union is a named graph. (Not WITH <g>:
        # Virtuoso 7.2 then hides the GRAPH patterns of the WHERE clause.)
        head = f"{{ GRAPH {binding.iri_term(self.graph)} {{ ?s ?p ?o }} }}"
        return text.replace(_HEAD, head, 1)

    def unmerge(self, name: str, kept: str | None = None) -> str:
        """Take ``name``'s triples out of the union unless another current graph has them; with ``kept``
        (a staging graph holding the new content), only those not in ``kept`` are looked up and leave."""
        if kept is None:
            return self._bound("unmerge", graph_iri=name)
        return self._bound("unmerge-kept", graph_iri=name, kept_iri=kept)

    def merge(self, name: str) -> str:
        """Copy ``name``'s triples into the union."""
        return self._bound("merge", graph_iri=name)

    def merge_all(self) -> str:
        """Build the union from every current graph."""
        return self._bound("merge-all")

    def insert_data(self, name: str, graph: Graph) -> str:
        """``INSERT DATA`` of one graph and, for a current graph, its union copy in the same operation, so
        blank nodes are the same nodes in both."""
        triples = ntriples(graph)
        copy = ""
        if self.is_current(name):
            copy = (
                f"\n{triples}\n"
                if self.graph is None
                else f" GRAPH {binding.iri_term(self.graph)} {{\n{triples}\n}}"
            )
        return f"INSERT DATA {{ GRAPH {binding.iri_term(name)} {{\n{triples}\n}}{copy} }}"

    def replace(self, graphs: Mapping[str, Graph | None]) -> str:
        """One update request replacing each graph by the given triples (``None`` or empty drops it), the union
        kept equal: atomic on stores that run a request as one transaction (Oxigraph, embedded or server)."""
        parts: list[str] = []
        for name, graph in graphs.items():
            if graph is not None and len(graph) and self.staging and self.is_current(name):
                # staged in the same request, so the union delete can leave the kept triples alone
                stage = f"{self.staging}{uuid.uuid4()}"
                parts.append(self.insert_data(stage, graph))
                parts.extend(self.replace_one(name, stage))
                continue
            parts.extend(self.replace_one(name, None))
            if graph is not None and len(graph):
                parts.append(self.insert_data(name, graph))
        return " ;\n".join(parts)

    def replace_one(self, name: str, moved_from: str | None) -> list[str]:
        """The operations that empty ``name`` (out of the union first) and, with ``moved_from``, move a staged
        graph into it and merge it into the union."""
        try:
            return self._replace_one(name, moved_from)
        except (UserError, ValueError) as exc:
            raise StoreError(f"not a graph IRI: {name!r}; nothing was changed") from exc

    def _replace_one(self, name: str, moved_from: str | None) -> list[str]:
        ops = [self.unmerge(name, moved_from)] if self.is_current(name) else []
        ops.append(drop(name))
        if moved_from is not None:
            ops.append(f"MOVE SILENT GRAPH {binding.iri_term(moved_from)} TO GRAPH {binding.iri_term(name)}")
            if self.is_current(name):
                ops.append(self.merge(name))
        return ops


def drop(name: str) -> str:
    return f"DROP SILENT GRAPH {binding.iri_term(name)}"


def drop_all(names: Iterable[str]) -> str:
    return " ;\n".join(drop(n) for n in names)
