"""Curated collections with history: the tables that are not one organisation's list of interventions.

Registering organisations, a catalogue edition, a statistics table, evidence assessments: each is imported
as a *collection* (a kind and a key, e.g. ``statistics/oppna-jamforelser-2018``) and kept the way an
organisation's list is (``lists.py``), in ONE ``store.replace_graphs`` call:

- the current graph ``{base}graph/{kind}/{key}`` (in the union, so every query sees it);
- a verbatim copy per import, ``{base}id/submission/{kind}/{key}/{date}[-n]`` (a history graph: out of the
  union, read by history queries and ``diff``);
- the PROV-O record in ``{base}graph/provenance/{kind}/{key}``: an ``ig:Submission`` per import (file,
  checksum, date, who), ``prov:wasRevisionOf`` the previous one, and ``ig:currentSubmission`` from the
  collection. Who imported it is personal data and goes to the provenance graph's personal graph, like a
  submitter's name (``sparql.updates.split_personal``).

A re-import under the same key replaces the collection; another key adds one. Any failure before the write
leaves the store as it was; the write is atomic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph
from insatsgraf.sparql.store import Store

KINDS = {
    "organisations": ("organisationer", "organisations"),
    "catalogue": ("katalogutgåva", "catalogue edition"),
    "statistics": ("statistik", "statistics"),
    "evidence": ("evidensbedömningar", "evidence assessments"),
}
"""The kinds of collection, with the Swedish and English words their records are labelled with."""

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class Collection:
    """One curated collection: ``kind`` (a key of ``KINDS``) and ``key`` (a slug, ``iris.slug`` of a name)."""

    kind: str
    key: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of collection: {self.kind!r}")
        if not KEY_RE.match(self.key):
            raise UserError(
                f'"{self.key[:40]}" cannot name a {KINDS[self.kind][1]} collection: use letters a-z, digits and '
                "hyphens (at most 80)",
                f'"{self.key[:40]}" kan inte namnge en samling {KINDS[self.kind][0]}: använd bokstäverna a-z, '
                "siffror och bindestreck (högst 80)",
                code="bad-collection-key",
            )

    @classmethod
    def named(cls, kind: str, name: str) -> Collection:
        """The collection for a human name ("Öppna jämförelser 2018" → ``oppna-jamforelser-2018``)."""
        return cls(kind, iris.slug(name)[:80].strip("-") or "x")

    def graph(self, base: str) -> str:
        """The current graph, which is also the IRI the records hang on."""
        return iris.graph(f"{self.kind}/{self.key}", base)

    def provenance(self, base: str) -> str:
        return iris.graph(f"provenance/{self.kind}/{self.key}", base)

    def submission(self, stamp: str, base: str) -> str:
        return f"{base}id/submission/{self.kind}/{self.key}/{stamp}"


@dataclass
class Imported:
    """What one import wrote."""

    collection: Collection
    submission: str
    date: str
    triples: int
    previous: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.collection.kind,
            "key": self.collection.key,
            "submission": self.submission,
            "date": self.date,
            "triples": self.triples,
            "previous": self.previous,
        }


def keys(store: Store, kind: str, base: str) -> list[str]:
    """The keys of the collections of one kind the store holds."""
    prefix = iris.graph(f"{kind}/", base)
    return sorted(name[len(prefix) :] for name in store.graph_names() if name.startswith(prefix))


def record(
    prov: Graph,
    *,
    owner: str,
    submission: str,
    label: str,
    day: str,
    filename: str,
    digest: str,
    by: str | None,
    previous: str | None,
    base: str,
    now: datetime | None = None,
) -> Graph:
    """``prov`` with one more ``ig:Submission``, now the one ``owner`` (a collection, or an organisation for
    its list: ``lists.provenance_record``) points at with ``ig:currentSubmission``."""
    graph = new_graph(base)
    graph += prov
    sub, owner_iri = URIRef(submission), URIRef(owner)
    graph.remove((owner_iri, IG.currentSubmission, None))
    graph.add((sub, RDF.type, IG.Submission))
    graph.add((sub, RDFS.label, Literal(label, lang="sv")))
    graph.add((sub, DCTERMS.issued, Literal(day, datatype=XSD.date)))
    graph.add((sub, IG.fileName, Literal(filename)))
    graph.add((sub, IG.sha256, Literal(digest)))
    stamp = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    graph.add((sub, PROV.generatedAtTime, Literal(stamp, datatype=XSD.dateTime)))
    if by:
        agent = URIRef(f"{submission}#submitter")  # an IRI, not a blank node: stable across store round trips
        graph.add((sub, PROV.wasAttributedTo, agent))
        graph.add((agent, RDF.type, PROV.Agent))
        graph.add((agent, FOAF.name, Literal(by)))
    if previous:
        graph.add((sub, PROV.wasRevisionOf, URIRef(previous)))
    graph.add((owner_iri, IG.currentSubmission, sub))
    return graph


def commit(
    store: Store,
    settings: Settings,
    collection: Collection,
    graph: Graph,
    *,
    filename: str,
    digest: str,
    day: str,
    by: str | None = None,
    also: Mapping[str, Graph | None] | None = None,
    now: datetime | None = None,
) -> Imported:
    """Make ``graph`` the collection's current data, keeping a history copy and the record, in one write.

    ``also`` adds graphs to the same transaction (e.g. derived mapping graphs that must change with it).
    ``graph`` must be validated already: this writes whatever it is given.
    """
    base = settings.base
    owner = collection.graph(base)
    prov = store.graph(collection.provenance(base))
    current = prov.value(URIRef(owner), IG.currentSubmission)
    previous = str(current) if current is not None else None
    taken = {str(s) for s in prov.subjects(RDF.type, IG.Submission)}
    submission = fresh_iri(lambda stamp: collection.submission(stamp, base), day, taken)
    sv, _en = KINDS[collection.kind]
    records = record(
        prov,
        owner=owner,
        submission=submission,
        label=f"Import {sv} {collection.key} {day}",
        day=day,
        filename=filename,
        digest=digest,
        by=by,
        previous=previous,
        base=base,
        now=now,
    )
    records.add((URIRef(submission), DCTERMS.isPartOf, URIRef(owner)))
    store.replace_graphs(
        {owner: graph, submission: graph, collection.provenance(base): records, **(also or {})}
    )
    return Imported(collection, submission, day, len(graph), previous)


def record_row(prov: Graph, sub: Node) -> dict[str, object]:
    """One ``ig:Submission`` of a provenance graph as a history row (who only where the store shows it):
    the rows of an organisation's ``history`` and of a collection's."""
    agent = prov.value(sub, PROV.wasAttributedTo)
    name = prov.value(agent, FOAF.name) if agent is not None else None
    previous = prov.value(sub, PROV.wasRevisionOf)
    return {
        "submission": str(sub),
        "date": str(prov.value(sub, DCTERMS.issued)),
        "file": str(prov.value(sub, IG.fileName)),
        "sha256": str(prov.value(sub, IG.sha256)),
        "by": str(name) if name is not None else None,
        "generated": str(prov.value(sub, PROV.generatedAtTime)),
        "previous": str(previous) if previous is not None else None,
    }


def fresh_iri(mint: Callable[[str], str], day: str, taken: set[str]) -> str:
    """``mint(day)``, or ``mint(f"{day}-2")``, ``-3`` … when a submission of that day already has it."""
    iri, n = mint(day), 1
    while iri in taken:
        n += 1
        iri = mint(f"{day}-{n}")
    return iri


def history(store: Store, collection: Collection, base: str) -> list[dict[str, object]]:
    """Every import of the collection, oldest first, with its record."""
    prov = store.graph(collection.provenance(base))
    current = prov.value(URIRef(collection.graph(base)), IG.currentSubmission)
    rows = [
        {**record_row(prov, sub), "current": sub == current} for sub in prov.subjects(RDF.type, IG.Submission)
    ]
    return sorted(rows, key=lambda r: (str(r["generated"]), str(r["submission"])))
