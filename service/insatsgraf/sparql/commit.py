"""The embedded store's commit: each graph replaced by writing only what changed, the union kept without
looking at any history copy.

A resubmission mostly repeats the previous list, and a replaced graph's union copy is mostly the same too,
so ``plan`` compares each graph's old quads (read through pyoxigraph's API) with the new triples and writes
the difference: ``DELETE DATA`` of the triples that leave, ``INSERT DATA`` of the ones that arrive, in one
update request (one transaction: pyoxigraph has no other atomic delete). Only a triple that leaves a current
graph and is in none of the new ones may leave the union: it stays if another current graph, not replaced
here, holds it. That is asked by subject first (``sparql/rq/subject-graphs.rq``: which graphs hold anything
about the leaving subjects), and triple by triple only of the current graphs outside the commit found there
(``held-in.rq``), so the cost follows the change, not the store's size, and the history copies of the
triples that stay are never looked at (issue 16; bench/bench_commit.py, bench/README.md).

Blank nodes cannot be named in ``DELETE DATA``: a graph's old blank-node triples leave through a pattern on
that one graph (``sparql/rq/drop-blank.rq``, with the union copy ``unmerge-blank.rq``), and each graph's new
blank nodes get labels of their own, so no two graphs (nor a graph and an older write) share one. The
union copy of a new graph's triples is in the same ``INSERT DATA``, so its blank nodes are the same nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from insatsgraf.sparql import binding, updates
from insatsgraf.sparql.store import StoreError

Line = str
"""One triple as an N-Triples line without its final `` .``, in Oxigraph's own rendering (``str`` of its
terms, which ``Store.dump`` writes too), so a stored triple and a new one compare as strings."""


def _has_blank(line: Line) -> bool:
    """Whether a stored triple's subject or object is a blank node (an object's last token is ``_:id``;
    a literal's last token holds its closing quote)."""
    if "_:" not in line:  # the common case: no blank-node label anywhere in the line
        return False
    if line.startswith("_:"):
        return True
    last = line.rsplit(" ", 1)[-1]
    return last.startswith("_:") and '"' not in last


class _Terms:
    """rdflib terms rendered as Oxigraph renders them, each distinct term once; blank nodes labelled per
    graph, so no two graphs of a commit (nor an older write: its labels are the store's) share one."""

    def __init__(self) -> None:
        self.rendered: dict[object, str] = {}
        self.blanks: dict[tuple[int, BNode], str] = {}

    def render(self, term: object, graph: int) -> str:
        if isinstance(term, BNode):
            key = (graph, term)
            label = self.blanks.get(key)
            if label is None:
                label = self.blanks[key] = f"_:ig{graph}x{len(self.blanks)}"
            return label
        found = self.rendered.get(term)
        if found is None:
            found = self.rendered[term] = str(_ox(term))
        return found

    def lines(self, graph: Graph, index: int) -> set[Line]:
        render, rendered = self.render, self.rendered
        out: set[Line] = set()
        for s, p, o in graph:
            # the common case inline: IRIs and literals already rendered
            rs = rendered.get(s) or render(s, index)
            rp = rendered.get(p) or render(p, index)
            ro = rendered.get(o) or render(o, index)
            out.add(f"{rs} {rp} {ro}")
        return out


def _ox(term: object) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


@dataclass
class Plan:
    """What one commit writes: per graph the triples that leave and arrive, and the union's changes."""

    removed: dict[str, set[Line]] = field(default_factory=dict)
    added: dict[str, set[Line]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    """Graphs emptied: dropped whole rather than listed."""
    blank_out: list[tuple[str, bool]] = field(default_factory=list)
    """Graphs whose old blank-node triples leave, and whether their union copies leave with them."""
    union_removed: set[Line] = field(default_factory=set)
    union_added: set[Line] = field(default_factory=set)

    def update(self) -> str:
        """The plan as one SPARQL Update request (deletions first); empty when nothing changes."""
        parts: list[str] = []
        deletions = [
            _block(name, lines) for name, lines in self.removed.items() if lines and name not in self.dropped
        ]
        if self.union_removed:
            deletions.append(_body(self.union_removed))
        if deletions:
            parts.append("DELETE DATA {\n" + "\n".join(deletions) + "\n}")
        for name, with_union in self.blank_out:
            template = updates.read("unmerge-blank") if with_union else updates.read("drop-blank")
            parts.append(binding.bind(template, {"graph_iri": name}))
        parts.extend(updates.drop(name) for name in self.dropped)
        insertions = [_block(name, lines) for name, lines in self.added.items() if lines]
        if self.union_added:
            insertions.append(_body(self.union_added))
        if insertions:
            parts.append("INSERT DATA {\n" + "\n".join(insertions) + "\n}")
        return " ;\n".join(parts)


def _body(lines: Iterable[Line]) -> str:
    return "".join(f"{line} .\n" for line in lines)


def _block(name: str, lines: Iterable[Line]) -> str:
    return f"GRAPH {binding.iri_term(name)} {{\n{_body(lines)}}}"


def _stored(store: ox.Store, node: ox.NamedNode) -> set[Line]:
    """A graph's triples as Oxigraph writes them (one dump, no Python object per term)."""
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node)
    assert data is not None
    return {line[:-2] for line in data.decode("utf-8").splitlines() if line}


def plan(store: ox.Store, graphs: Mapping[str, Graph | None], union: updates.Union) -> Plan:
    """The difference between the store's graphs and ``graphs`` (``None`` or empty: dropped), with the
    union's: see the module doc."""
    terms = _Terms()
    out = Plan()
    current = {name for name in graphs if union.is_current(name)}
    leaving: set[Line] = set()
    arriving: set[Line] = set()
    before: list[Line] = []
    """The replaced current graphs' old triples: how much a subject-wise union check would read."""
    for index, (name, graph) in enumerate(graphs.items()):
        try:
            node = ox.NamedNode(name)
        except ValueError as exc:
            raise StoreError(f"not a graph IRI: {name!r}; nothing was changed") from exc
        old = _stored(store, node)
        new = terms.lines(graph, index) if graph is not None else set()
        old_blank = {line for line in old if _has_blank(line)}
        if old_blank:
            out.blank_out.append((name, name in current))
            old -= old_blank
        removed, added = old - new, new - old
        if not new and (old or old_blank):
            out.dropped.append(name)
        out.removed[name], out.added[name] = removed, added
        if name in current:
            before.extend(old)
            leaving |= removed
            arriving |= new
            out.union_added |= added
    leaving -= arriving
    out.union_removed = leaving - _held_elsewhere(store, leaving, current, union, before)
    return out


_EMPTY = {"s": "VALUES ?s { }", "triple": "VALUES (?s ?p ?o) { }"}


def _values(text: str, var: str, terms: Iterable[str]) -> str:
    """``text`` with its empty ``VALUES`` block of ``var`` filled with terms (or ``(s p o)`` rows) as Oxigraph
    rendered them: a stored triple's own terms, nothing from outside spliced in."""
    empty = _EMPTY[var]
    assert text.count(empty) == 1, f"no single {empty} to fill"
    return text.replace(empty, empty[:-2] + "\n" + "\n".join(terms) + "\n}", 1)


def _subject(line: Line) -> str:
    return line.split(" ", 1)[0]


def _held_elsewhere(
    store: ox.Store,
    leaving: set[Line],
    replaced: set[str],
    union: updates.Union,
    before: Iterable[Line] = (),
) -> set[Line]:
    """Which leaving triples a current graph not replaced in this commit holds (their union copy stays).

    Two steps, so that no graph name is spelt out per triple and copy (what made the one-query check cost
    0.7 s for a list rewritten throughout): which graphs hold any of the leaving triples, asked per subject
    (``subject-graphs.rq``, one index range each) when most of the subjects' triples in ``before`` leave
    anyway, else per triple (``triple-graphs.rq``); then, only if a current graph outside the commit is
    among them, which of its triples about those subjects it holds (``held-in.rq``), usually a handful
    (the organisation's own triples in the register). (Leaving triples have no blank node: those leave
    with their graph, see ``blank_out``.)"""
    if not leaving:
        return set()
    subjects = {_subject(line) for line in leaving}
    about = sum(1 for line in before if _subject(line) in subjects)
    if about <= 2 * len(leaving):
        text = _values(updates.read("subject-graphs"), "s", sorted(subjects))
    else:
        text = _values(updates.read("triple-graphs"), "triple", (f"({line})" for line in sorted(leaving)))
    found = store.query(text)
    assert isinstance(found, ox.QuerySolutions)
    others = sorted(
        row["g"].value
        for row in found
        if isinstance(row["g"], ox.NamedNode)
        and union.is_current(row["g"].value)
        and row["g"].value not in replaced
    )
    if not others:
        return set()
    held: set[Line] = set()
    for graph in others:
        text = _values(binding.bind(updates.read("held-in"), {"graph_iri": graph}), "s", sorted(subjects))
        solutions = store.query(text)
        assert isinstance(solutions, ox.QuerySolutions)
        held |= {f"{row['s']} {row['p']} {row['o']}" for row in solutions}
    return held & leaving
