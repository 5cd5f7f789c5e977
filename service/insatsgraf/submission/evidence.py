"""Evidence assessments: a curator's table of registry ratings → ``ig:EvidenceAssessment`` records, checked.

A row says that a registry (Blueprints, CEBC, the Grüne Liste, …) rated a catalogue programme at a level of
the registry's own scale on a date, with a link; optionally the outcome, the direction (positive, no effect,
harmful), the population, a note, and the programme's page in the registry (``registry_page``: a
curator-stated ``skos:exactMatch``, never guessed). The file is read by the safe readers of ``ingest.py``
(sizes, rows, time bounded) and every row is checked against the store: the programme must be in the
catalogue, the registry known, the rating a level of *that* registry's scale (``data/ttl/evidence-scales.ttl``),
the date a date not in the future, the links http(s). The first problem is a ``UserError`` with file, row and
column, and nothing is written; a good file becomes the collection ``evidence/{key}`` in one write
(``curated.commit``: current graph, history copy, PROV record).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from insatsgraf.catalogue import rq
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph
from insatsgraf.sparql.store import Store
from insatsgraf.submission import curated
from insatsgraf.submission.columns import header_key
from insatsgraf.submission.ingest import (
    URL,
    Deadline,
    read_cells,
    read_source,
    sha256,
    too_many_rows,
)
from insatsgraf.submission.validate import validate_graph

OA = Namespace("http://www.w3.org/ns/oa#")
DEFAULT_KEY = "assessments"
"""The collection a file goes to unless ``--collection`` names another (a re-import replaces it)."""

REQUIRED = ("programme", "registry", "rating", "date", "url")
OPTIONAL = ("outcome", "direction", "population", "note", "registry_page")
ALIASES: dict[str, tuple[str, ...]] = {
    "programme": ("program", "programme", "program_id", "programme_id", "insats"),
    "registry": ("register", "registry", "evidensregister", "databas"),
    "rating": ("bedömning", "betyg", "nivå", "rating", "level", "evidensnivå"),
    "date": ("datum", "date", "bedömningsdatum", "assessed"),
    "url": ("länk", "url", "link", "källa"),
    "outcome": ("utfall", "outcome"),
    "direction": ("riktning", "direction", "effektriktning", "effekt"),
    "population": ("population", "grupp", "målgrupp"),
    "note": ("anteckning", "kommentar", "note", "comment"),
    "registry_page": ("registersida", "programsida", "registry_page", "registry_url", "exact_match"),
}
"""Header names a file may use, Swedish first, compared loosely (``columns.header_key``)."""
HEADERS = {header_key(alias): name for name, aliases in ALIASES.items() for alias in aliases}

DIRECTIONS = {
    "positive": "positive",
    "positiv": "positive",
    "gynnsam": "positive",
    "no-effect": "no-effect",
    "no effect": "no-effect",
    "ingen effekt": "no-effect",
    "harmful": "harmful",
    "skadlig": "harmful",
    "negativ": "harmful",
}
"""What the direction column takes (casefolded) → the notation in the effect-direction scheme."""


@dataclass
class Level:
    iri: str
    notation: str
    rank: int | None
    names: set[str] = field(default_factory=set)


@dataclass
class Registry:
    iri: str
    notation: str
    names: set[str] = field(default_factory=set)
    levels: dict[str, Level] = field(default_factory=dict)

    def find(self, cell: str) -> Level | None:
        folded = cell.strip().casefold()
        for level in self.levels.values():
            if folded == level.notation.casefold() or folded in level.names:
                return level
        return None

    def shown(self) -> str:
        ordered = sorted(self.levels.values(), key=lambda lv: -(lv.rank or 0))
        return ", ".join(lv.notation for lv in ordered)


def registries(store: Store) -> dict[str, Registry]:
    """The registries the store knows and their levels (``rq/evidence-scales.rq``), by notation."""
    found: dict[str, Registry] = {}
    for row in store.query(rq.read("evidence-scales")).table():
        reg = found.setdefault(row["registryId"], Registry(row["registry"], row["registryId"]))
        if row.get("registryName"):
            reg.names.add(row["registryName"].casefold())
        if row.get("level"):
            rank = row.get("rank")
            level = reg.levels.setdefault(
                row["level"], Level(row["level"], row["levelId"], int(rank) if rank else None)
            )
            if row.get("levelName"):
                level.names.add(row["levelName"].casefold())
    return found


def programmes(store: Store) -> dict[str, tuple[str, str]]:
    """Every name a curator may write for a catalogue programme (casefolded) → (IRI, id)."""
    names: dict[str, tuple[str, str]] = {}
    rows = store.query(rq.read("evidence-programmes")).table()
    for row in rows:  # ids first: an id always wins over another programme's label
        names[row["id"].casefold()] = names[row["iri"]] = (row["iri"], row["id"])
    for row in rows:
        if row.get("name"):
            names.setdefault(row["name"].casefold(), (row["iri"], row["id"]))
    return names


@dataclass
class Problem:
    """Where a row went wrong, for the ``UserError``."""

    file: str
    row: int
    columns: dict[str, str]

    def error(self, column: str, en: str, sv: str, code: str) -> UserError:
        return UserError(
            en, sv, file=self.file, row=self.row, column=self.columns.get(column, column), code=code
        )


def read_rows(
    data: bytes, name: str, settings: Settings
) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    """(canonical column → header as written, rows) of a CSV or XLSX file, through the safe readers."""
    limits = settings.limits
    deadline = Deadline(limits.max_seconds)
    cells = read_cells(
        data, name, limits, deadline, ("a spreadsheet (CSV or XLSX)", "ett kalkylark (CSV eller XLSX)")
    )
    if sum(1 for raw in cells if any(c.strip() for c in raw)) > limits.max_rows + 1:
        raise too_many_rows(name, limits)
    start = next((i for i, raw in enumerate(cells) if any(c.strip() for c in raw)), None)
    if start is None:
        raise UserError("the file is empty", "filen är tom", file=name, code="empty")
    header = [c.strip().lstrip("\ufeff") for c in cells[start]]
    allowed = ", ".join((*REQUIRED, *OPTIONAL))
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        col = HEADERS.get(header_key(h))
        if col is None:
            raise UserError(
                f'unknown column "{h}"; the columns are {allowed} (or their Swedish names: program, register, '
                "bedömning, datum, länk, utfall, riktning, population, anteckning, registersida)",
                f'okänd kolumn "{h}"; kolumnerna är program, register, bedömning, datum, länk och valfritt '
                f"utfall, riktning, population, anteckning, registersida (eller {allowed})",
                file=name,
                row=start + 1,
                column=h,
                code="unknown-column",
            )
        if col in index:
            raise UserError(
                f'column "{col}" appears twice',
                f'kolumnen "{col}" finns två gånger',
                file=name,
                row=start + 1,
                column=h,
                code="duplicate-column",
            )
        index[col], written[col] = i, h
    for col in REQUIRED:
        if col not in index:
            raise UserError(
                f'the required column "{col}" is missing; a file needs {", ".join(REQUIRED)}',
                f'den obligatoriska kolumnen "{col}" saknas; filen behöver {", ".join(REQUIRED)}',
                file=name,
                row=start + 1,
                column=col,
                code="missing-column",
            )
    rows = []
    for number, raw in enumerate(cells[start + 1 :], start=start + 2):
        stray = next(
            (i for i, v in enumerate(raw) if v.strip() and (i >= len(header) or not header[i])), None
        )
        if stray is not None:
            raise UserError(
                f'a value in a column without a header: "{raw[stray][:40]}"',
                f'ett värde i en kolumn utan rubrik: "{raw[stray][:40]}"',
                file=name,
                row=number,
                column=column_letter(stray),
                code="headerless-value",
            )
        row = {col: (raw[i].strip() if i < len(raw) else "") for col, i in index.items()}
        if any(row.values()):
            rows.append((number, row))
        if len(rows) % 256 == 0:
            deadline.check(name)
    if not rows:
        raise UserError(
            "the file has a header but no rows",
            "filen har en rubrikrad men inga rader",
            file=name,
            row=start + 2,
            code="no-rows",
        )
    return written, rows


def column_letter(index: int) -> str:
    """A 0-based column index as Excel writes it (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _date(cell: str, where: Problem, today: date) -> date:
    try:
        day = date.fromisoformat(cell[:10]) if len(cell) >= 10 and cell[10:].strip(" T0:") == "" else None
    except ValueError:
        day = None
    if day is None:
        raise where.error(
            "date",
            f'"{cell[:40]}" is not a date: write it as YYYY-MM-DD, e.g. 2021-05-01',
            f'"{cell[:40]}" är inget datum: skriv det som ÅÅÅÅ-MM-DD, t.ex. 2021-05-01',
            "bad-date",
        )
    if day > today:
        raise where.error(
            "date",
            f"{day.isoformat()} is in the future: give the date the registry published the rating",
            f"{day.isoformat()} ligger i framtiden: ange datumet då registret publicerade bedömningen",
            "future-date",
        )
    return day


def _url(cell: str, column: str, where: Problem) -> URIRef:
    if not URL.match(cell):
        raise where.error(
            column,
            f'"{cell[:60]}" is not a web address: give the http(s) link to the registry\'s page',
            f'"{cell[:60]}" är ingen webbadress: ange http(s)-länken till registrets sida',
            "bad-url",
        )
    return URIRef(cell)


def to_graph(
    rows: Iterable[tuple[int, dict[str, str]]],
    written: dict[str, str],
    name: str,
    store: Store,
    settings: Settings,
    today: date | None = None,
) -> Graph:
    """The assessments of the rows, each checked; the first bad cell raises with its row and column."""
    today = today or date.today()
    known_programmes, known_registries = programmes(store), registries(store)
    if not known_registries:
        raise UserError(
            "the store holds no evidence registries (data/ttl/evidence-scales.ttl): run `insatsgraf load`",
            "databasen har inga evidensregister (data/ttl/evidence-scales.ttl): kör `insatsgraf load`",
            file=name,
            code="no-registries",
        )
    by_name = {n: reg for reg in known_registries.values() for n in (reg.notation.casefold(), *reg.names)}
    graph = new_graph(settings.base)
    graph.bind("oa", OA)
    taken: set[str] = set()
    for number, row in rows:
        where = Problem(name, number, written)
        for col in REQUIRED:
            if not row[col]:
                raise where.error(
                    col,
                    f'the column "{col}" is empty: every row needs {", ".join(REQUIRED)}',
                    f'kolumnen "{written.get(col, col)}" är tom: varje rad behöver program, register, bedömning, '
                    "datum och länk",
                    "missing-value",
                )
        found = known_programmes.get(row["programme"].casefold()) or known_programmes.get(row["programme"])
        if found is None:
            raise where.error(
                "programme",
                f'"{row["programme"][:60]}" is not a programme of the catalogue: give its id '
                "(e.g. komet) or its name as the catalogue writes it",
                f'"{row["programme"][:60]}" är inget program i katalogen: ange dess id (t.ex. komet) eller '
                "namnet som katalogen skriver det",
                "unknown-programme",
            )
        programme, programme_id = found
        registry = by_name.get(row["registry"].casefold())
        if registry is None:
            names = ", ".join(sorted(known_registries))
            raise where.error(
                "registry",
                f'"{row["registry"][:60]}" is not a known evidence registry; known: {names}',
                f'"{row["registry"][:60]}" är inget känt evidensregister; kända: {names}',
                "unknown-registry",
            )
        if not registry.levels:
            raise where.error(
                "rating",
                f"no rating scale is encoded for {registry.notation} yet (see "
                "data/reference/evidence/SOURCE.md): its ratings cannot be imported",
                f"ingen bedömningsskala är kodad för {registry.notation} ännu (se "
                "data/reference/evidence/SOURCE.md): dess bedömningar kan inte importeras",
                "no-scale",
            )
        level = registry.find(row["rating"])
        if level is None:
            raise where.error(
                "rating",
                f'"{row["rating"][:60]}" is not a level of {registry.notation}\'s scale; its levels '
                f"are {registry.shown()} (or their published names)",
                f'"{row["rating"][:60]}" är ingen nivå på {registry.notation}s skala; nivåerna är '
                f"{registry.shown()} (eller deras publicerade namn)",
                "rating-not-in-scale",
            )
        day = _date(row["date"], where, today)
        page = _url(row["url"], "url", where)
        stem = f"{base_id(programme_id)}/{registry.notation}-{day.isoformat()}"
        slug, n = stem, 1
        while slug in taken:
            n += 1
            slug = f"{stem}-{n}"
        taken.add(slug)
        subject = URIRef(f"{settings.base}id/assessment/{slug}")
        graph.add((subject, RDF.type, IG.EvidenceAssessment))
        graph.add(
            (subject, RDFS.label, Literal(f"{registry.notation}: {level.notation} ({day.isoformat()})"))
        )
        graph.add((subject, OA.hasTarget, URIRef(programme)))
        graph.add((subject, PROV.wasAttributedTo, URIRef(registry.iri)))
        graph.add((subject, IG.rating, URIRef(level.iri)))
        graph.add((subject, DCTERMS.date, Literal(day.isoformat(), datatype=XSD.date)))
        graph.add((subject, FOAF.page, page))
        graph.add((subject, IG.sourceRow, Literal(number)))
        for col, prop in (("outcome", IG.outcome), ("population", IG.population), ("note", SKOS.note)):
            if row.get(col, "").startswith("="):  # a spreadsheet formula, not text (formula injection)
                raise where.error(
                    col,
                    "the cell starts with '=' and is a formula: write the text without '='",
                    "cellen börjar med '=' och är en formel: skriv texten utan '='",
                    "formula",
                )
            if row.get(col):
                graph.add((subject, prop, Literal(row[col])))
        if row.get("direction"):
            direction = DIRECTIONS.get(row["direction"].casefold())
            if direction is None:
                raise where.error(
                    "direction",
                    f'"{row["direction"][:40]}" is not a direction: write positive, no effect or '
                    "harmful (positiv, ingen effekt, skadlig)",
                    f'"{row["direction"][:40]}" är ingen riktning: skriv positiv, ingen effekt eller skadlig',
                    "bad-direction",
                )
            graph.add(
                (
                    subject,
                    IG.effectDirection,
                    URIRef(iris.concept("effect-direction", direction, settings.base)),
                )
            )
        if row.get("registry_page"):
            graph.add(
                (URIRef(programme), SKOS.exactMatch, _url(row["registry_page"], "registry_page", where))
            )
    return graph


def base_id(programme_id: str) -> str:
    return iris.slug(programme_id) or "programme"


def check_shapes(graph: Graph, store: Store, settings: Settings, name: str) -> None:
    """``shapes/`` over the new records (the submission validator, which fetches the referenced programmes',
    registries' and levels' types from the store): the model's own rules, as a last check."""
    report = validate_graph(graph, store, settings, file=name)
    if not report.conforms:
        first = report.violations[0]
        raise UserError(
            f"an assessment breaks the model's rules: {first.message_en}",
            f"en bedömning bryter mot modellens regler: {first.message_sv}",
            file=name,
            row=first.row,
            column=first.column,
            code="validation-failed",
        )


def parse(
    source: str | Path | bytes,
    filename: str | None,
    store: Store,
    settings: Settings,
    today: date | None = None,
) -> tuple[Graph, bytes, str]:
    """(the checked assessments graph, the file's bytes, its name); nothing is written."""
    data, name = read_source(source, filename, settings)
    written, rows = read_rows(data, name, settings)
    graph = to_graph(rows, written, name, store, settings, today)
    check_shapes(graph, store, settings, name)
    return graph, data, name


def import_file(
    store: Store,
    settings: Settings,
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    key: str = DEFAULT_KEY,
    by: str | None = None,
    today: date | None = None,
) -> curated.Imported:
    """Check the file and make it the collection ``evidence/{key}``, in one write; a bad file writes nothing."""
    curated.Collection("evidence", key)  # a bad key is refused before the file is read
    graph, data, name = parse(source, filename, store, settings, today)
    return save(store, settings, graph, data, name, key=key, by=by, today=today)


def save(
    store: Store,
    settings: Settings,
    graph: Graph,
    data: bytes,
    name: str,
    *,
    key: str = DEFAULT_KEY,
    by: str | None = None,
    today: date | None = None,
) -> curated.Imported:
    """Write a graph ``parse`` checked as the collection's current data (the one write, e.g. under a lock)."""
    day = (today or date.today()).isoformat()
    return curated.commit(
        store,
        settings,
        curated.Collection("evidence", key),
        graph,
        filename=name,
        digest=sha256(data),
        day=day,
        by=by,
    )


def assessments(store: Store) -> list[dict[str, str]]:
    """Every assessment in the store, newest first (``rq/evidence-assessments.rq``)."""
    return store.query(rq.read("evidence-assessments")).table()


LIST_COLUMNS = ("programmeId", "registryId", "ratingId", "levelId", "date", "url", "outcome", "directionId")
"""The columns ``insatsgraf evidence list`` shows."""
