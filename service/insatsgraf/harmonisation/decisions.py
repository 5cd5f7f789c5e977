"""Harmonisation decisions: who decided which programme a local name denotes, when and why (PROV-O).

A decision is an ``ig:Decision`` (a ``prov:Activity``) keyed by the *normalised* name (plus an optional
organisation scope), not by an offering IRI, so it survives a resubmission that recreates the offerings.

The files are the source of truth: the repository's bundled decisions (``data/ttl/decisions.ttl``, read,
never written by normal use) and the deployment's own file beside its store (``default_path``: the
settings' ``state_dir``, or ``$INSATSGRAF_DECISIONS``), so using a checkout never changes ``git status``. The
decisions graph holds both (``read_all``). Recording a decision reads the deployment's file, adds the decision, rebuilds the whole graph (decisions plus the ``skos:hiddenLabel`` each accepted
same-programme name gives its programme), writes the file (atomically: a synced temporary file, then a
rename) and then replaces the store's decisions graph. If the store write fails the file is put back. A
crash (kill -9) between the two writes leaves the file one decision ahead of the store, never behind:
``in_sync`` finds that and ``ensure_in_sync`` (run by ``insatsgraf serve`` at start-up) re-derives the graph
from the file (``sync_store``).

A decision takes effect at once: the mapping graphs (``mapping.py``) of every organisation holding a name
the decisions are about (within their scope) are derived again and written in the same ``replace_graphs``
call as the decisions graph.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, SKOS, XSD
from rdflib.term import Node

from insatsgraf import __version__
from insatsgraf.catalogue import rq
from insatsgraf.catalogue.lookups import ID_RE, known_organisation, known_programme
from insatsgraf.config import DEFAULT_BASE, Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation import mapping
from insatsgraf.harmonisation.matcher import (
    VARIANT_KINDS,
    Catalogue,
    Proposal,
    Rule,
    fold,
    match,
    offerings,
    org_parents,
    resolve,
)
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph
from insatsgraf.sparql.store import Store, StoreError

OUTCOMES = ("accepted", "rejected", "mapped")

FIELD_LIMITS: dict[str, tuple[int, str]] = {
    "name": (200, "a local name of an offering: the longest in the bundled data is under 80 characters"),
    "by": (200, "a person's name, or a team's"),
    "reason": (2000, "a few sentences and a reference; longer notes belong in a linked document"),
}
"""The most characters of each free-text field of a decision, and why: the CLI and the API (400/422) refuse
more, so one request cannot write a megabyte into the decisions file, the graph and every proposal list."""

HEADER = (
    "# Harmonisation decisions: which canonical programme a local name denotes, who decided, when and why.\n"
    "# Written by `insatsgraf harmonise accept|reject|map` (and POST /harmonise/decisions); the file is the\n"
    "# source of truth for the graph {base}graph/decisions. Accepted same-programme names appear as\n"
    "# skos:hiddenLabel of their programme so future matching knows them.\n"
)


@dataclass(frozen=True)
class Decision:
    """One decision on one (name, programme) pair."""

    name: str
    outcome: str
    programme: str | None
    by: str
    relation: str = "same"
    reason: str = ""
    org: str | None = None
    on_behalf_of: str | None = None
    """The organisation of the token used over HTTP, if any."""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def key(self) -> str:
        return fold(self.name)

    def rule(self) -> Rule:
        return Rule(self.key, self.outcome, self.programme, self.relation, self.org, self.at, self.uid)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.uid,
            "name": self.name,
            "outcome": self.outcome,
            "programme": self.programme,
            "relation": self.relation,
            "org": self.org,
            "by": self.by,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "on_behalf_of": self.on_behalf_of,
        }


# -- RDF -----------------------------------------------------------------------------------------


def _outcome_iri(outcome: str, base: str) -> URIRef:
    return URIRef(iris.concept("decision-outcome", outcome, base))


def _kind_iri(kind: str, base: str) -> URIRef:
    return URIRef(iris.concept("variant-kind", kind, base))


def to_graph(decisions: Iterable[Decision], base: str) -> Graph:
    """The decisions graph: a self-description, one ``ig:Decision`` each, and the derived hidden labels."""
    decisions = list(decisions)
    graph = new_graph(base)
    doc = URIRef(iris.graph("decisions", base))
    graph.add((doc, RDF.type, PROV.Bundle))
    graph.add((doc, DCTERMS.title, Literal("Harmoniseringsbeslut", lang="sv")))
    graph.add((doc, DCTERMS.title, Literal("Harmonisation decisions", lang="en")))
    graph.add(
        (
            doc,
            DCTERMS.description,
            Literal(
                "Which canonical programme each local name denotes, decided by a person (PROV-O). "
                "Written by `insatsgraf harmonise accept|reject|map`.",
                lang="en",
            ),
        )
    )
    graph.add((doc, DCTERMS.conformsTo, URIRef("https://w3id.org/insatsgraf/def")))
    graph.add((doc, OWL.versionInfo, Literal(__version__)))
    for d in decisions:
        node = URIRef(iris.decision(d.uid, base))
        graph.add((node, RDF.type, IG.Decision))
        graph.add((node, RDF.type, PROV.Activity))
        graph.add((node, IG.decidedName, Literal(d.name)))
        graph.add((node, IG.decisionOutcome, _outcome_iri(d.outcome, base)))
        graph.add((node, IG.decisionRelation, _kind_iri(d.relation, base)))
        if d.programme:
            graph.add((node, IG.decidedProgramme, URIRef(iris.programme(d.programme, base))))
        if d.org:
            graph.add((node, IG.decisionScope, URIRef(iris.organisation(d.org, base))))
        if d.reason:
            graph.add((node, IG.reason, Literal(d.reason)))
        graph.add((node, PROV.endedAtTime, Literal(d.at.isoformat(), datatype=XSD.dateTime)))
        agent = URIRef(
            f"{node}#agent"
        )  # an IRI: its name is kept in the personal graph (iris.personal_graph)
        graph.add((node, PROV.wasAssociatedWith, agent))
        graph.add((agent, RDF.type, PROV.Agent))
        graph.add((agent, FOAF.name, Literal(d.by)))
        if d.on_behalf_of:
            graph.add((agent, PROV.actedOnBehalfOf, URIRef(iris.organisation(d.on_behalf_of, base))))
    for name, programme in hidden_labels(decisions):
        graph.add((URIRef(iris.programme(programme, base)), SKOS.hiddenLabel, Literal(name)))
    return graph


def hidden_labels(decisions: Iterable[Decision]) -> list[tuple[str, str]]:
    """(name, programme) for every name whose latest global decision says "the same programme"."""
    latest: dict[tuple[str, str], Decision] = {}
    for d in sorted(decisions, key=lambda d: d.at):
        if d.org is None and d.programme:
            latest[(d.key, d.programme)] = d
    return sorted(
        (d.name, d.programme or "")
        for d in latest.values()
        if d.outcome in ("accepted", "mapped") and d.relation == "same"
    )


def _notation(iri: str, prefix: str) -> str:
    return iri[len(prefix) :] if iri.startswith(prefix) else iri.rsplit("/", 1)[-1]


def from_graph(graph: Graph, base: str) -> list[Decision]:
    """The decisions in a graph (the file or the store's decisions graph), oldest first."""
    out: list[Decision] = []
    for node in graph.subjects(RDF.type, IG.Decision):

        def one(p: URIRef, node: Node = node) -> str | None:
            value = graph.value(node, p)
            return str(value) if value is not None else None

        agent = graph.value(node, PROV.wasAssociatedWith)
        behalf = graph.value(agent, PROV.actedOnBehalfOf) if agent is not None else None
        programme = one(IG.decidedProgramme)
        scope = one(IG.decisionScope)
        ended = graph.value(node, PROV.endedAtTime)
        at = datetime.fromisoformat(str(ended)) if ended is not None else datetime.min
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        out.append(
            Decision(
                name=one(IG.decidedName) or "",
                outcome=_notation(one(IG.decisionOutcome) or "", iris.concept("decision-outcome", "", base)),
                programme=_notation(programme, iris.programme("", base)) if programme else None,
                by=str(graph.value(agent, FOAF.name) or "") if agent is not None else "",
                relation=_notation(
                    one(IG.decisionRelation) or "same", iris.concept("variant-kind", "", base)
                ),
                reason=one(IG.reason) or "",
                org=iris.org_id(scope, base) if scope else None,
                on_behalf_of=iris.org_id(str(behalf), base) if behalf is not None else None,
                at=at,
                uid=str(node).rsplit("/", 1)[-1],
            )
        )
    return sorted(out, key=lambda d: (d.at, d.uid))


def bundled_path(settings: Settings) -> Path:
    """The repository's bundled decisions (``data/ttl/decisions.ttl``): read by every deployment, written
    only when a curator points ``--decisions`` at it on purpose."""
    return settings.data_dir / "decisions.ttl"


def default_path(settings: Settings) -> Path:
    """The deployment's own decisions file: ``$INSATSGRAF_DECISIONS`` if set, else ``decisions.ttl`` beside
    its store (``Settings.state_dir``, like the token file), so normal use never writes into the checkout."""
    env = os.environ.get("INSATSGRAF_DECISIONS")
    return Path(env) if env else settings.state_dir / "decisions.ttl"


def _bundled(settings: Settings, path: Path, base: str) -> list[Decision]:
    """The bundled decisions that hold beside ``path``'s (none when ``path`` is the bundled file itself)."""
    bundled = bundled_path(settings)
    if path.resolve() == bundled.resolve():
        return []
    return read_file(bundled, base)


def read_all(settings: Settings, base: str, path: Path | None = None) -> list[Decision]:
    """Every decision the decisions graph holds: the bundled ones, then the deployment's (``path``)."""
    path = path or default_path(settings)
    return _bundled(settings, path, base) + read_file(path, base)


def read_file(path: Path, base: str) -> list[Decision]:
    """The decisions in a file (none if it does not exist yet)."""
    if not path.exists():
        return []
    graph = Graph()
    try:
        graph.parse(data=iris.rebase(path.read_text(encoding="utf-8"), base), format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:
        raise UserError(
            f"the decisions file cannot be read: {exc}. Fix it or restore it from git.",
            f"beslutsfilen går inte att läsa: {exc}. Rätta den eller återställ den från git.",
            file=str(path),
            code="bad-decisions-file",
        ) from exc
    return from_graph(graph, base)


def serialise(decisions: Iterable[Decision]) -> str:
    """The file text: always with the default base, like every Turtle file in the repository."""
    body = to_graph(decisions, DEFAULT_BASE).serialize(format="turtle")
    return HEADER + body


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader (or a crash) sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# -- recording -----------------------------------------------------------------------------------


def check(store: Store, decision: Decision) -> None:
    """Reject a decision that names an unknown programme, organisation, outcome or relation, or whose
    free-text fields pass ``FIELD_LIMITS``."""
    for name, (most, _why) in FIELD_LIMITS.items():
        length = len(getattr(decision, name))
        if length > most:
            raise UserError(
                f"the decision's '{name}' is {length} characters long; the most is {most}.",
                f"beslutets '{name}' är {length} tecken långt; högst {most} tecken får plats.",
                code="field-too-long",
            )
    if not decision.name.strip():
        raise UserError(
            "the decision needs the local name it is about.",
            "beslutet behöver det lokala namn det gäller.",
            code="bad-decision",
        )
    if not decision.by.strip():
        raise UserError(
            "say who decides (--by NAME): decisions record who made them.",
            "ange vem som beslutar (--by NAMN): besluten sparar vem som fattade dem.",
            code="bad-decision",
        )
    if decision.outcome not in OUTCOMES:
        raise UserError(
            f"unknown outcome '{decision.outcome}': use one of {', '.join(OUTCOMES)}.",
            f"okänt utfall '{decision.outcome}': använd något av {', '.join(OUTCOMES)}.",
            code="bad-decision",
        )
    if decision.relation not in VARIANT_KINDS:
        raise UserError(
            f"unknown relation '{decision.relation}': use one of {', '.join(VARIANT_KINDS)}.",
            f"okänd relation '{decision.relation}': använd någon av {', '.join(VARIANT_KINDS)}.",
            code="bad-decision",
        )
    if decision.programme is None and decision.outcome != "mapped":
        raise UserError(
            "accept and reject need a programme id.",
            "godkänn och avvisa kräver ett program-id.",
            code="bad-decision",
        )
    if decision.programme and not ID_RE.match(decision.programme):
        raise UserError(
            f"'{decision.programme}' is not a programme id (lowercase letters, digits, dashes; e.g. komet).",
            f"'{decision.programme}' är inte ett program-id (små bokstäver, siffror, bindestreck).",
            code="unknown-programme",
        )
    if decision.programme and not known_programme(store, decision.programme):
        raise UserError(
            f"unknown programme '{decision.programme}': use an id from the catalogue "
            "(programmes.csv, e.g. komet, cos, mst).",
            f"okänt program '{decision.programme}': använd ett id ur katalogen "
            "(programmes.csv, t.ex. komet, cos, mst).",
            code="unknown-programme",
        )
    if decision.org and not known_organisation(store, decision.org):
        raise UserError(
            f"unknown organisation '{decision.org}': use an id from organisations.csv.",
            f"okänd organisation '{decision.org}': använd ett id från organisations.csv.",
            code="unknown-org",
        )


def catalogue_after(store: Store, decisions: list[Decision]) -> Catalogue:
    """The matcher's catalogue as it will be once the decisions graph holds exactly ``decisions``.

    The store's labels, minus the hidden labels the current decisions graph gives and the new one does not,
    plus the new ones; the rules are the new decisions'.
    """
    rows = store.query(rq.read("harmonise-catalogue-labels")).table()
    old = set(hidden_labels(from_graph(store.graph(iris.graph("decisions", store.base)), store.base)))
    new = set(hidden_labels(decisions))
    gone = old - new
    rows = [r for r in rows if not (r["kind"] == "hidden" and (r["label"], r["id"]) in gone)]
    for label, programme in sorted(new - old):
        rows.append(
            {
                "entry": iris.programme(programme, store.base),
                "id": programme,
                "label": label,
                "kind": "hidden",
            }
        )
    return Catalogue.from_rows(rows, [d.rule() for d in decisions], org_parents(store))


def _graphs_after(store: Store, decisions: list[Decision], orgs: set[str] | None) -> dict[str, Graph | None]:
    """The decisions graph and the mapping graphs of ``orgs`` (``None``: all) once ``decisions`` hold."""
    graphs: dict[str, Graph | None] = {}
    if orgs is None or orgs:
        graphs.update(mapping.derive(store, catalogue_after(store, decisions), orgs))
    graphs[iris.graph("decisions", store.base)] = to_graph(decisions, store.base)
    return graphs


def record_decisions(
    store: Store, settings: Settings, decisions: list[Decision], path: Path | None = None
) -> list[Decision]:
    """Add decisions to the file and the store's decisions graph, both or neither.

    In the same transaction as the decisions graph, the mapping graphs of every organisation that holds a
    decided name (the decision's ``org`` narrows it to that organisation) are derived again.
    """
    for decision in decisions:
        check(store, decision)
    path = path or default_path(settings)
    own = read_file(path, store.base)
    before = _bundled(settings, path, store.base) + own
    everything = before + decisions
    # a decision that replaces a global hidden label changes other names' matches too: then derive all
    labels_change = set(hidden_labels(everything)) != set(hidden_labels(before))
    orgs = None if labels_change else mapping.affected_orgs(store, [(d.key, d.org) for d in decisions])
    graphs = _graphs_after(store, everything, orgs)
    old_text = path.read_text(encoding="utf-8") if path.exists() else None
    # the file first, then the store: a crash in between leaves the file ahead, and ensure_in_sync
    # (at start-up) derives the graph from it again
    try:
        _write_atomically(path, serialise(own + decisions))
    except OSError as exc:
        raise UserError(
            f"the decisions file cannot be written: {exc}. Nothing was recorded.",
            f"beslutsfilen går inte att skriva: {exc}. Inget sparades.",
            file=str(path),
            code="decisions-not-written",
        ) from exc
    try:
        store.replace_graphs(graphs)
    except StoreError:
        try:
            if old_text is None:
                path.unlink()
            else:
                _write_atomically(path, old_text)
        except OSError:  # pragma: no cover - the file stays ahead; ensure_in_sync repairs the store
            pass
        raise
    return decisions


def record_decision(
    store: Store, settings: Settings, decision: Decision, path: Path | None = None
) -> Decision:
    """Record one decision (see ``record_decisions``)."""
    return record_decisions(store, settings, [decision], path)[0]


def sync_store(store: Store, settings: Settings, path: Path | None = None) -> int:
    """Replace the store's decisions graph from the files (``read_all``); returns the number of decisions."""
    decisions = read_all(settings, store.base, path)
    store.replace_graphs(_graphs_after(store, decisions, None))
    return len(decisions)


def _signature(decisions: Iterable[Decision]) -> list[dict[str, object]]:
    return sorted((d.to_json() for d in decisions), key=lambda j: str(j["id"]))


def in_sync(store: Store, settings: Settings, path: Path | None = None) -> bool:
    """Does the store's decisions graph hold exactly the files' decisions (``read_all``)?"""
    in_file = read_all(settings, store.base, path)
    in_store = from_graph(store.graph(iris.graph("decisions", store.base)), store.base)
    return _signature(in_file) == _signature(in_store)


def ensure_in_sync(store: Store, settings: Settings, path: Path | None = None) -> int | None:
    """Re-derive the decisions graph (and the mapping graphs) from the file when the two differ, e.g. after
    a crash between the file and the store write; returns the number of decisions synced, ``None`` if they
    agreed already."""
    if in_sync(store, settings, path):
        return None
    return sync_store(store, settings, path)


# -- what a person accepts -----------------------------------------------------------------------


def proposed(store: Store, name: str, org: str | None = None) -> list[Proposal]:
    """What ``propose`` shows for ``name`` now (statements weighed, decisions applied, rejected left out),
    over every organisation holding the name (or ``org``'s); the bare matcher's reading if nobody does."""
    catalogue = Catalogue.from_store(store)
    key = fold(name)
    items = [i for i in offerings(store) if fold(i.name) == key and (org is None or i.org == org)]
    found = [
        p
        for i in items
        for p in resolve(i.name, catalogue, i.org, None, i.stated)
        if p.programme and p.status != "rejected"
    ]
    return found if items else [p for p in match(name, catalogue, org or "") if p.programme]


def accepted_relation(found: list[Proposal], programme: str) -> str:
    """The relation accepting ``programme`` records: the proposed one; a variant wherever anyone proposes
    one (accepting never turns a variant into the same programme: ``map --relation same`` does)."""
    variants = [
        p.variant_kind or "own-variant" for p in found if p.programme == programme and p.relation != "same"
    ]
    return variants[0] if variants else "same"
