"""Registering organisations while the service runs: providers, civil-society organisations, schools, new
districts and administrations, with the columns of ``data/reference/organisations.csv``.

A registration is checked in two steps, and refused as a whole (every problem with its file, row and
column; nothing written) when either finds something: the ids and kinds first (an id must be a slug that
is neither in the bundled register nor registered already nor twice in the file; the kind one of
``model.reference.ORG_CLASSES``; a county one the resolver knows), then the organisations as RDF against
the register's SHACL node shapes in ``shapes/core.ttl`` (name present, id pattern, ``part_of`` a registered
organisation or one of the same file). What passes is added to the curated collection
``organisations/register`` (``curated.py``): the new current graph, a history copy and the PROV record in
one write. The store's union then holds the organisations, so submissions (``lookups.known_organisation``),
``samverkan_med`` ids and the short-form resolver know them at once; no file is regenerated.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, SKOS
from rdflib.term import Node

from insatsgraf.catalogue import resolve, rq
from insatsgraf.catalogue.lookups import ID_RE
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.iris import IG, ORG
from insatsgraf.model.rdf import new_graph
from insatsgraf.model.reference import ORG_CLASSES, REGISTER_CLASSES, add_organisation
from insatsgraf.sparql.store import Store
from insatsgraf.submission import curated
from insatsgraf.submission.ingest import Deadline, read_cells
from insatsgraf.submission.lists import check_date
from insatsgraf.submission.validate import authored_shapes, class_hierarchy

COLUMNS = ("id", "name", "kind", "part_of", "county", "note")
"""The columns of ``organisations.csv``, which a registration file has too."""
REQUIRED = ("id", "name", "kind")
ALIASES = {
    "namn": "name",
    "typ": "kind",
    "slag": "kind",
    "del_av": "part_of",
    "partof": "part_of",
    "lan": "county",
    "län": "county",
    "anteckning": "note",
    "kommentar": "note",
}
"""Swedish (and spelling) variants of the column names."""
KIND_LABELS = {
    "kommun": ("kommun", "municipality"),
    "region": ("region", "region"),
    "stadsdelsforvaltning": ("stadsdelsförvaltning", "district administration"),
    "forvaltning": ("förvaltning", "administration"),
    "fou-miljo": ("FoU-miljö", "R&D unit"),
    "skola": ("skola", "school"),
    "privat-utforare": ("privat utförare", "private provider"),
    "civilsamhalle": ("civilsamhällesorganisation", "civil-society organisation"),
    "annan": ("annan aktör", "other actor"),
}
"""Each kind of ``ORG_CLASSES`` in Swedish and English, for listings and messages."""
COLLECTION = curated.Collection("organisations", "register")
"""Where registered organisations live: one curated collection, one history."""
PATH_COLUMNS = {
    DCTERMS.identifier: "id",
    SKOS.prefLabel: "name",
    ORG.unitOf: "part_of",
    IG.county: "county",
    IG.municipalityCode: "id",
}
SHOWN_PROBLEMS = 20
"""How many problems a refusal names (a hostile file can have thousands)."""


class RegistrationRefused(UserError):
    """A registration with problems: ``problems`` holds each (file, row, column); nothing was written."""

    problems: list[UserError]

    def __init__(self, problems: list[UserError], file: str | None):
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        more_sv = f" (och {len(problems) - 1} till)" if len(problems) > 1 else ""
        super().__init__(
            f"the registration was refused, nothing was written: {first.where()}: {first.en}{more}",
            f"registreringen avvisades, inget skrevs: {first.where()}: {first.sv}{more_sv}",
            file=file,
            row=first.row,
            column=first.column,
            code=first.code,
        )
        self.problems = problems

    def text(self) -> str:
        lines = [
            f"{self.file or 'registration'}: {len(self.problems)} problem(s), nothing written / inget skrevs"
        ]
        for problem in self.problems[:SHOWN_PROBLEMS]:
            lines.append(problem.text())
        if len(self.problems) > SHOWN_PROBLEMS:
            lines.append(f"… {len(self.problems) - SHOWN_PROBLEMS} more / till")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {**super().to_json(), "problems": [p.to_json() for p in self.problems[:SHOWN_PROBLEMS]]}


@dataclass
class Registered:
    """What one registration wrote."""

    ids: list[str]
    imported: curated.Imported

    def to_json(self) -> dict[str, object]:
        return {"registered": self.ids, **self.imported.to_json()}


# -- reading ---------------------------------------------------------------------------------------


def read_rows(data: bytes, name: str, settings: Settings) -> list[tuple[int, dict[str, str]]]:
    """A CSV or XLSX file's rows as (spreadsheet row, {column: cell}), through the submission readers and
    their limits; an unknown or missing column is a UserError naming it."""
    limits = settings.limits
    deadline = Deadline(limits.max_seconds)
    cells = read_cells(
        data,
        name,
        limits,
        deadline,
        (
            "a CSV or XLSX file with the columns of organisations.csv",
            "en CSV- eller XLSX-fil med kolumnerna i organisations.csv",
        ),
    )
    while cells and not any(c.strip() for c in cells[0]):
        cells = cells[1:]
    if not cells:
        raise UserError("the file is empty", "filen är tom", file=name, code="empty")
    header = [_column(c) for c in cells[0]]
    for index, column in enumerate(header):
        if column and column not in COLUMNS:
            raise UserError(
                f"unknown column {cells[0][index].strip()!r}; the columns are {', '.join(COLUMNS)}",
                f"okänd kolumn {cells[0][index].strip()!r}; kolumnerna är {', '.join(COLUMNS)}",
                file=name,
                row=1,
                column=cells[0][index].strip(),
                code="unknown-column",
            )
    for column in REQUIRED:
        if column not in header:
            raise UserError(
                f"the column {column} is missing; the columns are {', '.join(COLUMNS)}",
                f"kolumnen {column} saknas; kolumnerna är {', '.join(COLUMNS)}",
                file=name,
                row=1,
                column=column,
                code="missing-column",
            )
    rows = []
    for number, raw in enumerate(cells[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        row = {c: "" for c in COLUMNS}
        for column, cell in zip(header, raw, strict=False):
            if column:
                row[column] = cell.strip()
        rows.append((number, row))
    if not rows:
        raise UserError(
            "the file has a header but no rows",
            "filen har en rubrikrad men inga rader",
            file=name,
            row=2,
            code="no-rows",
        )
    return rows


def _column(cell: str) -> str:
    key = re.sub(r"[\s-]+", "_", cell.strip().lstrip("\ufeff").casefold())
    return ALIASES.get(key, key)


def kind_of(word: str) -> str | None:
    """The register kind a cell names: ``Privat utförare`` → ``privat-utforare``; None when it names none."""
    key = iris.slug(word) if word.strip() else ""
    return key if key in ORG_CLASSES else None


# -- checking --------------------------------------------------------------------------------------


def check(
    store: Store, settings: Settings, rows: list[tuple[int, dict[str, str]]], file: str
) -> tuple[Graph, dict[URIRef, int]]:
    """The registration as RDF (and each organisation's row), or RegistrationRefused with every problem."""
    base = settings.base
    problems: list[UserError] = []

    def problem(number: int, column: str, en: str, sv: str, code: str) -> None:
        problems.append(UserError(en, sv, file=file, row=number, column=column, code=code))

    first_row: dict[str, int] = {}
    for number, row in rows:
        oid = row["id"]
        if not ID_RE.match(oid):
            problem(
                number,
                "id",
                f"{oid[:40]!r} cannot be an id: use lowercase a-z, digits and hyphens (e.g. 0580-skola-ekholmen)",
                f"{oid[:40]!r} kan inte vara ett id: använd gemener a-z, siffror och bindestreck (t.ex. 0580-skola-ekholmen)",
                "bad-id",
            )
        elif oid in first_row:
            problem(
                number,
                "id",
                f"the id {oid} is in the file twice (also row {first_row[oid]})",
                f"id:t {oid} står två gånger i filen (även rad {first_row[oid]})",
                "duplicate-id",
            )
        else:
            first_row[oid] = number
    taken = _taken(store, settings, list(first_row))
    for oid, bundled in taken.items():
        if bundled:
            problem(
                first_row[oid],
                "id",
                f"the id {oid} belongs to the bundled national register; choose another id",
                f"id:t {oid} tillhör det medföljande nationella registret; välj ett annat id",
                "id-taken",
            )
        else:
            problem(
                first_row[oid],
                "id",
                f"the id {oid} is registered already (insatsgraf organisations list)",
                f"id:t {oid} är redan registrerat (insatsgraf organisations list)",
                "duplicate-id",
            )
    parents = sorted({row["part_of"] for _n, row in rows if row["part_of"]} - set(first_row))
    for number, row in rows:
        if kind_of(row["kind"]) is None:
            problem(
                number,
                "kind",
                f"unknown kind {row['kind'][:40]!r}; the kinds are {', '.join(ORG_CLASSES)}",
                f"okänd typ {row['kind'][:40]!r}; typerna är {', '.join(ORG_CLASSES)}",
                "unknown-kind",
            )
        if row["part_of"] and not ID_RE.match(row["part_of"]):
            problem(
                number,
                "part_of",
                f"unknown part_of {row['part_of'][:40]!r}: give the id of a registered organisation (e.g. 0180)",
                f"okänd part_of {row['part_of'][:40]!r}: ange id:t för en registrerad organisation (t.ex. 0180)",
                "unknown-part-of",
            )
    context, parent_county = _context(store, [p for p in parents if ID_RE.match(p)], base)
    counties = {k.value: k.id for k in resolve.counties(store)}
    resolved: dict[int, str] = {}
    asked: dict[str, str | UserError] = {}  # one store lookup per distinct county text, not per row
    for number, row in rows:
        typed = row["county"]
        if not typed:
            continue
        if typed not in asked:
            asked[typed] = _county(store, typed, counties)
        answer = asked[typed]
        if isinstance(answer, UserError):
            problem(number, "county", answer.en, answer.sv, "unknown-county")
        else:
            resolved[number] = answer
    if problems:
        problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 0))
        raise RegistrationRefused(problems, file)
    graph = new_graph(base)
    nodes: dict[URIRef, int] = {}
    by_id = {row["id"]: row for _n, row in rows}
    for number, row in rows:
        county = resolved.get(number) or _inherited(row, by_id, parent_county, resolved, first_row)
        kind = kind_of(row["kind"]) or "annan"
        node = add_organisation(graph, {**row, "kind": kind, "county": county}, base, counties)
        nodes[node] = number
    _shacl(graph, context, nodes, settings, file)
    return graph, nodes


def _county(store: Store, typed: str, counties: dict[str, str]) -> str | UserError:
    """The official name of the county ``typed`` names (name, short name or code), or the error to report."""
    try:
        name = resolve.resolve(store, resolve.COUNTY, "county", typed)
    except UserError as exc:
        en, sv = (text.split(": ", 1)[-1] for text in (exc.en, exc.sv))  # less "parameter county: "
        return UserError(f"unknown county: {en}", f"okänt län: {sv}")
    if name not in counties:  # the resolver lets any "… län" through, for queries
        return UserError(
            f"unknown county {typed[:40]!r}; write e.g. Södermanlands län, Sörmland or 04",
            f"okänt län {typed[:40]!r}; skriv t.ex. Södermanlands län, Sörmland eller 04",
        )
    return name


def _inherited(
    row: dict[str, str],
    by_id: dict[str, dict[str, str]],
    parent_county: dict[str, str],
    resolved: dict[int, str],
    numbers: dict[str, int],
) -> str:
    """A unit without a county is in its parent's (the register's, or a row's of the same file)."""
    seen: set[str] = set()
    while row["part_of"] and row["part_of"] not in seen:
        parent = row["part_of"]
        seen.add(parent)
        if parent in parent_county:
            return parent_county[parent]
        if parent not in by_id:
            return ""
        row = by_id[parent]
        number = numbers[parent]
        if number in resolved:
            return resolved[number]
    return ""


def _taken(store: Store, settings: Settings, ids: list[str]) -> dict[str, bool]:
    """id → True (in the bundled register) / False (registered since) for the ids the store holds."""
    if not ids:
        return {}
    query = rq.values(rq.read("register-taken"), "o", [iris.organisation(i, settings.base) for i in ids])
    query = rq.bind(query, bundled=iris.graph("organisations", settings.base))
    prefix = iris.organisation("", settings.base)
    return {
        row["o"][len(prefix) :]: row.get("bundled") in ("true", "1") for row in store.query(query).table()
    }


def _context(store: Store, parents: list[str], base: str) -> tuple[Graph, dict[str, str]]:
    """The parents' ``a org:Organization`` (what sh:class needs; their own classes are left out so the
    register's node shapes target only the new organisations) and their counties."""
    context = Graph()
    counties: dict[str, str] = {}
    if not parents:
        return context, counties
    query = rq.values(rq.read("register-context"), "o", [iris.organisation(p, base) for p in parents])
    prefix = iris.organisation("", base)
    for row in store.query(query).table():
        if URIRef(row["t"]) == ORG.Organization:  # what sh:class needs; a subclass would make it a target
            context.add((URIRef(row["o"]), RDF.type, ORG.Organization))
        if row.get("county"):
            counties[row["o"][len(prefix) :]] = row["county"]
    return context, counties


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL result on a registered organisation: where, which rule, the message in sv and en."""

    focus: str
    path: str | None
    component: str
    shape: str
    sv: str
    en: str
    value: str | None


@lru_cache(maxsize=4)
def _register_shapes(settings: Settings, stamp: tuple[float, ...]) -> Graph:
    authored = authored_shapes(settings)
    flat = Graph()
    flat += authored
    for cls in REGISTER_CLASSES:
        for node_shape in list(authored.subjects(SH.targetClass, cls)):
            for prop in list(authored.objects(node_shape, SH.property)):
                flat.remove((node_shape, SH.property, prop))
                flat.add((prop, SH.targetClass, cls))
    return flat


def register_shapes(settings: Settings) -> Graph:
    """The register's node shapes flattened as ``validate.flatten`` does a submission's: each property
    shape targets the classes of the node shapes that hold it, so pySHACL evaluates it once for all new
    organisations instead of once per organisation (5 000 rows: 47 s before). Same results, same
    ``sh:sourceShape``; cached until a shapes file changes."""
    files = sorted(settings.shapes_dir.glob("*.ttl"))
    key = settings.with_(store="memory:", max_file_mb=0.0)
    return _register_shapes(key, tuple(p.stat().st_mtime for p in files))


def shacl_results(graph: Graph, context: Graph, focus: list[URIRef], settings: Settings) -> list[ShapeResult]:
    """The register's shapes (``shapes/core.ttl``) on the organisations ``focus`` of ``graph``, with
    ``context`` (what they are part of, as ``org:Organization``) and the ontology's class hierarchy; one
    result per (node, path, rule). ``graph`` describes only new organisations, so the shapes' targets are
    they (pySHACL's ``focus_nodes`` filter is quadratic: 1 000 organisations took 35 s)."""
    extra = [t for t in (*context, *class_hierarchy(settings)) if t not in graph]
    for triple in extra:  # added for the run and taken out again: a copy of 5 000 organisations costs seconds
        graph.add(triple)
    try:
        _conforms, report, _text = pyshacl.validate(
            graph,
            shacl_graph=register_shapes(settings),
            inference="none",
            advanced=False,
            meta_shacl=False,
            do_owl_imports=False,
        )
    finally:
        for triple in extra:
            graph.remove(triple)
    found: dict[tuple[str, str | None, str], ShapeResult] = {}
    wanted = set(focus)
    for result in report.objects(None, SH.result):
        node, path = report.value(result, SH.focusNode), report.value(result, SH.resultPath)
        if node not in wanted:
            continue
        shape = str(report.value(result, SH.sourceShape))
        sv, en = _messages(report, result)
        value = report.value(result, SH.value)
        key = (str(node), str(path) if isinstance(path, URIRef) else None, shape)
        found.setdefault(
            key,
            ShapeResult(
                key[0],
                key[1],
                str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                shape,
                sv,
                en,
                _shown(value, settings.base) if value is not None else None,
            ),
        )
    return sorted(found.values(), key=lambda r: (r.focus, r.path or "", r.shape))


def _shacl(graph: Graph, context: Graph, nodes: dict[URIRef, int], settings: Settings, file: str) -> None:
    """Validate the new organisations against the register's shapes; refuse with every result."""
    problems: list[UserError] = []
    for result in shacl_results(graph, context, list(nodes), settings):
        shown, shown_sv = (
            (f" (value: {result.value})", f" (värde: {result.value})") if result.value else ("", "")
        )
        column = PATH_COLUMNS.get(URIRef(result.path)) if result.path else None
        problems.append(
            UserError(
                result.en + shown,
                result.sv + shown_sv,
                file=file,
                row=nodes[URIRef(result.focus)],
                column=column,
                code=_code(column, result.component),
            )
        )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 0))
        raise RegistrationRefused(problems, file)


def parents_context(store: Store, graph: Graph, base: str) -> Graph:
    """The types of the organisations ``graph``'s organisations are part of but which it does not describe."""
    described = set(graph.subjects(RDF.type, None))
    prefix = iris.organisation("", base)
    parents = sorted(
        str(o)[len(prefix) :]
        for o in graph.objects(None, ORG.unitOf)
        if o not in described and str(o).startswith(prefix) and ID_RE.match(str(o)[len(prefix) :])
    )
    return _context(store, parents, base)[0]


def _code(column: str | None, component: str) -> str:
    """The error code of a SHACL result, by its column (and, for part_of, whether it is missing)."""
    if column == "part_of":
        return "missing-part-of" if component.endswith("MinCountConstraintComponent") else "unknown-part-of"
    return {"id": "bad-id", "name": "bad-name", "county": "unknown-county"}.get(column or "", "invalid")


def _messages(report: Graph, result: Node) -> tuple[str, str]:
    sv = en = ""
    for message in report.objects(result, SH.resultMessage):
        if getattr(message, "language", None) == "sv":
            sv = str(message)
        else:
            en = str(message)
    return sv or en, en or sv


def _shown(value: Node, base: str) -> str:
    prefix = iris.organisation("", base)
    text = str(value)
    return text[len(prefix) :] if text.startswith(prefix) else text[:60]


# -- writing ---------------------------------------------------------------------------------------


def register_rows(
    store: Store,
    settings: Settings,
    rows: list[tuple[int, dict[str, str]]],
    *,
    filename: str,
    digest: str,
    by: str | None = None,
    day: str | None = None,
) -> Registered:
    """Check ``rows`` and add them to the registered organisations in one write, or change nothing."""
    day = check_date(day, settings, filename)
    graph, nodes = check(store, settings, rows, filename)
    combined = store.graph(COLLECTION.graph(settings.base))  # the registered so far, plus the new
    combined += graph
    imported = curated.commit(
        store,
        settings,
        COLLECTION,
        combined,
        filename=filename,
        digest=digest,
        day=day,
        by=by,
    )
    prefix = iris.organisation("", settings.base)
    ids = [str(node)[len(prefix) :] for node in sorted(nodes, key=lambda n: nodes[n])]
    return Registered(ids, imported)


def register_file(
    store: Store,
    settings: Settings,
    data: bytes,
    name: str,
    *,
    by: str | None = None,
    day: str | None = None,
) -> Registered:
    """Register every row of a CSV/XLSX file with the columns of ``organisations.csv``."""
    rows = read_rows(data, name, settings)
    return register_rows(
        store, settings, rows, filename=name, digest=hashlib.sha256(data).hexdigest(), by=by, day=day
    )


def register_one(
    store: Store,
    settings: Settings,
    fields: dict[str, str],
    *,
    by: str | None = None,
    day: str | None = None,
) -> Registered:
    """Register one organisation given as fields (``id``, ``name``, ``kind``, ``part_of``, ``county``, ``note``)."""
    row = {c: (fields.get(c) or "").strip() for c in COLUMNS}
    max_chars = settings.limits.max_cell_chars
    for column, value in row.items():
        if len(value) > max_chars or "\x00" in value:
            raise UserError(
                f"the {column} is over {max_chars} characters or holds a NUL character",
                f"{column} är längre än {max_chars} tecken eller innehåller ett NUL-tecken",
                column=column,
                code="too-long",
            )
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    name = f"add {row['id'][:63]}"
    return register_rows(store, settings, [(1, row)], filename=name, digest=digest, by=by, day=day)


def history(store: Store, settings: Settings) -> list[dict[str, object]]:
    """Every registration, oldest first (``curated.history`` of the collection)."""
    return curated.history(store, COLLECTION, settings.base)


# -- listing ---------------------------------------------------------------------------------------


def list_organisations(
    store: Store, settings: Settings, kind: str | None = None, county: str | None = None
) -> list[dict[str, str]]:
    """The register as rows (id, name, kind, part_of, county, source), by id; ``kind`` one of
    ``ORG_CLASSES`` (a Gotland-like organisation of two kinds is listed under both), ``county`` any form
    the resolver takes."""
    wanted = None
    if kind is not None:
        wanted = kind_of(kind)
        if wanted is None:
            raise UserError(
                f"unknown kind {kind[:40]!r}; the kinds are {', '.join(ORG_CLASSES)}",
                f"okänd typ {kind[:40]!r}; typerna är {', '.join(ORG_CLASSES)}",
                column="kind",
                code="unknown-kind",
            )
    in_county = resolve.resolve(store, resolve.COUNTY, "county", county) if county else None
    classes = {str(cls): k for k, cls in ORG_CLASSES.items()}
    registered = {
        str(s) for s in store.graph(COLLECTION.graph(settings.base)).subjects(RDF.type, ORG.Organization)
    }
    found: dict[str, dict[str, object]] = {}
    for row in store.query(rq.read("list-organisations")).table():
        item = found.setdefault(
            row["o"],
            {
                "id": row["id"],
                "name": row.get("name", ""),
                "kinds": [],
                "part_of": row.get("partOf", ""),
                "county": row.get("county", ""),
                "source": "registered" if row["o"] in registered else "bundled",
            },
        )
        kinds = item["kinds"]
        assert isinstance(kinds, list)
        if row["type"] in classes and classes[row["type"]] not in kinds:
            kinds.append(classes[row["type"]])
    out = []
    for item in found.values():
        kinds = [k for k in ORG_CLASSES if k in item["kinds"]]  # type: ignore[operator]
        if wanted is not None and wanted not in kinds:
            continue
        if in_county is not None and item["county"] != in_county:
            continue
        out.append({**{k: str(v) for k, v in item.items() if k != "kinds"}, "kind": ",".join(kinds)})
    return sorted(out, key=lambda r: r["id"])


def read_file(path: Path, settings: Settings) -> tuple[bytes, str]:
    """A registration file's bytes and name, refused over the size limit before it is read."""
    from insatsgraf.submission.ingest import read_source

    return read_source(path, None, settings)
