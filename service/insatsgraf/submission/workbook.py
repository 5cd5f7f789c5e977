"""The confirm-your-list workbook: one organisation's current list as a pre-filled XLSX to check and send back.

One row per offering (status ``erbjuds``), in the order of the list it came from, every cell written as the
ingest reads it back (names, not ids: ``ABC – Alla barn i centrum``, ``Region Östergötland``), so a workbook
sent back unchanged is the same list and ``diff`` shows exactly what the organisation changed. Beside the
``program`` column, ``tjanstens_koppling`` shows the mapping the service made; the cells to check (an
automatic or uncertain mapping, a recommended value missing) are highlighted. An organisation without a list
gets the catalogue entries its county runs (else the whole catalogue), with an empty, highlighted status.
The sheets and drop-downs are the template's (``template.lay_out``), plus the ``status`` drop-down.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS
from rdflib.term import Node

from insatsgraf.catalogue import rq
from insatsgraf.config import Settings
from insatsgraf.model import iris, vocab
from insatsgraf.model.iris import IG
from insatsgraf.sparql.store import Store
from insatsgraf.submission import edition_vocab
from insatsgraf.submission.columns import COLUMNS, WORKBOOK_COLUMNS, Column
from insatsgraf.submission.lists import check_org
from insatsgraf.submission.review_state import OFFERED, STATUS_WORDS
from insatsgraf.submission.template import lay_out, safe_cell, sheet_words

CHECK = PatternFill("solid", fgColor="FFF2CC")
"""The fill of a cell the organisation should check."""
RECOMMENDED = ("beskrivning", "malgrupp", "preventionsniva", "form", "regi")
"""Columns whose empty cell is highlighted (the recommendations of ``shapes/recommended.ttl``)."""
UNCERTAIN = {"auto", "review"}
"""Mapping statuses a person has not confirmed: highlighted."""


def workbook_columns() -> tuple[Column, ...]:
    """``status``, ``insats``, ``program``, ``tjanstens_koppling``, then the rest of the contract."""
    by_name = {c.name: c for c in (*COLUMNS, *WORKBOOK_COLUMNS)}
    first = ("status", "insats", "program", "tjanstens_koppling")
    return tuple(by_name[n] for n in first) + tuple(c for c in COLUMNS if c.name not in first)


class _Words:
    """Concept → the word the ingest reads back, programme and organisation IRIs → their names."""

    def __init__(self, settings: Settings, vocabulary: vocab.Vocabulary):
        self.vocabulary = vocabulary
        self.base = settings.base
        self.concepts: dict[str, str] = {}
        for column in COLUMNS:
            if column.scheme:
                for word in sheet_words(column.scheme, self.vocabulary):
                    found = self.vocabulary.concept(column.scheme, word)
                    if found is not None:
                        self.concepts.setdefault(str(found), word)

    def concept(self, term: Node) -> str:
        return self.concepts.get(str(term)) or str(term).rsplit("/", 1)[-1]

    def programme(self, term: Node) -> str:
        pid = str(term)[len(iris.programme("", self.base)) :]
        return self.vocabulary.programme_names.get(pid, pid)

    def organisation(self, term: Node) -> str:
        prefix = iris.organisation("", self.base)
        if not str(term).startswith(prefix):  # a partner that is not in the register (a kind of partner)
            return self.concept(term)
        oid = str(term)[len(prefix) :]
        return self.vocabulary.organisation_names.get(oid, oid)


def _row(graph: Graph, offering: Node, org_iri: URIRef, words: _Words) -> dict[str, object]:
    """The workbook row of one offering of a current graph."""
    value = graph.value
    row: dict[str, object] = {"status": OFFERED, "insats": str(value(offering, IG.localName) or "")}
    stated = (
        value(offering, IG.statedProgramme) or value(offering, IG.implements) or value(offering, IG.variantOf)
    )
    if stated is not None:
        row["program"] = words.programme(stated)
    kind = value(offering, IG.statedVariantKind) or value(offering, IG.variantKind)
    if kind is not None:
        row["variant"] = words.concept(kind)
    for column in COLUMNS:
        if column.scheme and column.name != "variant":
            found = sorted(words.concept(o) for o in graph.objects(offering, column.paths[0]))
            if found:
                row[column.name] = "; ".join(found)
    for name, prop in (
        ("alder_fran", IG.minAge),
        ("alder_till", IG.maxAge),
        ("antal_tillfallen", IG.numberOfSessions),
    ):
        number = value(offering, prop)
        if number is not None:
            row[name] = number.toPython() if hasattr(number, "toPython") else str(number)
    for name, prop in (
        ("beskrivning", DCTERMS.description),
        ("kommentar", RDFS.comment),
        ("avvikelse", IG.variantNote),
    ):
        if value(offering, prop) is not None:
            row[name] = str(value(offering, prop))
    instruments = sorted(str(o) for o in graph.objects(offering, IG.followUpInstrument))
    if instruments:
        row["uppfoljning"] = "; ".join(instruments)
    evidence = value(offering, IG.evidence)
    if evidence is not None:
        row["evidenskalla"] = str(
            value(evidence, FOAF.page) or value(evidence, DCTERMS.bibliographicCitation) or ""
        )
    partners = sorted(
        {
            words.organisation(p)
            for c in graph.subjects(IG.about, offering)
            for p in graph.objects(c, IG.partner)
        }
        - {words.organisation(org_iri)}
    )
    if partners:
        row["samverkan_med"] = "; ".join(partners)
    return row


def _mappings(graph: Graph, words: _Words) -> dict[str, tuple[str, bool]]:
    """offering IRI → (the service's mappings as text, whether one of them needs a person's eye)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for node in graph.subjects(RDF.type, IG.Mapping):
        offering, programme = graph.value(node, IG.mappedOffering), graph.value(node, IG.mappedProgramme)
        status = str(graph.value(node, IG.mappingStatus) or "").rsplit("/", 1)[-1]
        relation = graph.value(node, IG.mappingRelation)
        if offering is None or programme is None:
            continue
        text = f"{words.programme(programme)} – {words.concept(relation) if relation else ''} ({STATUS_SV.get(status, status)})"
        found.setdefault(str(offering), []).append((text, status))
    return {
        o: ("; ".join(sorted(t for t, _ in items)), any(s in UNCERTAIN for _, s in items))
        for o, items in found.items()
    }


STATUS_SV = {
    "stated": "angiven",
    "confirmed": "bekräftad",
    "auto": "automatisk – kontrollera",
    "decided": "beslutad",
    "review": "osäker – kontrollera",
    "rejected": "avvisad",
}
"""How a mapping status reads in the workbook (the Swedish labels of ``mapping-status``, with the advice)."""


def build_workbook(store: Store, settings: Settings, org: str) -> Workbook:
    """The pre-filled workbook of ``org`` (a ``UserError`` when it is not in the register)."""
    check_org(store, settings, org)
    base = settings.base
    words = _Words(settings, edition_vocab.current(store, settings))
    org_iri = URIRef(iris.organisation(org, base))
    current = store.graph(iris.current_graph(org, base))
    offerings = sorted(
        current.subjects(RDF.type, IG.Offering),
        key=lambda o: (int(str(current.value(o, IG.sourceRow) or 0)), str(o)),
    )
    columns = workbook_columns()
    book = Workbook()
    sheet = lay_out(
        book, columns, words.vocabulary, rows=max(500, len(offerings) + 200), extra={"status": STATUS_WORDS}
    )
    index = {c.name: i for i, c in enumerate(columns, start=1)}
    check = []
    if offerings:
        mappings = _mappings(store.graph(iris.mapping_graph(org, base)), words)
        for number, offering in enumerate(offerings, start=2):
            row = _row(current, offering, org_iri, words)
            text, uncertain = mappings.get(str(offering), ("", False))
            row["tjanstens_koppling"] = text or "ingen koppling (lokal insats)"
            _fill(sheet, number, row, index)
            if uncertain:
                check += [(number, "program"), (number, "tjanstens_koppling")]
            check += [(number, name) for name in RECOMMENDED if not row.get(name)]
    else:
        for number, (label, note) in enumerate(_suggestions(store, org_iri), start=2):
            _fill(
                sheet,
                number,
                {"status": "", "insats": label, "program": label, "tjanstens_koppling": note},
                index,
            )
            check.append((number, "status"))
    for number, name in check:
        sheet.cell(row=number, column=index[name]).fill = CHECK
    marker = sheet.cell(row=1, column=index["status"])
    marker.comment = Comment(
        "Gula celler: kontrollera. Välj status per rad; lägg till nya rader med status ny. "
        "Yellow cells: please check. Choose a status per row; add new rows with status ny.",
        "insatsgraf",
    )
    return book


def _fill(sheet, number: int, row: dict[str, object], index: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    for name, value in row.items():
        if value not in (None, ""):
            safe_cell(sheet.cell(row=number, column=index[name]), value)


def _suggestions(store: Store, org_iri: URIRef) -> list[tuple[str, str]]:
    """(name, why) of the entries to suggest: what the county runs, else the whole current catalogue."""
    result = store.query(rq.bind(rq.read("workbook-suggestions"), org=str(org_iri)))
    rows = [
        (r["label"]["value"], f"förslag: körs av {r['organisations']['value']} organisationer i länet")
        for r in result.rows
    ]
    if rows:
        return rows
    result = store.query(rq.read("workbook-catalogue"))
    return [(r["label"]["value"], "förslag ur den nationella katalogen") for r in result.rows]


def workbook_bytes(store: Store, settings: Settings, org: str) -> bytes:
    out = io.BytesIO()
    build_workbook(store, settings, org).save(out)
    return out.getvalue()


def write_workbook(store: Store, settings: Settings, org: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(store, settings, org))
    return path
