"""A national catalogue list (SKR's, or a FoU unit's own) as a file → the graph of one catalogue edition.

The columns are those of ``data/reference/programmes.csv`` (so the bundled list imports as it is), with
Swedish and English aliases. The file is read by the submission readers (``ingest``: size, XLSX safety,
row, cell and time limits). As in a submission, a cell that does not fit (an unknown kind, ``tolv`` as
sessions) is kept as written so that the shapes of ``shapes/catalogue/`` report it with its row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SH, SKOS, XSD

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris, vocab
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph, read_turtle
from insatsgraf.model.reference import TARGET_GROUPS
from insatsgraf.submission.columns import header_key
from insatsgraf.submission.ingest import (
    Deadline,
    integer,
    read_cells,
)
from insatsgraf.submission.validate import Result, ValidationFailed, ValidationReport


@dataclass(frozen=True)
class Field:
    name: str
    """The header of ``programmes.csv``."""
    aliases: tuple[str, ...]
    path: URIRef | None


FIELDS: tuple[Field, ...] = (
    Field("id", ("kod", "identifier", "programme_id"), SKOS.notation),
    Field("pref_label_sv", ("namn", "name", "label", "label_sv"), SKOS.prefLabel),
    Field("alt_labels", ("alternativa_namn", "andra_namn", "alt_label", "alternative_names"), SKOS.altLabel),
    Field("label_en", ("namn_en", "name_en", "english_name"), None),
    Field("kind", ("typ", "slag", "insatsslag", "intervention_kind"), IG.interventionKind),
    Field("skr_category", ("skr_kategori", "kategori", "category"), IG.skrCategory),
    Field("target", ("malgrupp", "målgrupp", "target_group"), IG.targetGroup),
    Field("age_min", ("alder_fran", "ålder_från", "min_age", "age_from"), IG.minAge),
    Field("age_max", ("alder_till", "ålder_till", "max_age", "age_to"), IG.maxAge),
    Field("sessions", ("antal_tillfallen", "antal_tillfällen", "number_of_sessions"), IG.numberOfSessions),
    Field("description_sv", ("beskrivning", "description", "definition"), SKOS.definition),
    Field("source", ("kalla", "källa", "sources"), DCTERMS.source),
)
HEADERS = {header_key(a): f.name for f in FIELDS for a in (f.name, *f.aliases)}
PATH_FIELD = {str(f.path): f.name for f in FIELDS if f.path is not None} | {str(IG.sourceRow): "id"}
PROGRAMME_WORDS = {"program", "programme", "programmet"}
TYPE_WORDS = {"insatstyp", "intervention type", "intervention_type", "typ av insats", "generisk insatstyp"}


@dataclass
class EditionFile:
    """The edition's graph (entries with ``ig:sourceRow``, for the report) and its size."""

    graph: Graph
    entries: int


def read_edition(data: bytes, name: str, settings: Settings, *, edition: str, day: str) -> EditionFile:
    """Read and check a catalogue file; raises ``UserError`` (unreadable) or ``ValidationFailed`` (rows)."""
    limits = settings.limits
    deadline = Deadline(limits.max_seconds)
    cells = read_cells(
        data,
        name,
        limits,
        deadline,
        (
            "a spreadsheet (CSV or XLSX) with one catalogue entry per row",
            "ett kalkylark (CSV eller XLSX) med en katalogpost per rad",
        ),
    )
    rows = _rows(cells, name)
    graph = _graph(rows, settings, edition=edition, day=day, name=name)
    deadline.check(name)
    report = validate_edition(graph, settings, file=name)
    if not report.conforms:
        raise ValidationFailed(report, file=name)
    return EditionFile(graph, len(rows))


def _rows(cells: list[list[str]], name: str) -> list[tuple[int, dict[str, str]]]:
    """Rows keyed by field name, with their spreadsheet row number; header problems are refused here."""
    while cells and not any(c.strip() for c in cells[0]):
        cells = cells[1:]
    if not cells:
        raise UserError("the file is empty", "filen är tom", file=name, code="empty")
    header = [c.strip().lstrip("\ufeff") for c in cells[0]]
    allowed = ", ".join(f.name for f in FIELDS)
    seen: dict[str, int] = {}
    for i, text in enumerate(header):
        if not text:
            continue
        found = HEADERS.get(header_key(text))
        if found is None:
            raise UserError(
                f'unknown column "{text[:40]}"; allowed columns: {allowed}',
                f'okänd kolumn "{text[:40]}"; tillåtna kolumner: {allowed}',
                file=name,
                row=1,
                column=text[:40],
                code="unknown-column",
            )
        if found in seen:
            raise UserError(
                f'column "{found}" appears twice',
                f'kolumnen "{found}" finns två gånger',
                file=name,
                row=1,
                column=text[:40],
                code="duplicate-column",
            )
        seen[found] = i
    for required in ("id", "pref_label_sv"):
        if required not in seen:
            raise UserError(
                f'the required column "{required}" is missing (columns: {allowed})',
                f'den obligatoriska kolumnen "{required}" saknas (kolumner: {allowed})',
                file=name,
                row=1,
                column=required,
                code="missing-column",
            )
    rows = []
    for number, raw in enumerate(cells[1:], start=2):
        row = {f: (raw[i].strip() if i < len(raw) else "") for f, i in seen.items()}
        if any(row.values()):
            rows.append((number, row))
    if not rows:
        raise UserError(
            "the file has a header but no entries", "filen har en rubrikrad men inga poster", file=name, row=2
        )
    return rows


def _split(cell: str, separators: str = "|;") -> list[str]:
    for sep in separators[1:]:
        cell = cell.replace(sep, separators[0])
    return [part.strip() for part in cell.split(separators[0]) if part.strip()]


def _graph(
    rows: list[tuple[int, dict[str, str]]], settings: Settings, *, edition: str, day: str, name: str
) -> Graph:
    base = settings.base
    words = vocab.load(settings)
    graph = new_graph(base)
    scheme = URIRef(iris.scheme("catalogue", base))
    describe_scheme(graph, scheme, edition=edition, day=day, source=name)
    insatstyp = URIRef(iris.concept("intervention-kind", "insatstyp", base))
    for number, row in rows:
        ident = row.get("id", "")
        slug = ident if ident and iris.slug(ident) == ident else (iris.slug(ident) or f"rad-{number}")
        node = URIRef(iris.programme(slug, base))
        add = graph.add
        if (
            node,
            IG.sourceRow,
            None,
        ) in graph:  # a repeated id: its row number alone, for the shape to report
            add((node, IG.sourceRow, Literal(number, datatype=XSD.integer)))
            continue
        kind_cell = row.get("kind", "")
        folded = vocab.normalise(kind_cell)
        kind: URIRef | Literal | None = None
        if folded in TYPE_WORDS:
            kind = insatstyp
        elif kind_cell and folded not in PROGRAMME_WORDS:
            kind = words.concept("intervention-kind", kind_cell) or Literal(kind_cell)
        add((node, RDF.type, IG.InterventionType if kind == insatstyp else IG.Programme))
        add((node, RDF.type, SKOS.Concept))
        add((node, SKOS.inScheme, scheme))
        add((node, IG.sourceRow, Literal(number, datatype=XSD.integer)))
        if ident:
            add((node, SKOS.notation, Literal(ident)))
        if row.get("pref_label_sv"):
            add((node, SKOS.prefLabel, Literal(row["pref_label_sv"], lang="sv")))
        if row.get("label_en"):
            add((node, SKOS.prefLabel, Literal(row["label_en"], lang="en")))
        for alt in _split(row.get("alt_labels", "")):
            add((node, SKOS.altLabel, Literal(alt)))
        if kind is not None:
            add((node, IG.interventionKind, kind))
        for cell in _split(row.get("skr_category", ""), ";"):
            add((node, IG.skrCategory, words.concept("skr-category", cell) or Literal(cell)))
        for cell in _split(row.get("target", ""), ";"):
            slug_en = TARGET_GROUPS.get(cell)
            concept = URIRef(iris.concept("target-group", slug_en, base)) if slug_en else None
            add((node, IG.targetGroup, concept or words.concept("target-group", cell) or Literal(cell)))
        for key, prop in (("age_min", IG.minAge), ("age_max", IG.maxAge), ("sessions", IG.numberOfSessions)):
            if row.get(key):
                add((node, prop, integer(row[key])))
        if row.get("description_sv"):
            add((node, SKOS.definition, Literal(row["description_sv"], lang="sv")))
        for source in _split(row.get("source", ""), ";"):
            add((node, DCTERMS.source, Literal(source)))
    return graph


def describe_scheme(graph: Graph, scheme: URIRef, *, edition: str, day: str, source: str) -> None:
    """The catalogue's concept scheme as of this edition: its name (``owl:versionInfo``) and date."""
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, SKOS.prefLabel, Literal("Nationell insatskatalog", lang="sv")))
    graph.add((scheme, SKOS.prefLabel, Literal("National intervention catalogue", lang="en")))
    for prop in (OWL.versionInfo, DCTERMS.issued, DCTERMS.source):
        graph.remove((scheme, prop, None))
    graph.add((scheme, OWL.versionInfo, Literal(edition)))
    graph.add((scheme, DCTERMS.issued, Literal(day, datatype=XSD.date)))
    graph.add((scheme, DCTERMS.source, Literal(source)))


# -- validation ------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _shapes(folder: Path, base: str, stamp: tuple[float, ...]) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph += read_turtle(path, base)
    return graph


def entry_shapes(settings: Settings) -> Graph:
    """The shapes of ``shapes/catalogue/``, cached until a file changes."""
    folder = settings.shapes_dir / "catalogue"
    return _shapes(folder, settings.base, tuple(p.stat().st_mtime for p in sorted(folder.glob("*.ttl"))))


def validate_edition(graph: Graph, settings: Settings, *, file: str | None = None) -> ValidationReport:
    """Every problem of the edition's entries, by row and column (a duplicate id at its later row)."""
    _conforms, report, _text = pyshacl.validate(
        graph, shacl_graph=entry_shapes(settings), inference="none", advanced=False, allow_warnings=True
    )
    results = []
    seen: set[tuple[str, str, str]] = set()
    for node in report.objects(None, SH.result):
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        shape = str(report.value(node, SH.sourceShape))
        key = (str(focus), str(path), shape)
        if key in seen:  # one per rule and entry, not per facet of the rule
            continue
        seen.add(key)
        rows = sorted(int(str(r)) for r in graph.objects(focus, IG.sourceRow))
        value = report.value(node, SH.value)
        messages = {getattr(m, "language", None): str(m) for m in report.objects(node, SH.resultMessage)}
        component = str(report.value(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        results.append(
            Result(
                severity=str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
                message_sv=messages.get("sv", ""),
                message_en=messages.get("en", messages.get(None, "")),
                focus=str(focus),
                path=str(path) if path is not None else None,
                value=str(value) if value is not None else None,
                row=(rows[-1] if path == IG.sourceRow else rows[0]) if rows else None,
                column=PATH_FIELD.get(str(path)),
                shape=shape,
                component=component,
            )
        )
    wrong_ages = {
        r.focus
        for r in results
        if r.path in (str(IG.minAge), str(IG.maxAge)) and "Less" not in (r.component or "")
    }
    results = [  # "reversed" says nothing when an age is not a number itself
        r for r in results if not ("LessThan" in (r.component or "") and r.focus in wrong_ages)
    ]
    results.sort(key=lambda r: (r.row or 0, r.column or "", r.message_en))
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=results, file=file)


def without_rows(graph: Graph) -> Graph:
    """The edition as stored: the file's row numbers were for the report only."""
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=True)
    for triple in graph:
        if triple[1] != IG.sourceRow:
            out.add(triple)
    return out
