"""Figures beside the offerings: a statistics table (CSV or XLSX) → one ``qb:DataSet`` of the Data Cube.

A table covers many organisations: columns ``org,period,measure,value`` and optionally ``sex, age_from,
age_to, offering, programme, problem_area, reason, unit, source`` (Swedish aliases as in the submission
contract). Every cell is checked here, row by row, so a refusal names file, row and column: an unknown
organisation, measure or code, a value that is no number, a negative count, a period like ``2017-13``, two
rows with the same dimension values (Data Cube IC-12). The table built is then checked against the Data
Cube shapes (``shapes/statistics.ttl``) and written as a curated collection (``curated.py``) keyed by its
source and period: one write, a history copy and a PROV record; a re-import of the same source and period
replaces it. Nothing is written when anything fails.

Comparison groups ("R9") are collections of the same kind: ``define_group`` writes one
``org:OrganizationalCollaboration`` whose members are organisations of the register.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, ORG, PROV, RDF, RDFS, SH, SKOS, XSD

from insatsgraf.catalogue import resolve, rq
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import cube, iris, vocab
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph, read_turtle
from insatsgraf.model.vocab import normalise
from insatsgraf.sparql.store import Store
from insatsgraf.submission import curated
from insatsgraf.submission.columns import header_key
from insatsgraf.submission.ingest import (
    Deadline,
    _letter,
    read_cells,
    read_source,
    sha256,
)

STRUCTURE_FILE = "statistics-structure.ttl"
SHAPES_FILE = "statistics.ttl"

COLUMNS: dict[str, tuple[str, ...]] = {
    "org": ("organisation", "organization", "kommun", "org_id"),
    "period": ("år", "year", "tid"),
    "measure": ("mått", "nyckeltal"),
    "value": ("värde", "antal"),
    "sex": ("kön",),
    "age_from": ("ålder_från", "alder_fran", "min_age"),
    "age_to": ("ålder_till", "alder_till", "max_age"),
    "offering": ("insats", "erbjudande"),
    "programme": ("program", "program_id", "programme_id"),
    "problem_area": ("problemområde", "problemomrade"),
    "reason": ("orsak_till_avslut", "avslutsorsak", "ending_reason"),
    "unit": ("enhet",),
    "source": ("källa", "kalla"),
}
"""Canonical column → the other headers accepted (compared after ``columns.header_key``)."""
REQUIRED = ("org", "period", "measure", "value")
HEADERS = {header_key(alias): name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}

OWN_COUNT = "organisationens egen uppgift / the organisation's own count"
"""The source of a figure whose table names none: the organisation's own count, attributed to it."""


# -- the structure's code lists --------------------------------------------------------------------


@dataclass(frozen=True)
class Codes:
    """What the structure file lets a cell name: measures, units, sexes, reasons (normalised label → IRI)."""

    measures: dict[str, URIRef]
    units: dict[str, URIRef]
    sexes: dict[str, URIRef]
    reasons: dict[str, URIRef]
    default_unit: dict[URIRef, URIRef]
    non_negative: frozenset[URIRef]
    shown: dict[str, list[str]]
    """scheme → the notations, for "allowed values" messages."""


@lru_cache(maxsize=4)
def _codes(path: Path, base: str, stamp: float) -> Codes:
    graph = read_turtle(path, base)
    tables: dict[str, dict[str, URIRef]] = {}
    shown: dict[str, list[str]] = {}
    for concept, scheme in graph.subject_objects(SKOS.inScheme):
        name = str(scheme).rsplit("/", 1)[-1]
        table = tables.setdefault(name, {})
        for prop in (SKOS.notation, SKOS.prefLabel, SKOS.altLabel):
            for label in graph.objects(concept, prop):
                table.setdefault(normalise(str(label)), URIRef(str(concept)))
        shown.setdefault(name, []).extend(str(n) for n in graph.objects(concept, SKOS.notation))
    units = {
        URIRef(str(m)): URIRef(str(u)) for m, u in graph.subject_objects(cube.SDMX_ATTRIBUTE.unitMeasure)
    }
    return Codes(
        measures=tables.get("measure", {}),
        units=tables.get("unit", {}),
        sexes=tables.get("sex", {}),
        reasons=tables.get("ending-reason", {}),
        default_unit={m: u for m, u in units.items() if (m, SKOS.inScheme, None) in graph},
        non_negative=frozenset(
            URIRef(str(m)) for m in graph.objects(URIRef(cube.non_negative(base)), SKOS.member)
        ),
        shown={k: sorted(v) for k, v in shown.items()},
    )


def codes(settings: Settings) -> Codes:
    path = settings.data_dir / STRUCTURE_FILE
    return _codes(path, settings.base, path.stat().st_mtime)


def structure_graph(settings: Settings) -> Graph:
    return read_turtle(settings.data_dir / STRUCTURE_FILE, settings.base)


# -- reading the table -----------------------------------------------------------------------------


@dataclass
class Cell:
    """A row's cells by canonical column, with the header each came from (for error messages)."""

    number: int
    values: dict[str, str]
    headers: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


def read_rows(data: bytes, name: str, settings: Settings, deadline: Deadline | None = None) -> list[Cell]:
    """The table's rows, its header checked against ``COLUMNS`` (unknown or missing columns refused)."""
    limits = settings.limits
    cells = read_cells(data, name, limits, deadline, ("a table (CSV or XLSX)", "en tabell (CSV eller XLSX)"))
    while cells and not any(c.strip() for c in cells[0]):
        cells = cells[1:]
    if not cells:
        raise UserError("the file is empty", "filen är tom", file=name, code="empty")
    header = [c.strip().lstrip("\ufeff") for c in cells[0]]
    allowed = ", ".join(COLUMNS)
    seen: dict[str, int] = {}
    for i, text in enumerate(header):
        if not text:
            continue
        column = HEADERS.get(header_key(text))
        if column is None:
            raise UserError(
                f'unknown column "{text}"; a statistics table has the columns {allowed}',
                f'okänd kolumn "{text}"; en statistiktabell har kolumnerna {allowed}',
                file=name,
                row=1,
                column=text,
                code="unknown-column",
            )
        if column in seen:
            raise UserError(
                f'column "{column}" appears twice',
                f'kolumnen "{column}" finns två gånger',
                file=name,
                row=1,
                column=text,
                code="duplicate-column",
            )
        seen[column] = i
    for column in REQUIRED:
        if column not in seen:
            raise UserError(
                f'the required column "{column}" is missing (a statistics table has at least '
                f"{', '.join(REQUIRED)})",
                f'den obligatoriska kolumnen "{column}" saknas (en statistiktabell har minst '
                f"{', '.join(REQUIRED)})",
                file=name,
                row=1,
                column=column,
                code="missing-column",
            )
    headers = {column: header[i] for column, i in seen.items()}
    rows: list[Cell] = []
    for number, raw in enumerate(cells[1:], start=2):
        for i, value in enumerate(raw):
            if value.strip() and (i >= len(header) or not header[i]):
                raise UserError(
                    f'a value in a column without a header: "{value[:40]}"',
                    f'ett värde i en kolumn utan rubrik: "{value[:40]}"',
                    file=name,
                    row=number,
                    column=_letter(i),
                    code="headerless-value",
                )
        values = {column: (raw[i].strip() if i < len(raw) else "") for column, i in seen.items()}
        if any(values.values()):
            rows.append(Cell(number, values, headers))
    if not rows:
        raise UserError(
            "the file has a header but no rows", "filen har en rubrikrad men inga rader", file=name, row=2
        )
    return rows


# -- cells → terms ---------------------------------------------------------------------------------

YEAR = re.compile(r"^(\d{4})$")
HALF = re.compile(r"^(\d{4})-[HhSs]([12])$")
QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:/|--|–)\s*(\d{4}-\d{2}-\d{2})$")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Period:
    notation: str
    """``2019`` for a calendar year, else ``start/end``."""
    start: date
    end: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period | None:
    """A year (``2019``), half (``2019-H1``), quarter (``2019-Q3``), month (``2019-05``) or a start and end
    date (``2019-01-01/2019-06-30``); ``None`` for anything else, ``2017-13`` included."""
    text = text.strip()
    try:
        if m := YEAR.match(text):
            start, end = date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
        elif m := HALF.match(text):
            year, half = int(m[1]), int(m[2])
            start = date(year, 1 if half == 1 else 7, 1)
            end = date(year, 6, 30) if half == 1 else date(year, 12, 31)
        elif m := QUARTER.match(text):
            year, quarter = int(m[1]), int(m[2])
            start, end = date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
        elif m := MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            start, end = date(year, month, 1), _month_end(year, month)
        elif m := RANGE.match(text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        else:
            return None
    except ValueError:
        return None
    if end < start or not 1900 <= start.year <= 2200 or end.year > 2200:
        return None
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return Period(str(start.year), start, end)
    return Period(f"{start.isoformat()}/{end.isoformat()}", start, end)


def parse_number(text: str) -> Decimal | None:
    """``1 234``, ``12,5`` (a Swedish decimal comma) or ``12.5``; ``None`` for anything else."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not NUMBER.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


@dataclass
class Lookups:
    """What the store holds that a table may name: organisations, groups, programmes, offerings."""

    organisations: dict[str, str]
    """casefolded id or name → IRI (register organisations and comparison groups)."""
    programmes: dict[str, str]
    offerings: dict[tuple[str, str], str]
    """(organisation IRI, casefolded local name or slug) → offering IRI."""
    problem_areas: vocab.Vocabulary

    @classmethod
    def from_store(cls, store: Store, settings: Settings) -> Lookups:
        orgs: dict[str, str] = {}
        register = resolve.organisations(store)
        for item in register:
            orgs.setdefault(item.id.casefold(), item.value)
        for item in register:
            if item.label:
                orgs.setdefault(item.label.casefold(), item.value)
        for row in store.query(rq.read("statistics-groups")).table():
            orgs.setdefault(row.get("id", "").casefold(), row["iri"])
            if row.get("label"):
                orgs.setdefault(row["label"].casefold(), row["iri"])
        programmes: dict[str, str] = {}
        catalogue = resolve.programmes(store)
        for item in catalogue:
            programmes.setdefault(item.id.casefold(), item.value)
        for item in catalogue:
            if item.label:
                programmes.setdefault(item.label.casefold(), item.value)
        return cls(orgs, programmes, {}, vocab.load(settings))

    def load_offerings(self, store: Store, org_iris: list[str]) -> None:
        safe = sorted({o for o in org_iris if _safe(o)})
        if not safe:
            return
        for row in store.query(rq.values(rq.read("statistics-offerings"), "org", safe)).table():
            offering = row["offering"]
            self.offerings.setdefault((row["org"], row["name"].casefold()), offering)
            self.offerings.setdefault((row["org"], offering.rsplit("/", 1)[-1]), offering)


def _safe(iri: str) -> bool:
    try:
        rq.iri_term(iri)
    except rq.UnsafeIri:
        return False
    return True


@dataclass
class Observation:
    row: int
    iri: URIRef
    dimensions: dict[URIRef, URIRef]
    value: Decimal
    unit: URIRef
    source: str
    attributed: URIRef | None


class TableReader:
    """Turns checked rows into observations, raising the first fault with its file, row and column."""

    def __init__(self, name: str, settings: Settings, lookups: Lookups, source: str | None):
        self.name = name
        self.base = settings.base
        self.codes = codes(settings)
        self.lookups = lookups
        self.source = source.strip() if source else None
        self.total = URIRef(cube.total(self.base))
        self.periods: dict[str, Period] = {}
        self.age_bands: dict[str, tuple[int, int]] = {}

    def fault(self, cell: Cell, column: str, en: str, sv: str, code: str) -> UserError:
        return UserError(
            en, sv, file=self.name, row=cell.number, column=cell.headers.get(column, column), code=code
        )

    def code(
        self, cell: Cell, column: str, table: dict[str, URIRef], scheme: str, what: tuple[str, str]
    ) -> URIRef:
        text = cell.get(column)
        found = table.get(normalise(text))
        if found is None:
            allowed = ", ".join(self.codes.shown.get(scheme, []))
            raise self.fault(
                cell,
                column,
                f'unknown {what[0]} "{text[:60]}"; allowed: {allowed}',
                f'okänt {what[1]} "{text[:60]}"; tillåtna: {allowed}',
                f"unknown-{scheme}",
            )
        return found

    def organisation(self, cell: Cell) -> str:
        text = cell.get("org")
        iri = self.lookups.organisations.get(text.casefold())
        if iri is None:
            raise self.fault(
                cell,
                "org",
                f'unknown organisation "{text[:60]}": not in the register nor a comparison group; write a '
                "kommunkod or id (0580, 0180-bromma), a name (Linköping) or a group's name (R9)",
                f'okänd organisation "{text[:60]}": finns inte i registret och är ingen jämförelsegrupp; skriv '
                "en kommunkod eller ett id (0580, 0180-bromma), ett namn (Linköping) eller en grupps namn (R9)",
                "unknown-organisation",
            )
        return iri

    def period(self, cell: Cell) -> URIRef:
        text = cell.get("period")
        found = parse_period(text)
        if found is None:
            raise self.fault(
                cell,
                "period",
                f'"{text[:40]}" is not a period: write a year (2019), a half or quarter year (2019-H1, '
                "2019-Q3), a month (2019-05) or a start and end date (2019-01-01/2019-06-30)",
                f'"{text[:40]}" är ingen period: skriv ett år (2019), ett halvår eller kvartal (2019-H1, '
                "2019-Q3), en månad (2019-05) eller ett start- och slutdatum (2019-01-01/2019-06-30)",
                "bad-period",
            )
        self.periods[found.notation] = found
        return URIRef(cube.period(found.notation, self.base))

    def age(self, cell: Cell) -> URIRef:
        low_text, high_text = cell.get("age_from"), cell.get("age_to")
        if not low_text and not high_text:
            return self.total
        ages: list[int] = []
        for column, text in (("age_from", low_text), ("age_to", high_text)):
            if not re.fullmatch(r"\d{1,3}", text) or int(text) > 130:
                raise self.fault(
                    cell,
                    column,
                    f'"{text[:20]}" is not an age: write whole years 0–130 in both age_from and age_to',
                    f'"{text[:20]}" är ingen ålder: skriv hela år 0–130 i både ålder_från och ålder_till',
                    "bad-age",
                )
            ages.append(int(text))
        low, high = ages
        if low > high:
            raise self.fault(
                cell,
                "age_to",
                f"the age band ends ({high}) before it starts ({low})",
                f"åldersgruppen slutar ({high}) innan den börjar ({low})",
                "bad-age",
            )
        iri = cube.age_band(low, high, self.base)
        self.age_bands[iri] = (low, high)
        return URIRef(iri)

    def subject(self, cell: Cell, org: str) -> URIRef:
        offering, programme = cell.get("offering"), cell.get("programme")
        if offering and programme:
            raise self.fault(
                cell,
                "programme",
                "name an offering or a programme, not both (an offering already says its programme)",
                "ange ett erbjudande eller ett program, inte båda (erbjudandet anger redan sitt program)",
                "subject-twice",
            )
        if offering:
            found = self.lookups.offerings.get((org, offering.casefold())) or self.lookups.offerings.get(
                (org, iris.slug(offering))
            )
            if found is None:
                raise self.fault(
                    cell,
                    "offering",
                    f'the organisation has no offering "{offering[:60]}" (its local name in its submission)',
                    f'organisationen har inget erbjudande "{offering[:60]}" (det lokala namnet i dess inrapportering)',
                    "unknown-offering",
                )
            return URIRef(found)
        if programme:
            found = self.lookups.programmes.get(programme.casefold())
            if found is None:
                raise self.fault(
                    cell,
                    "programme",
                    f'no programme "{programme[:60]}" in the catalogue (write its id, e.g. komet, or its name)',
                    f'inget program "{programme[:60]}" i katalogen (skriv dess id, t.ex. komet, eller namn)',
                    "unknown-programme",
                )
            return URIRef(found)
        return self.total

    def problem_area(self, cell: Cell) -> URIRef:
        text = cell.get("problem_area")
        if not text:
            return self.total
        found = self.lookups.problem_areas.concept("problem-area", text)
        if found is None:
            allowed = ", ".join(self.lookups.problem_areas.display.get("problem-area", []))
            raise self.fault(
                cell,
                "problem_area",
                f'unknown problem area "{text[:60]}"; allowed: {allowed}',
                f'okänt problemområde "{text[:60]}"; tillåtna: {allowed}',
                "unknown-problem-area",
            )
        return found

    def observation(self, cell: Cell, key: str) -> Observation:
        org = self.organisation(cell)
        period = self.period(cell)
        measure = self.code(cell, "measure", self.codes.measures, "measure", ("measure", "mått"))
        sex = (
            self.code(cell, "sex", self.codes.sexes, "sex", ("sex", "kön"))
            if cell.get("sex")
            else URIRef(iris.concept("sex", "all", self.base))
        )
        age = self.age(cell)
        subject = self.subject(cell, org)
        problem = self.problem_area(cell)
        reason = (
            self.code(
                cell, "reason", self.codes.reasons, "ending-reason", ("reason for ending", "avslutsorsak")
            )
            if cell.get("reason")
            else self.total
        )
        text = cell.get("value")
        value = parse_number(text)
        if value is None:
            raise self.fault(
                cell,
                "value",
                f'"{text[:40]}" is not a number: write digits, with a decimal comma or point (12,5)',
                f'"{text[:40]}" är inget tal: skriv siffror, med decimalkomma eller -punkt (12,5)',
                "not-a-number",
            )
        if value < 0 and measure in self.codes.non_negative:
            raise self.fault(
                cell,
                "value",
                f"{text} is negative, but a {measure.rsplit('/', 1)[-1]} figure (a count, a population or a "
                "waiting time) cannot be",
                f"{text} är negativt, men måttet {measure.rsplit('/', 1)[-1]} (ett antal, en befolkning eller en "
                "väntetid) kan inte vara det",
                "negative-value",
            )
        unit = (
            self.code(cell, "unit", self.codes.units, "unit", ("unit", "enhet"))
            if cell.get("unit")
            else self.codes.default_unit[measure]
        )
        source = cell.get("source") or self.source or OWN_COUNT
        dimensions = {
            IG.refOrganisation: URIRef(org),
            cube.SDMX_DIMENSION.refPeriod: period,
            IG.measure: measure,
            cube.SDMX_DIMENSION.sex: sex,
            cube.SDMX_DIMENSION.age: age,
            IG.refSubject: subject,
            IG.refProblemArea: problem,
            IG.endingReason: reason,
        }
        ordered = tuple(str(v) for v in dimensions.values())
        return Observation(
            cell.number,
            URIRef(cube.observation(key, ordered, self.base)),
            dimensions,
            value,
            unit,
            source,
            URIRef(org) if source == OWN_COUNT else None,
        )


# -- the table as a qb:DataSet -----------------------------------------------------------------------


@dataclass
class Prepared:
    collection: curated.Collection
    graph: Graph
    title: str
    filename: str
    digest: str
    observations: int


def collection_for(name: str, periods: list[str]) -> tuple[curated.Collection, str]:
    """The collection keyed by source and period ("Öppna jämförelser 2017"), and the table's title."""
    span = periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"
    title = f"{name} {span}"
    return curated.Collection.named("statistics", title.replace("–", " ")), title


def prepare(
    store: Store, settings: Settings, data: bytes, filename: str, source: str | None = None
) -> Prepared:
    """Read and check a table and build its ``qb:DataSet``; writes nothing."""
    deadline = Deadline(settings.limits.max_seconds)
    data, filename = read_source(data, filename, settings)
    if source is not None and len(source) > 300:
        raise UserError(
            "the source is over 300 characters",
            "källan är över 300 tecken",
            file=filename,
            code="cell-too-long",
        )
    rows = read_rows(data, filename, settings, deadline)
    lookups = Lookups.from_store(store, settings)
    reader = TableReader(filename, settings, lookups, source)
    orgs = []
    for cell in rows:
        if cell.get("offering"):
            orgs.append(reader.organisation(cell))
    lookups.load_offerings(store, orgs)
    # The key needs the periods and the source: a first pass for those, then the observations.
    for cell in rows:
        reader.period(cell)
    sources = {cell.get("source") for cell in rows if cell.get("source")}
    name = (source or "").strip() or (sources.pop() if len(sources) == 1 else Path(filename).stem)
    collection, title = collection_for(name, sorted(reader.periods))
    seen: dict[tuple[str, ...], int] = {}
    observations: list[Observation] = []
    for cell in rows:
        obs = reader.observation(cell, collection.key)
        dims = tuple(str(v) for v in obs.dimensions.values())
        if dims in seen:
            raise reader.fault(
                cell,
                "value",
                f"row {cell.number} gives a second value for the same organisation, period, measure, sex, age, "
                f"offering, problem area and reason as row {seen[dims]} (Data Cube IC-12); keep one of them",
                f"rad {cell.number} ger ett andra värde för samma organisation, period, mått, kön, ålder, insats, "
                f"problemområde och avslutsorsak som rad {seen[dims]} (Data Cube IC-12); behåll en av dem",
                "duplicate-observation",
            )
        seen[dims] = cell.number
        observations.append(obs)
        if len(observations) % 256 == 0:
            deadline.check(filename)
    graph = build_graph(collection, title, name, observations, reader, settings)
    check_shapes(graph, settings, filename)
    deadline.check(filename)
    return Prepared(collection, graph, title, filename, sha256(data), len(observations))


def build_graph(
    collection: curated.Collection,
    title: str,
    name: str,
    observations: list[Observation],
    reader: TableReader,
    settings: Settings,
) -> Graph:
    base = settings.base
    graph = new_graph(base)
    for prefix, ns in cube.PREFIXES.items():
        graph.bind(prefix, ns)
    dataset = URIRef(cube.dataset(collection.key, base))
    add = graph.add
    add((dataset, RDF.type, cube.QB.DataSet))
    add((dataset, cube.QB.structure, URIRef(cube.structure(base))))
    add((dataset, DCTERMS.title, Literal(title)))
    add((dataset, RDFS.label, Literal(title)))
    add((dataset, DCTERMS.source, Literal(name)))
    for notation, period in reader.periods.items():
        iri = URIRef(cube.period(notation, base))
        add((iri, RDF.type, DCTERMS.PeriodOfTime))
        add((iri, SKOS.notation, Literal(notation)))
        add((iri, RDFS.label, Literal(notation)))
        add((iri, DCAT.startDate, Literal(period.start.isoformat(), datatype=XSD.date)))
        add((iri, DCAT.endDate, Literal(period.end.isoformat(), datatype=XSD.date)))
    for iri_text, (low, high) in reader.age_bands.items():
        iri = URIRef(iri_text)
        add((iri, RDFS.label, Literal(f"{low}–{high} år", lang="sv")))
        add((iri, RDFS.label, Literal(f"{low}–{high} years", lang="en")))
        add((iri, IG.minAge, Literal(low, datatype=XSD.integer)))
        add((iri, IG.maxAge, Literal(high, datatype=XSD.integer)))
    for obs in observations:
        add((obs.iri, RDF.type, cube.QB.Observation))
        add((obs.iri, cube.QB.dataSet, dataset))
        for prop, value in obs.dimensions.items():
            add((obs.iri, prop, value))
        add((obs.iri, cube.SDMX_MEASURE.obsValue, number_literal(obs.value)))
        add((obs.iri, cube.SDMX_ATTRIBUTE.unitMeasure, obs.unit))
        add((obs.iri, DCTERMS.source, Literal(obs.source)))
        add((obs.iri, IG.sourceRow, Literal(obs.row, datatype=XSD.integer)))
        if obs.attributed is not None:
            add((obs.iri, PROV.wasAttributedTo, obs.attributed))
    return graph


def number_literal(value: Decimal) -> Literal:
    """A whole number as xsd:integer, anything else as xsd:decimal: both forms survive every serialisation
    unchanged (a decimal ``876`` would come back from Turtle as ``876.0``)."""
    if value == value.to_integral_value():
        return Literal(int(value), datatype=XSD.integer)
    return Literal(value.normalize(), datatype=XSD.decimal)


@lru_cache(maxsize=4)
def _shapes(path: Path, base: str, stamp: float) -> Graph:
    return read_turtle(path, base)


def check_shapes(graph: Graph, settings: Settings, filename: str) -> None:
    """The Data Cube constraints (``shapes/statistics.ttl``) on the table with the structure beside it."""
    path = settings.shapes_dir / SHAPES_FILE
    data = Graph()
    data += graph
    data += structure_graph(settings)
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=_shapes(path, settings.base, path.stat().st_mtime), inference="none"
    )
    if conforms:
        return
    result = next(iter(report.objects(None, SH.result)))
    messages = {getattr(m, "language", None): str(m) for m in report.objects(result, SH.resultMessage)}
    if "en" not in messages or "sv" not in messages:  # SPARQL constraints' messages come back untagged
        shapes = _shapes(path, settings.base, path.stat().st_mtime)
        source = report.value(result, SH.sourceConstraint) or report.value(result, SH.sourceShape)
        messages.update({getattr(m, "language", None): str(m) for m in shapes.objects(source, SH.message)})
    focus = report.value(result, SH.focusNode)
    row = graph.value(focus, IG.sourceRow) if focus is not None else None
    raise UserError(
        f"the table breaks a Data Cube rule: {messages.get('en') or next(iter(messages.values()), '')}",
        f"tabellen bryter mot en regel för Data Cube: {messages.get('sv') or next(iter(messages.values()), '')}",
        file=filename,
        row=int(row) if row is not None else None,
        code="cube-invalid",
    )


def commit(
    store: Store,
    settings: Settings,
    prepared: Prepared,
    *,
    by: str | None = None,
    day: str | None = None,
    now: datetime | None = None,
) -> curated.Imported:
    """Make the table the collection's current data (history copy and PROV record), in one write."""
    return curated.commit(
        store,
        settings,
        prepared.collection,
        prepared.graph,
        filename=prepared.filename,
        digest=prepared.digest,
        day=day or datetime.now(UTC).date().isoformat(),
        by=by,
        now=now,
    )


def import_table(
    store: Store,
    settings: Settings,
    source_file: str | Path | bytes,
    *,
    filename: str | None = None,
    source: str | None = None,
    by: str | None = None,
    day: str | None = None,
) -> curated.Imported:
    """``insatsgraf statistics import``: read, check, write (or raise, writing nothing)."""
    data, name = read_source(source_file, filename, settings)
    return commit(store, settings, prepare(store, settings, data, name, source), by=by, day=day)


def unchanged(store: Store, collection: curated.Collection, digest: str, base: str) -> bool:
    """Is the collection's current import the file with this checksum (so loading again is a no-op)?"""
    return any(r["current"] and r["sha256"] == digest for r in curated.history(store, collection, base))


# -- comparison groups -----------------------------------------------------------------------------


def group_graph(
    name: str, members: list[str], store: Store, settings: Settings, file: str | None
) -> tuple[curated.Collection, Graph]:
    """The ``org:OrganizationalCollaboration`` of a comparison group; members must be in the register."""
    slug = iris.slug(name)
    collection = curated.Collection("statistics", f"group-{slug}"[:80].strip("-"))
    register = resolve.organisations(store)
    known = {item.id.casefold(): item.value for item in register}
    known |= {item.label.casefold(): item.value for item in register if item.label}
    base = settings.base
    graph = new_graph(base)
    iri = URIRef(cube.group(slug, base))
    graph.add((iri, RDF.type, ORG.OrganizationalCollaboration))
    graph.add((iri, DCTERMS.identifier, Literal(slug)))
    graph.add((iri, SKOS.prefLabel, Literal(name.strip())))
    if not members:
        raise UserError(
            f'the group "{name}" has no members',
            f'gruppen "{name}" har inga medlemmar',
            file=file,
            code="no-members",
        )
    for member in members:
        found = known.get(member.strip().casefold())
        if found is None:
            raise UserError(
                f'unknown organisation "{member[:60]}" in group "{name}": not in the register',
                f'okänd organisation "{member[:60]}" i gruppen "{name}": finns inte i registret',
                file=file,
                column="org",
                code="unknown-organisation",
            )
        graph.add((iri, ORG.hasMember, URIRef(found)))
    return collection, graph


def define_group(
    store: Store,
    settings: Settings,
    name: str,
    members: list[str],
    *,
    by: str | None = None,
    day: str | None = None,
) -> curated.Imported:
    """Record (or replace) a comparison group such as R9."""
    collection, graph = group_graph(name, members, store, settings, None)
    text = "\n".join([name, *sorted(members)]).encode("utf-8")
    return curated.commit(
        store,
        settings,
        collection,
        graph,
        filename=f"group {name}",
        digest=sha256(text),
        day=day or datetime.now(UTC).date().isoformat(),
        by=by,
    )


def read_groups(path: Path) -> dict[str, list[str]]:
    """A bundled ``group,org`` file (``data/reference/statistics/comparison-groups.csv``) → group → members."""
    groups: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(io.StringIO(handle.read())):
            groups.setdefault(row["group"].strip(), []).append(row["org"].strip())
    return groups


def list_tables(store: Store, settings: Settings) -> list[dict[str, object]]:
    """Every statistics collection with its current import (``insatsgraf statistics list``)."""
    out: list[dict[str, object]] = []
    for key in curated.keys(store, "statistics", settings.base):
        collection = curated.Collection("statistics", key)
        current = [r for r in curated.history(store, collection, settings.base) if r["current"]]
        graph = store.graph(collection.graph(settings.base))
        out.append(
            {
                "key": key,
                "observations": len(set(graph.subjects(RDF.type, cube.QB.Observation))),
                "groups": len(set(graph.subjects(RDF.type, ORG.OrganizationalCollaboration))),
                "imports": len(curated.history(store, collection, settings.base)),
                "file": current[0]["file"] if current else None,
                "date": current[0]["date"] if current else None,
            }
        )
    return out


# -- bundled files ---------------------------------------------------------------------------------

GROUPS_FILE = "comparison-groups.csv"
BUNDLED_DAY = "2021-06-01"
BUNDLED_TIME = datetime.fromisoformat(f"{BUNDLED_DAY}T00:00:00+00:00")
"""When a bundled table says it was imported, so two loads give the same store (as bundled submissions do)."""
"""The date bundled tables are recorded with (Linköping's review, 2021), like the bundled submission."""


def load_bundled_file(store: Store, settings: Settings, path: Path) -> dict[str, int]:
    """Import one bundled table (or the comparison groups); a file already current is skipped."""
    base = settings.base
    if path.name == GROUPS_FILE:
        counts: dict[str, int] = {}
        for name, members in read_groups(path).items():
            collection, graph = group_graph(name, members, store, settings, path.name)
            digest = sha256("\n".join([name, *sorted(members)]).encode("utf-8"))
            if not unchanged(store, collection, digest, base):
                done = curated.commit(
                    store,
                    settings,
                    collection,
                    graph,
                    filename=path.name,
                    digest=digest,
                    day=BUNDLED_DAY,
                    now=BUNDLED_TIME,
                )
                counts[done.collection.graph(base)] = done.triples
        return counts
    data, name = read_source(path, None, settings)
    prepared = prepare(store, settings, data, name)
    if unchanged(store, prepared.collection, prepared.digest, base):
        return {}
    done = commit(store, settings, prepared, day=BUNDLED_DAY, now=BUNDLED_TIME)
    return {done.collection.graph(base): done.triples}
