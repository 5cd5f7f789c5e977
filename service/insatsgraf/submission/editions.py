"""Editions of the national catalogue: one curated collection, ``catalogue/national``, kept like a list.

Its current graph is the bundled catalogue graph ``{base}graph/catalogue`` (so every query, page and export
that names it keeps working) and holds the latest edition; every earlier edition is a history copy
``{base}id/submission/catalogue/national/{date}`` (outside the union) with its ``ig:Submission`` record in
``{base}graph/provenance/catalogue/national``. The union therefore never holds two editions' labels for one
entry. The bundled 60 entries (``data/ttl/catalogue.ttl``) are the first edition (``load_bundled_edition``).

Entry IRIs are the ids and never change. An entry a new edition leaves out stays in the current graph as its
last edition described it, ``owl:deprecated true`` and ``ig:lastEdition`` that edition's record, so an
offering mapped to it keeps resolving, with its label. The mapping graphs are derived again in the same
write, with the new labels, so new entries match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from insatsgraf import __version__
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation import mapping
from insatsgraf.harmonisation.matcher import Catalogue, rules_from_store
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import read_turtle
from insatsgraf.sparql.store import Store
from insatsgraf.submission import curated
from insatsgraf.submission.edition_file import describe_scheme, read_edition, without_rows
from insatsgraf.submission.ingest import read_source, sha256
from insatsgraf.submission.lists import check_date

BUNDLED_FILE = "catalogue.ttl"
BUNDLED_EDITION = f"insatsgraf {__version__}"
"""The name of the bundled edition (``data/ttl/catalogue.ttl``)."""
BUNDLED_DATE = "2021-06-01"
"""Its date: that of its newest source (Linköping's review, 2021), as for the bundled submission."""


@dataclass(frozen=True)
class NationalCatalogue(curated.Collection):
    """The catalogue collection, whose current graph is the bundled catalogue graph's name."""

    def graph(self, base: str) -> str:
        return iris.graph("catalogue", base)


NATIONAL = NationalCatalogue("catalogue", "national")
ENTRY_CLASSES = (IG.Programme, IG.InterventionType)


def _entries(graph: Graph, *, listed_only: bool = False) -> set[URIRef]:
    out = {s for c in ENTRY_CLASSES for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}
    if listed_only:
        out = {s for s in out if (s, OWL.deprecated, Literal(True)) not in graph}
    return out


def _carry_deprecated(new: Graph, current: Graph, previous: str | None) -> int:
    """Add to ``new`` every entry of ``current`` it leaves out, deprecated; returns how many."""
    kept = _entries(new)
    carried = 0
    for entry in sorted(_entries(current) - kept):
        for _s, p, o in current.triples((entry, None, None)):
            new.add((entry, p, o))
        new.set((entry, OWL.deprecated, Literal(True)))
        if previous and current.value(entry, IG.lastEdition) is None:
            new.add((entry, IG.lastEdition, URIRef(previous)))
        carried += 1
    return carried


def _current(store: Store, base: str) -> tuple[Graph, str | None, Graph]:
    """(current graph, the current edition's record IRI, the provenance graph)."""
    prov = store.graph(NATIONAL.provenance(base))
    found = prov.value(URIRef(NATIONAL.graph(base)), IG.currentSubmission)
    return store.graph(NATIONAL.graph(base)), (str(found) if found is not None else None), prov


@dataclass
class EditionImported:
    """What an import wrote: the collection record plus the entries listed and carried as deprecated."""

    imported: curated.Imported
    edition: str
    entries: int
    deprecated: int
    mappings: int

    def to_json(self) -> dict[str, object]:
        return {
            **self.imported.to_json(),
            "edition": self.edition,
            "entries": self.entries,
            "deprecated": self.deprecated,
            "mapping_graphs": self.mappings,
        }


def import_edition(
    store: Store,
    settings: Settings,
    source: str | Path | bytes,
    filename: str | None = None,
    *,
    edition: str | None = None,
    day: str | None = None,
    by: str | None = None,
    now: datetime | None = None,
) -> EditionImported:
    """Read, validate and make a catalogue file the current edition, re-deriving the mappings, in one write.

    Raises ``UserError`` (unreadable file, bad date) or ``ValidationFailed`` (rows); the store is unchanged then.
    """
    data, name = read_source(source, filename, settings)
    for label, text in (("--by", by), ("--edition", edition)):
        if text is not None and len(text) > settings.limits.max_cell_chars:
            raise UserError(
                f"{label} is over {settings.limits.max_cell_chars} characters",
                f"{label} är över {settings.limits.max_cell_chars} tecken",
                file=name,
                code="cell-too-long",
            )
    day = check_date(day, settings, name)
    edition = (edition or "").strip() or Path(name).stem
    read = read_edition(data, name, settings, edition=edition, day=day)
    graph = without_rows(read.graph)
    current, previous, _prov = _current(store, settings.base)
    deprecated = _carry_deprecated(graph, current, previous)
    also = derive_with(store, graph)
    imported = curated.commit(
        store,
        settings,
        NATIONAL,
        graph,
        filename=name,
        digest=sha256(data),
        day=day,
        by=by,
        also=also,
        now=now,
    )
    mappings = sum(1 for g in also.values() if g is not None)
    return EditionImported(imported, edition, read.entries, deprecated, mappings)


def derive_with(store: Store, catalogue_graph: Graph) -> dict[str, Graph | None]:
    """Every organisation's mapping graph as it will be with ``catalogue_graph`` as the catalogue."""
    labels = Graph()
    labels += catalogue_graph
    labels += store.graph(iris.graph("decisions", store.base))  # the hidden labels of accepted names
    return mapping.derive(store, catalogue=Catalogue.from_graph(labels, rules_from_store(store)))


def load_bundled_edition(store: Store, settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """Make ``data/ttl/catalogue.ttl`` the current edition unless it already is, or an import is.

    Loading twice changes nothing (the file's checksum is on record); a changed bundled file becomes the next
    edition while the bundled one is current; an imported edition is never replaced by a load.
    """
    path = settings.data_dir / BUNDLED_FILE
    if not path.exists():
        return {}
    data = path.read_bytes()
    digest = sha256(data)
    current, previous, prov = _current(store, settings.base)
    if previous is not None:
        if str(prov.value(URIRef(previous), IG.fileName)) != BUNDLED_FILE:
            return {}
        if digest in {str(o) for o in prov.objects(URIRef(previous), IG.sha256)}:
            return {}
    graph = read_turtle(path, settings.base)
    day = (
        BUNDLED_DATE  # fixed, like a replayed bundled submission: every load of the same file writes the same
    )
    now = now or datetime.fromisoformat(f"{day}T00:00:00+00:00")
    describe_scheme(
        graph,
        URIRef(iris.scheme("catalogue", settings.base)),
        edition=BUNDLED_EDITION,
        day=day,
        source=BUNDLED_FILE,
    )
    _carry_deprecated(graph, current, previous)
    done = curated.commit(
        store, settings, NATIONAL, graph, filename=BUNDLED_FILE, digest=digest, day=day, now=now
    )
    return {NATIONAL.graph(settings.base): len(graph), done.submission: len(graph)}


# -- history and diff ------------------------------------------------------------------------------


def history(store: Store, settings: Settings) -> list[dict[str, object]]:
    """Every edition, oldest first: its record (date, file, who) with its name and number of entries."""
    rows = curated.history(store, NATIONAL, settings.base)
    scheme = URIRef(iris.scheme("catalogue", settings.base))
    for row in rows:
        graph = store.graph(str(row["submission"]))
        name = graph.value(scheme, OWL.versionInfo)
        row["edition"] = str(name) if name is not None else None
        row["entries"] = len(_entries(graph, listed_only=True))
        row["deprecated"] = len(_entries(graph)) - int(str(row["entries"]))
    return rows


FIELDS: tuple[tuple[str, URIRef], ...] = (
    ("class", RDF.type),
    ("pref_label_sv", SKOS.prefLabel),
    ("alt_labels", SKOS.altLabel),
    ("kind", IG.interventionKind),
    ("skr_category", IG.skrCategory),
    ("target", IG.targetGroup),
    ("age_min", IG.minAge),
    ("age_max", IG.maxAge),
    ("sessions", IG.numberOfSessions),
    ("description_sv", SKOS.definition),
    ("source", DCTERMS.source),
)
"""The fields a diff compares (``label_en`` is ``pref_label_sv``'s English sibling: one field ``pref_label``)."""


def _describe(graph: Graph, entry: URIRef) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, prop in FIELDS:
        values = set()
        for o in graph.objects(entry, prop):
            if prop == RDF.type and o == SKOS.Concept:
                continue
            if prop == SKOS.prefLabel:
                lang = getattr(o, "language", None)
                key = "pref_label_sv" if lang == "sv" else "label_en"
                out.setdefault(key, set()).add(str(o))
                continue
            values.add(str(o).rsplit("/", 1)[-1].rsplit("#", 1)[-1] if isinstance(o, URIRef) else str(o))
        if prop != SKOS.prefLabel:
            out[name] = values
    out.setdefault("pref_label_sv", set())
    out.setdefault("label_en", set())
    return out


@dataclass
class EntryChange:
    id: str
    label: str
    fields: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    """field → (values before, values after)."""


@dataclass
class EditionDiff:
    older: dict[str, object]
    newer: dict[str, object]
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        def edition(row: dict[str, object]) -> dict[str, object]:
            return {k: row.get(k) for k in ("submission", "edition", "date", "file")}

        return {
            "from": edition(self.older),
            "to": edition(self.newer),
            "added": [{"id": i, "label": label} for i, label in self.added],
            "removed": [{"id": i, "label": label} for i, label in self.removed],
            "changed": [
                {
                    "id": c.id,
                    "label": c.label,
                    "fields": {k: {"from": a, "to": b} for k, (a, b) in c.fields.items()},
                }
                for c in self.changed
            ],
        }

    def text(self) -> str:
        def name(row: dict[str, object]) -> str:
            return f"{row.get('edition')} ({row.get('date')})"

        lines = [f"{name(self.older)} → {name(self.newer)}"]
        lines += [f"+ {i}  {label}" for i, label in self.added]
        lines += [f"- {i}  {label}" for i, label in self.removed]
        for c in self.changed:
            lines.append(f"~ {c.id}  {c.label}")
            for key, (a, b) in c.fields.items():
                lines.append(f"    {key}: {'; '.join(a) or '–'} → {'; '.join(b) or '–'}")
        if len(lines) == 1:
            lines.append("inga skillnader / no differences")
        return "\n".join(lines)


def _pick(rows: list[dict[str, object]], wanted: str) -> dict[str, object]:
    text = wanted.strip().casefold()
    for row in rows:
        stamp = str(row["submission"]).rsplit("/", 1)[-1]
        if text in (str(row["submission"]).casefold(), stamp, str(row.get("edition") or "").casefold()):
            return row
    for row in rows:
        if text == str(row["date"]):
            return row
    known = ", ".join(f"{r.get('edition')} ({str(r['submission']).rsplit('/', 1)[-1]})" for r in rows)
    raise UserError(
        f'no catalogue edition "{wanted[:60]}"; the editions are: {known}',
        f'ingen katalogutgåva "{wanted[:60]}"; utgåvorna är: {known}',
        code="unknown-edition",
    )


def diff(store: Store, settings: Settings, older: str | None = None, newer: str | None = None) -> EditionDiff:
    """Entries added, removed (or deprecated) and changed, with the fields, between two editions.

    ``older``/``newer`` name an edition by its name, date or record stamp; by default the last two.
    """
    rows = history(store, settings)
    if len(rows) < 2 and (older is None or newer is None):
        raise UserError(
            f"the catalogue has {len(rows)} edition(s): import one with `insatsgraf catalogue import FILE`",
            f"katalogen har {len(rows)} utgåva(or): importera en med `insatsgraf catalogue import FIL`",
            code="one-edition",
        )
    b = _pick(rows, newer) if newer else next((r for r in rows if r["current"]), rows[-1])
    if older:
        a = _pick(rows, older)
    else:
        earlier = [r for r in rows if rows.index(r) < rows.index(b)]
        if not earlier:
            raise UserError(
                "there is no edition before that one; name two editions",
                "det finns ingen utgåva före den; ange två utgåvor",
                code="one-edition",
            )
        a = earlier[-1]
    ga, gb = store.graph(str(a["submission"])), store.graph(str(b["submission"]))
    ea, eb = _entries(ga, listed_only=True), _entries(gb, listed_only=True)
    prefix = iris.programme("", settings.base)

    def ident(entry: URIRef) -> str:
        return str(entry)[len(prefix) :] if str(entry).startswith(prefix) else str(entry)

    def label(graph: Graph, entry: URIRef) -> str:
        found = [str(o) for o in graph.objects(entry, SKOS.prefLabel) if getattr(o, "language", None) == "sv"]
        return found[0] if found else str(graph.value(entry, RDFS.label) or ident(entry))

    out = EditionDiff(a, b)
    out.added = sorted((ident(e), label(gb, e)) for e in eb - ea)
    out.removed = sorted((ident(e), label(ga, e)) for e in ea - eb)
    for entry in sorted(ea & eb):
        before, after = _describe(ga, entry), _describe(gb, entry)
        fields = {
            k: (sorted(before.get(k, set())), sorted(after.get(k, set())))
            for k in sorted(set(before) | set(after))
            if before.get(k, set()) != after.get(k, set())
        }
        if fields:
            out.changed.append(EntryChange(ident(entry), label(gb, entry), fields))
    return out
