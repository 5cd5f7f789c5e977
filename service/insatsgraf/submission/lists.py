"""Submit, history and diff: an organisation's list replaces its current data in one transaction.

``submit`` reads, validates and then writes four graphs in ONE ``store.replace_graphs`` call: the
current data, a copy named by the submission IRI (history, the file verbatim), the provenance graph with
the new PROV-O record and the organisation's mapping graph (``harmonisation/mapping.py``: the counted
links to programmes). The current graph states the file's ``program``/``variant`` columns
(``ig:statedProgramme``/``ig:statedVariantKind``) instead of linking. Any failure before that call leaves
the store as it was; the call itself is atomic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import date as Date
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF

from insatsgraf.catalogue.lookups import ID_RE, known_organisation
from insatsgraf.config import InputLimits, Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation import mapping
from insatsgraf.harmonisation.matcher import Catalogue
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph
from insatsgraf.sparql.store import Store
from insatsgraf.submission import curated, edition_vocab, figures, review_state
from insatsgraf.submission.ingest import Deadline, ingest_bytes, read_source, self_description, sha256
from insatsgraf.submission.validate import ValidationFailed, ValidationReport, validate_graph

BUNDLED_DATE = "2021-06-01"
"""The date a bundled submission is replayed with when its file does not say (Linköping's review, 2021)."""


def provenance_graph(org: str, base: str) -> str:
    return iris.graph(f"provenance/{org}", base)


@dataclass
class SubmitResult:
    submission: str
    org: str
    date: str
    offerings: int
    triples: int
    previous: str | None
    report: ValidationReport

    def to_json(self) -> dict[str, object]:
        return {
            "submission": self.submission,
            "org": self.org,
            "date": self.date,
            "offerings": self.offerings,
            "triples": self.triples,
            "previous": self.previous,
            "report": self.report.to_json(),
        }


# -- checks ----------------------------------------------------------------------------------------


def check_org(store: Store, settings: Settings, org: str, file: str | None = None) -> None:
    """Refuse an organisation id that is not in the store's organisation register."""
    if not ID_RE.match(org or ""):
        raise UserError(
            f'"{org}" is not an organisation id (like 0580 or 0180-bromma)',
            f'"{org}" är inget organisations-id (som 0580 eller 0180-bromma)',
            file=file,
            code="unknown-organisation",
        )
    if not known_organisation(store, org):
        raise UserError(
            f'unknown organisation "{org}": it is not in the organisation register (organisations.csv)',
            f'okänd organisation "{org}": den finns inte i organisationsregistret (organisations.csv)',
            file=file,
            code="unknown-organisation",
        )


def check_date(text: str | None, settings: Settings | None = None, file: str | None = None) -> str:
    """A submission date: YYYY-MM-DD, not before ``limits.earliest_date`` nor more than
    ``limits.max_days_ahead`` days after today (``--date 9999-12-31`` is a typo or an attack)."""
    today = datetime.now(UTC).date()
    if text is None:
        return today.isoformat()
    try:
        day = Date.fromisoformat(text)
    except ValueError as exc:
        raise UserError(
            f'"{text[:40]}" is not a date YYYY-MM-DD',
            f'"{text[:40]}" är inget datum ÅÅÅÅ-MM-DD',
            file=file,
            code="bad-date",
        ) from exc
    limits = settings.limits if settings is not None else InputLimits()
    earliest, latest = Date.fromisoformat(limits.earliest_date), today + timedelta(days=limits.max_days_ahead)
    if not earliest <= day <= latest:
        raise UserError(
            f"the date {day.isoformat()} is outside {earliest.isoformat()} … {latest.isoformat()} "
            f"(at most {limits.max_days_ahead} days ahead)",
            f"datumet {day.isoformat()} ligger utanför {earliest.isoformat()} … {latest.isoformat()} "
            f"(högst {limits.max_days_ahead} dagar framåt)",
            file=file,
            code="bad-date",
        )
    return day.isoformat()


# -- submit ----------------------------------------------------------------------------------------


def _existing(store: Store, org: str, base: str) -> tuple[Graph, str | None, set[str]]:
    """The provenance graph, the current submission and every submission IRI of ``org``."""
    prov = store.graph(provenance_graph(org, base))
    current = prov.value(URIRef(iris.organisation(org, base)), IG.currentSubmission)
    return prov, str(current) if current else None, {str(s) for s in prov.subjects(RDF.type, IG.Submission)}


def _submission_iri(org: str, day: str, taken: set[str], base: str) -> str:
    return curated.fresh_iri(lambda stamp: iris.submission(org, stamp, base), day, taken)


def provenance_record(
    prov: Graph,
    *,
    submission: str,
    org: str,
    day: str,
    filename: str,
    digest: str,
    by: str | None,
    previous: str | None,
    base: str,
    now: datetime | None = None,
    state: str | None = None,
) -> Graph:
    """The provenance graph with one more ``ig:Submission``, now the organisation's current one
    (``state``: its ``ig:reviewState`` concept, ``review_state.py``)."""
    org_iri = iris.organisation(org, base)
    graph = curated.record(
        prov,
        owner=org_iri,
        submission=submission,
        label=f"Inrapportering {org} {day}",
        day=day,
        filename=filename,
        digest=digest,
        by=by,
        previous=previous,
        base=base,
        now=now,
    )
    graph.add((URIRef(submission), IG.submittedBy, URIRef(org_iri)))
    if state:
        graph.add((URIRef(submission), IG.reviewState, URIRef(state)))
    return graph


@dataclass
class Prepared:
    """A submission read and validated, not yet written: ``commit`` writes it (under the write lock)."""

    graph: Graph
    org: str
    day: str
    filename: str
    digest: str
    by: str | None
    report: ValidationReport
    state: str | None = None
    """The review state's concept IRI (``--state``), recorded on the submission."""
    figures: Graph | None = None
    """The per-offering figures (``figures.py``), written with the submission."""


def prepare(
    store: Store,
    settings: Settings,
    data: bytes,
    filename: str,
    org: str | None,
    date: str | None = None,
    by: str | None = None,
    *,
    state: str | None = None,
) -> Prepared:
    """Read and validate ``data`` within ``settings.limits`` (time included); writes nothing, so callers run
    it before taking the write lock. Raises ``UserError``, or ``ValidationFailed`` with the report.
    ``state`` is a review state word (``utkast``, ``skickad för bekräftelse``, ``bekräftad``)."""
    deadline = Deadline(settings.limits.max_seconds)
    state_iri = review_state.concept(state, settings) if state else None
    data, filename = read_source(data, filename, settings)
    if by is not None and len(by) > settings.limits.max_cell_chars:
        raise UserError(
            f"the submitter's name is over {settings.limits.max_cell_chars} characters",
            f"inrapportörens namn är över {settings.limits.max_cell_chars} tecken",
            file=filename,
            code="cell-too-long",
        )
    graph, org_id, header = ingest_bytes(
        data, filename, org, settings, deadline, edition_vocab.current(store, settings)
    )
    check_org(store, settings, org_id, filename)
    day = check_date(date or header.get("date"), settings, filename)
    deadline.check(filename)
    report = validate_graph(graph, store, settings, org=org_id, file=filename)
    if not report.conforms:
        raise ValidationFailed(report, file=filename)
    deadline.check(filename)
    companion = figures.from_upload(data, filename, graph, org_id, settings)
    return Prepared(graph, org_id, day, filename, sha256(data), by, report, state_iri, companion)


def commit(
    store: Store,
    prepared: Prepared,
    settings: Settings,
    *,
    now: datetime | None = None,
    catalogue: Catalogue | None = None,
) -> SubmitResult:
    """Make a prepared submission the organisation's current one: read its provenance, derive the mapping
    graph (catalogue and decisions as they are now; a bulk submission passes the one ``catalogue`` it read
    for all its lists) and replace the four graphs in one transaction."""
    graph, org_id, day = prepared.graph, prepared.org, prepared.day
    base = settings.base
    prov, previous, taken = _existing(store, org_id, base)
    submission = _submission_iri(org_id, day, taken, base)
    for collab in graph.subjects(RDF.type, IG.Collaboration):
        graph.set((collab, DCTERMS.source, URIRef(submission)))
    record = provenance_record(
        prov,
        submission=submission,
        org=org_id,
        day=day,
        filename=prepared.filename,
        digest=prepared.digest,
        by=prepared.by,
        previous=previous,
        base=base,
        now=now,
        state=prepared.state,
    )
    current = mapping.move_statements(graph, base)
    items = mapping.items_from_graph(graph, org_id, base, submission)
    links = mapping.build(org_id, items, catalogue or Catalogue.from_store(store), base)
    store.replace_graphs(
        {
            iris.current_graph(org_id, base): current,
            submission: graph,
            provenance_graph(org_id, base): record,
            iris.mapping_graph(org_id, base): links,
            figures.graph_name(org_id, base): figures.link(prepared.figures, submission),
        }
    )
    return SubmitResult(
        submission=submission,
        org=org_id,
        date=day,
        offerings=len(set(graph.subjects(RDF.type, IG.Offering))),
        triples=len(graph),
        previous=previous,
        report=prepared.report,
    )


def submit(
    store: Store,
    settings: Settings,
    data: bytes,
    filename: str,
    org: str | None,
    date: str | None = None,
    by: str | None = None,
    *,
    now: datetime | None = None,
    state: str | None = None,
    catalogue: Catalogue | None = None,
) -> SubmitResult:
    """Ingest, validate and make ``data`` the organisation's current submission, or change nothing
    (``prepare`` then ``commit``); ``state``: its review state (``utkast``/``skickad för bekräftelse``/``bekräftad``).

    Raises ``UserError`` when the file cannot be read and ``ValidationFailed`` (a ``UserError`` with the
    report) when it does not conform.
    """
    prepared = prepare(store, settings, data, filename, org, date, by, state=state)
    return commit(store, prepared, settings, now=now, catalogue=catalogue)


def submit_file(
    store: Store,
    settings: Settings,
    path: str | Path,
    org: str | None,
    date: str | None = None,
    by: str | None = None,
    *,
    state: str | None = None,
    catalogue: Catalogue | None = None,
) -> SubmitResult:
    data, name = read_source(path, None, settings)
    return submit(store, settings, data, name, org, date, by, state=state, catalogue=catalogue)


def replay(store: Store, settings: Settings, path: Path, org: str, day: str, by: str) -> SubmitResult | None:
    """Submit a bundled file as of ``day``, unless the organisation already has a submission of it.

    ``insatsgraf load`` replays bundled and example files this way, so loading twice changes nothing.
    """
    data = path.read_bytes()
    prov = store.graph(provenance_graph(org, settings.base))
    if sha256(data) in {str(o) for o in prov.objects(None, IG.sha256)}:
        return None
    return submit(
        store, settings, data, path.name, org, day, by, now=datetime.fromisoformat(f"{day}T00:00:00+00:00")
    )


def load_bundled_submission(store: Store, settings: Settings, path: Path) -> dict[str, int]:
    """Replay a bundled ``data/ttl/submissions/*.ttl`` through ``submit`` (date from its header, else 2021-06-01).

    Returns triples per graph written (nothing when the file was already submitted).
    """
    _graph, org, header = ingest_bytes(path.read_bytes(), path.name, None, settings)
    result = replay(store, settings, path, org, header.get("date", BUNDLED_DATE), "insatsgraf load")
    if result is None:
        return {}
    return {iris.current_graph(org, settings.base): result.triples, result.submission: result.triples}


def ingest_to_turtle(
    source: str | Path | bytes,
    org: str | None,
    settings: Settings,
    *,
    filename: str | None = None,
    issued: str | None = None,
) -> tuple[str, Graph]:
    """A spreadsheet as self-describing Turtle (``insatsgraf ingest``): the text and its graph."""
    data, name = read_source(source, filename, settings)
    graph, org_id, _header = ingest_bytes(data, name, org, settings)
    out = new_graph(settings.base)
    out += graph
    self_description(
        out, org_id, settings, name, sha256(data), check_date(issued, settings, name) if issued else None
    )
    text = out.serialize(format="turtle")
    header = (
        f"# Submission of organisation {org_id}, generated by `insatsgraf ingest` from {name}.\n"
        "# Replayed through `insatsgraf submit` by `insatsgraf load`; regenerate rather than edit.\n"
    )
    return header + text, graph


# -- history and diff ------------------------------------------------------------------------------


def history(store: Store, org: str, settings: Settings | None = None) -> list[dict[str, object]]:
    """Every accepted submission of ``org``, oldest first, with its provenance and number of offerings."""
    base = settings.base if settings else store.base
    prov = store.graph(provenance_graph(org, base))
    current = prov.value(URIRef(iris.organisation(org, base)), IG.currentSubmission)
    rows = [
        {
            **curated.record_row(prov, sub),
            "offerings": len(set(store.graph(str(sub)).subjects(RDF.type, IG.Offering))),
            "current": sub == current,
            **review_state.of(prov, sub),
        }
        for sub in prov.subjects(RDF.type, IG.Submission)
    ]
    return sorted(rows, key=lambda r: (str(r["date"]), _suffix(str(r["submission"]))))


def _suffix(iri: str) -> int:
    found = re.search(r"\d{4}-\d{2}-\d{2}-(\d+)$", iri)
    return int(found.group(1)) if found else 1


@dataclass
class Change:
    property: str
    removed: list[str]
    added: list[str]


@dataclass
class OfferingChange:
    offering: str
    name: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class Diff:
    org: str
    from_submission: str | None
    to_submission: str | None
    added: list[OfferingChange] = field(default_factory=list)
    removed: list[OfferingChange] = field(default_factory=list)
    changed: list[OfferingChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_json(self) -> dict[str, object]:
        def one(o: OfferingChange) -> dict[str, object]:
            return {
                "offering": o.offering,
                "name": o.name,
                "changes": [
                    {"property": c.property, "removed": c.removed, "added": c.added} for c in o.changes
                ],
            }

        return {
            "org": self.org,
            "from": self.from_submission,
            "to": self.to_submission,
            "added": [one(o) for o in self.added],
            "removed": [one(o) for o in self.removed],
            "changed": [one(o) for o in self.changed],
        }

    def text(self) -> str:
        lines = [f"{self.from_submission or '(ingen/none)'} → {self.to_submission}"]
        for sign, label, items in (
            ("+", "tillagd/added", self.added),
            ("-", "borttagen/removed", self.removed),
        ):
            lines += [f"{sign} {o.name} ({label})" for o in items]
        for o in self.changed:
            lines.append(f"~ {o.name} (ändrad/changed)")
            for c in o.changes:
                lines.append(f"    {c.property}: {', '.join(c.removed) or '–'} → {', '.join(c.added) or '–'}")
        if self.empty:
            lines.append("inga skillnader / no differences")
        return "\n".join(lines)


IGNORED = {str(IG.sourceRow)}
"""Properties left out of a diff: a row moving in the spreadsheet is not a change of the offering."""


def _describe(graph: Graph, base: str) -> dict[str, dict[str, set[str]]]:
    """offering IRI → property name → rendered values (evidence as its link or citation, partners included)."""
    out: dict[str, dict[str, set[str]]] = {}
    for offering in graph.subjects(RDF.type, IG.Offering):
        props: dict[str, set[str]] = {}
        for p, o in graph.predicate_objects(offering):
            if str(p) in IGNORED or p == RDF.type:
                continue
            if p == IG.evidence:
                shown = graph.value(o, FOAF.page) or graph.value(o, DCTERMS.bibliographicCitation) or o
                props.setdefault(_name(p), set()).add(str(shown))
            else:
                props.setdefault(_name(p), set()).add(_short(o, base))
        for collab in graph.subjects(IG.about, offering):
            for partner in graph.objects(collab, IG.partner):
                props.setdefault("partner", set()).add(_short(partner, base))
            for kind in graph.objects(collab, IG.partnerKind):  # a kind of partner: "partner-kind/police"
                props.setdefault("partner", set()).add(f"partner-kind/{_short(kind, base)}")
        out[str(offering)] = props
    return out


def _name(prop: object) -> str:
    return re.split(r"[#/]", str(prop))[-1]


def _short(term: object, base: str) -> str:
    text = str(term)
    return text.rsplit("/", 1)[-1] if isinstance(term, URIRef) and text.startswith(f"{base}id/") else text


def _resolve(rows: list[dict[str, object]], when: str | None, org: str) -> str | None:
    """A submission IRI from a date (the last submission that day) or a stamp like ``2021-06-01-2``."""
    if when is None:
        return None
    check = when if re.fullmatch(r"\d{4}-\d{2}-\d{2}(-\d+)?", when) else None
    matches = [r for r in rows if str(r["submission"]).endswith(f"/{when}")] or [
        r for r in rows if r["date"] == check
    ]
    if not matches:
        dates = ", ".join(str(r["date"]) for r in rows) or "none"
        raise UserError(
            f"organisation {org} has no submission dated {when}; its submissions: {dates}",
            f"organisation {org} har ingen inrapportering daterad {when}; dess inrapporteringar: {dates}",
            code="no-submission",
        )
    return str(matches[-1]["submission"])


def diff(
    store: Store,
    org: str,
    from_date: str | None = None,
    to_date: str | None = None,
    settings: Settings | None = None,
) -> Diff:
    """Offerings added, removed and changed between two submissions (default: the last two)."""
    base = settings.base if settings else store.base
    rows = history(store, org, settings)
    if not rows:
        raise UserError(
            f"organisation {org} has no submissions",
            f"organisation {org} har inga inrapporteringar",
            code="no-submission",
        )
    to_iri = _resolve(rows, to_date, org) or str(rows[-1]["submission"])
    if from_date is not None:
        from_iri = _resolve(rows, from_date, org)
    else:
        index = [str(r["submission"]) for r in rows].index(to_iri)
        from_iri = str(rows[index - 1]["submission"]) if index > 0 else None
    old = _describe(store.graph(from_iri), base) if from_iri else {}
    new = _describe(store.graph(to_iri), base)
    result = Diff(org=org, from_submission=from_iri, to_submission=to_iri)

    def label(props: dict[str, set[str]], iri: str) -> str:
        return min(props.get("localName", {iri.rsplit("/", 1)[-1]}))

    for iri in sorted(new.keys() - old.keys()):
        result.added.append(OfferingChange(iri, label(new[iri], iri)))
    for iri in sorted(old.keys() - new.keys()):
        result.removed.append(OfferingChange(iri, label(old[iri], iri)))
    for iri in sorted(new.keys() & old.keys()):
        changes = [
            Change(
                p,
                sorted(old[iri].get(p, set()) - new[iri].get(p, set())),
                sorted(new[iri].get(p, set()) - old[iri].get(p, set())),
            )
            for p in sorted(old[iri].keys() | new[iri].keys())
            if old[iri].get(p) != new[iri].get(p)
        ]
        if changes:
            result.changed.append(OfferingChange(iri, label(new[iri], iri), changes))
    return result
