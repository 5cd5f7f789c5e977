"""Spreadsheet (CSV or XLSX) or Turtle → one organisation's submission graph.

Reading problems (size, encoding, header, columns, duplicate rows, Turtle syntax) raise ``UserError``:
there is nothing to validate. Cell values that do not fit (an unknown word, a reversed age range, an
unknown programme) are kept in the graph as written, so that SHACL reports them with row and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, XSD
from rdflib.term import _is_valid_uri

from insatsgraf import __version__
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris, vocab
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph
from insatsgraf.submission.columns import COLUMNS, HEADER_INDEX, header_key

MOJIBAKE = re.compile(r"Ã[\u0080-\u00bf¤¥¶–—]")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


@dataclass
class Table:
    """A spreadsheet read as text: canonical header names and rows of cells (row numbers as in Excel)."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    kind: str = "csv"


# -- reading bytes ---------------------------------------------------------------------------------


def read_source(source: str | Path | bytes, filename: str | None, settings: Settings) -> tuple[bytes, str]:
    """The file's bytes and name, refusing a file over the size limit before reading it."""
    limit = settings.max_file_bytes
    if isinstance(source, bytes):
        name = filename or "upload"
        if len(source) > limit:
            raise _too_big(name, len(source), limit)
        return source, name
    path = Path(source)
    name = filename or path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(
            f"cannot read the file: {exc.strerror}",
            f"kan inte läsa filen: {exc.strerror}",
            file=name,
            code="unreadable",
        ) from exc
    if size > limit:
        raise _too_big(name, size, limit)
    return path.read_bytes(), name


def _too_big(name: str, size: int, limit: int) -> UserError:
    mb, lim = size / 1024 / 1024, limit / 1024 / 1024
    return UserError(
        f"the file is {mb:.1f} MB, over the limit of {lim:.0f} MB; split it or remove embedded images",
        f"filen är {mb:.1f} MB, över gränsen {lim:.0f} MB; dela upp den eller ta bort inbäddade bilder",
        file=name,
        code="too-large",
    )


def sniff_kind(data: bytes, name: str) -> str:
    """``xlsx``, ``turtle`` or ``csv``, from the content first and the file name second."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError(
            "this is an old Excel file (.xls); save it as .xlsx or CSV",
            "detta är en gammal Excel-fil (.xls); spara den som .xlsx eller CSV",
            file=name,
            code="xls",
        )
    lower = name.lower()
    if lower.endswith((".ttl", ".turtle")):
        return "turtle"
    if lower.endswith((".xlsx", ".xlsm")):
        raise UserError(
            "the file is named .xlsx but is not an Excel workbook",
            "filen heter .xlsx men är ingen Excel-arbetsbok",
            file=name,
            code="not-xlsx",
        )
    return "csv"


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or Windows-1252; anything else is refused with a hint."""
    if not data.strip():
        raise UserError("the file is empty", "filen är tom", file=name, code="empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise UserError(
            'the file is UTF-16 or binary, not a CSV text file; in Excel choose "CSV UTF-8 (kommaavgränsad)"',
            'filen är UTF-16 eller binär, inte en CSV-textfil; välj "CSV UTF-8 (kommaavgränsad)" i Excel',
            file=name,
            code="encoding",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise UserError(
                f"the file is neither UTF-8 nor Windows-1252 (byte 0x{data[exc.start]:02x} at position {exc.start}); "
                'save it as "CSV UTF-8"',
                f"filen är varken UTF-8 eller Windows-1252 (byte 0x{data[exc.start]:02x} på position {exc.start}); "
                'spara den som "CSV UTF-8"',
                file=name,
                code="encoding",
            ) from exc
    found = MOJIBAKE.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise UserError(
            f'the text looks converted to UTF-8 twice ("{found.group()}" instead of å, ä or ö); '
            'save the original again as "CSV UTF-8"',
            f'texten ser ut att ha konverterats till UTF-8 två gånger ("{found.group()}" i stället för å, ä eller ö); '
            'spara originalet igen som "CSV UTF-8"',
            file=name,
            row=line,
            code="encoding",
        )
    return text


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Swedish Excel) or tab: whichever the header line has most of outside quotes."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(text: str, name: str) -> list[list[str]]:
    """Rows of cells; a first line ``sep=;`` (which Excel writes and reads) names the separator."""
    first, _, rest = text.partition("\n")
    declared = re.fullmatch(r"\s*sep=(.)\s*", first)
    if declared:
        text = rest
    delimiter = declared.group(1) if declared else sniff_delimiter(text)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise UserError(
            f"the CSV cannot be read: {exc}", f"CSV-filen kan inte läsas: {exc}", file=name, code="csv"
        ) from exc


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a person sees (integral floats without ``.0``, dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sant" if value else "falskt"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    return str(value)


def read_xlsx(data: bytes, name: str) -> list[list[str]]:
    """The sheet ``Insatser`` (the template's) or else the first sheet; formulas are read as their text."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UserError(
            f"the Excel file cannot be opened: {exc}",
            f"Excel-filen kan inte öppnas: {exc}",
            file=name,
            code="xlsx",
        ) from exc
    try:
        sheet = book["Insatser"] if "Insatser" in book.sheetnames else book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


# -- table -----------------------------------------------------------------------------------------


def to_table(cells: list[list[str]], name: str, kind: str) -> Table:
    """Check the header and turn rows into dicts keyed by canonical column names."""
    while cells and not any(c.strip() for c in cells[0]):
        cells = cells[1:]
    if not cells:
        raise UserError("the file is empty", "filen är tom", file=name, code="empty")
    header = [c.strip().lstrip("\ufeff") for c in cells[0]]
    known = [HEADER_INDEX.get(header_key(h)) for h in header]
    allowed = ", ".join(c.name for c in COLUMNS)
    if not any(known):
        raise UserError(
            f'no header row: the first row must name the columns ({allowed}); found "{", ".join(header)[:80]}"',
            f'rubrikrad saknas: första raden ska ange kolumnerna ({allowed}); hittade "{", ".join(header)[:80]}"',
            file=name,
            row=1,
            code="no-header",
        )
    seen: dict[str, int] = {}
    for i, (h, col) in enumerate(zip(header, known, strict=True)):
        if not h:
            continue
        if col is None:
            raise UserError(
                f'unknown column "{h}"; allowed columns: {allowed}',
                f'okänd kolumn "{h}"; tillåtna kolumner: {allowed}',
                file=name,
                row=1,
                column=h,
                code="unknown-column",
            )
        if col in seen:
            raise UserError(
                f'column "{col}" appears twice',
                f'kolumnen "{col}" finns två gånger',
                file=name,
                row=1,
                column=h,
                code="duplicate-column",
            )
        seen[col] = i
    if "insats" not in seen:
        raise UserError(
            'the required column "insats" (the intervention\'s name) is missing',
            'den obligatoriska kolumnen "insats" (insatsens namn) saknas',
            file=name,
            row=1,
            column="insats",
            code="missing-column",
        )
    table = Table(columns=[c for c in known if c], kind=kind)
    first_seen: dict[tuple[str, ...], int] = {}
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
        row = {col: (raw[i].strip() if i < len(raw) else "") for col, i in seen.items()}
        if not any(row.values()):
            continue
        key = tuple(row[c] for c in sorted(row))
        if key in first_seen:
            raise UserError(
                f"row {number} repeats row {first_seen[key]} exactly; remove one of them",
                f"rad {number} upprepar rad {first_seen[key]} exakt; ta bort en av dem",
                file=name,
                row=number,
                code="duplicate-row",
            )
        first_seen[key] = number
        table.rows.append((number, row))
    if not table.rows:
        raise UserError(
            "the file has a header but no rows",
            "filen har en rubrikrad men inga rader",
            file=name,
            row=2,
            code="no-rows",
        )
    return table


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_table(data: bytes, name: str) -> Table:
    kind = sniff_kind(data, name)
    if kind == "xlsx":
        return to_table(read_xlsx(data, name), name, kind)
    if kind == "turtle":
        raise UserError(
            "expected a spreadsheet, got Turtle", "väntade ett kalkylark, fick Turtle", file=name, code="kind"
        )
    return to_table(read_csv(decode(data, name), name), name, kind)


# -- rows → RDF ------------------------------------------------------------------------------------


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def integer(cell: str) -> Literal:
    """A whole number as xsd:integer; anything else kept as text for SHACL to report."""
    text = cell.strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return Literal(int(text), datatype=XSD.integer)
    return Literal(cell)


class RowMapper:
    """Turns table rows into offerings (and their evidence and collaborations) of one organisation."""

    def __init__(self, org: str, settings: Settings, vocabulary: vocab.Vocabulary):
        self.org = org
        self.base = settings.base
        self.vocab = vocabulary
        self.org_iri = URIRef(iris.organisation(org, self.base))
        self.slugs: dict[str, int] = {}

    def offering_iri(self, name: str, number: int) -> tuple[URIRef, str]:
        base_slug = iris.slug(name) if name else f"rad-{number}"
        count = self.slugs.get(base_slug, 0) + 1
        self.slugs[base_slug] = count
        slug = base_slug if count == 1 else f"{base_slug}-{count}"
        return URIRef(iris.offering(self.org, slug, self.base)), slug

    def concepts(
        self, graph: Graph, subject: URIRef, prop: URIRef, scheme: str, cells: Iterable[str]
    ) -> None:
        for cell in cells:
            concept = self.vocab.concept(scheme, cell)
            graph.add((subject, prop, concept if concept is not None else Literal(cell)))

    def add_row(self, graph: Graph, number: int, row: dict[str, str]) -> None:
        name = row.get("insats", "")
        subject, slug = self.offering_iri(name, number)
        add = graph.add
        add((subject, RDF.type, IG.Offering))
        add((subject, IG.offeredBy, self.org_iri))
        add((subject, IG.sourceRow, Literal(number, datatype=XSD.integer)))
        if name:
            add((subject, IG.localName, Literal(name)))
        self.programme(graph, subject, row.get("program", ""), row.get("variant", ""))
        if row.get("beskrivning"):
            add((subject, DCTERMS.description, Literal(row["beskrivning"], lang="sv")))
        for column in COLUMNS:
            if column.scheme and column.name != "variant" and row.get(column.name):
                cells = split(row[column.name]) if column.multi else [row[column.name]]
                self.concepts(graph, subject, column.paths[0], column.scheme, cells)
        for key, prop in (
            ("alder_fran", IG.minAge),
            ("alder_till", IG.maxAge),
            ("antal_tillfallen", IG.numberOfSessions),
        ):
            if row.get(key):
                add((subject, prop, integer(row[key])))
        for instrument in split(row.get("uppfoljning", "")):
            add((subject, IG.followUpInstrument, Literal(instrument)))
        if row.get("kommentar"):
            add((subject, RDFS.comment, Literal(row["kommentar"], lang="sv")))
        if row.get("evidenskalla"):
            self.evidence(graph, subject, row["evidenskalla"])
        partners = split(row.get("samverkan_med", ""))
        if partners:
            self.collaboration(graph, subject, slug, partners)

    def programme(self, graph: Graph, subject: URIRef, cell: str, variant_cell: str) -> None:
        kind = self.vocab.concept("variant-kind", variant_cell) if variant_cell else None
        if variant_cell and kind is None:
            graph.add((subject, IG.variantKind, Literal(variant_cell)))
        if not cell:
            if kind is not None:
                graph.add((subject, IG.variantKind, kind))
            return
        target = self.vocab.programme(cell)
        if target is None:
            graph.add((subject, IG.submittedProgramme, Literal(cell)))
            if kind is not None:
                graph.add((subject, IG.variantKind, kind))
            return
        same = URIRef(iris.concept("variant-kind", "same", self.base))
        if kind is None and variant_cell:  # unknown variant word: keep the link, SHACL reports the word
            graph.add((subject, IG.implements, target))
            return
        kind = kind or same
        graph.add((subject, IG.implements if kind == same else IG.variantOf, target))
        graph.add((subject, IG.variantKind, kind))

    def evidence(self, graph: Graph, subject: URIRef, cell: str) -> None:
        source = URIRef(iris.evidence(self.org, cell, self.base))
        graph.add((subject, IG.evidence, source))
        graph.add((source, RDF.type, IG.EvidenceSource))
        if URL.match(cell.strip()):
            graph.add((source, FOAF.page, URIRef(cell.strip())))
        else:
            graph.add((source, DCTERMS.bibliographicCitation, Literal(cell)))

    def collaboration(self, graph: Graph, subject: URIRef, slug: str, partners: list[str]) -> None:
        collab = URIRef(iris.collaboration(self.org, slug, self.base))
        graph.add((collab, RDF.type, IG.Collaboration))
        graph.add((collab, IG.about, subject))
        graph.add((collab, IG.partner, self.org_iri))
        graph.add(
            (
                collab,
                IG.collaborationKind,
                URIRef(iris.concept("collaboration-kind", "shared-delivery", self.base)),
            )
        )
        graph.add((collab, PROV.wasAttributedTo, self.org_iri))
        for partner in partners:
            graph.add(
                (collab, IG.partner, URIRef(iris.organisation(self.vocab.organisation(partner), self.base)))
            )


def table_to_graph(table: Table, org: str, settings: Settings) -> Graph:
    graph = new_graph(settings.base)
    mapper = RowMapper(org, settings, vocab.load(settings))
    for number, row in table.rows:
        mapper.add_row(graph, number, row)
    return graph


# -- Turtle ----------------------------------------------------------------------------------------


def read_turtle_submission(data: bytes, name: str, settings: Settings) -> Graph:
    """A submission already in Turtle (from ``ingest --out``): parsed, rebased, its file header removed."""
    text = decode(data, name)
    graph = new_graph(settings.base)
    try:
        graph.parse(data=iris.rebase(text, settings.base), format="turtle")
    except (SyntaxError, ValueError) as exc:  # rdflib raises BadSyntax, a SyntaxError subclass
        message = " ".join(str(exc).split())[:300]
        raise UserError(
            f"Turtle syntax error: {message}",
            f"syntaxfel i Turtle: {message}",
            file=name,
            code="turtle-syntax",
        ) from exc
    for term in sorted({t for triple in graph for t in triple if isinstance(t, URIRef)}):
        if not _is_valid_uri(str(term)):
            raise UserError(
                f"not a valid IRI: <{term}> (spaces and {{}}|\\^` are not allowed; percent-encode them)",
                f"ogiltig IRI: <{term}> (mellanslag och {{}}|\\^` är inte tillåtna; procentkoda dem)",
                file=name,
                code="bad-iri",
            )
    return graph


def file_header(graph: Graph) -> dict[str, str]:
    """The self-description ``ingest`` writes (an ``ig:Submission`` node); removed from ``graph``."""
    found: dict[str, str] = {}
    for node in list(graph.subjects(RDF.type, IG.Submission)):
        for prop, key in (
            (DCTERMS.issued, "date"),
            (IG.fileName, "source_file"),
            (IG.sha256, "source_sha256"),
        ):
            value = graph.value(node, prop)
            if value is not None:
                found[key] = str(value)
        graph.remove((node, None, None))
    return found


def self_description(
    graph: Graph, org: str, settings: Settings, source_name: str, digest: str, issued: str | None
) -> Graph:
    """Add the file's self-description (a blank ``ig:Submission``) for writing it as Turtle."""
    node = BNode()
    graph.add((node, RDF.type, IG.Submission))
    graph.add((node, RDF.type, OWL.Ontology))
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(
                f"Inrapportering från organisation {org}, genererad av insatsgraf ingest ur {source_name}.",
                lang="sv",
            ),
        )
    )
    graph.add(
        (
            node,
            DCTERMS.description,
            Literal(
                f"Submission of organisation {org}, generated by insatsgraf ingest from {source_name}.",
                lang="en",
            ),
        )
    )
    graph.add((node, OWL.versionInfo, Literal(__version__)))
    graph.add((node, DCTERMS.conformsTo, URIRef("https://w3id.org/insatsgraf/def")))
    graph.add((node, IG.submittedBy, URIRef(iris.organisation(org, settings.base))))
    graph.add((node, IG.fileName, Literal(source_name)))
    graph.add((node, IG.sha256, Literal(digest)))
    if issued:
        graph.add((node, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
    return graph


# -- entry points ----------------------------------------------------------------------------------


def org_of(graph: Graph, settings: Settings) -> str | None:
    """The one organisation a Turtle submission's offerings are offered by, if there is exactly one."""
    orgs = {str(o) for o in graph.objects(None, IG.offeredBy)}
    if len(orgs) != 1:
        return None
    try:
        return iris.org_id(orgs.pop(), settings.base)
    except ValueError:
        return None


def guess_org(name: str, vocabulary: vocab.Vocabulary) -> str | None:
    """An organisation id the file name starts with (``0580-linkoping-2021.csv`` → ``0580``), longest first."""
    stem = Path(name).stem.lower()
    for org in sorted(vocabulary.organisations, key=len, reverse=True):
        if stem == org or stem.startswith((org + "-", org + "_")):
            return org
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest_bytes(
    data: bytes, name: str, org: str | None, settings: Settings
) -> tuple[Graph, str, dict[str, str]]:
    """Parse a file's bytes into (graph, organisation id, Turtle file header)."""
    kind = sniff_kind(data, name)
    if kind == "turtle":
        graph = read_turtle_submission(data, name, settings)
        header = file_header(graph)
        found = org_of(graph, settings)
        if org is None:
            org = found
        if org is None:
            raise UserError(
                "cannot tell which organisation the Turtle file is about; pass --org",
                "kan inte avgöra vilken organisation Turtle-filen gäller; ange --org",
                file=name,
                code="no-org",
            )
        return graph, org, header
    table = read_table(data, name)
    if org is None:
        org = guess_org(name, vocab.load(settings))
    if org is None:
        raise UserError(
            "which organisation is this? pass --org ID (e.g. --org 0580)",
            "vilken organisation gäller filen? ange --org ID (t.ex. --org 0580)",
            file=name,
            code="no-org",
        )
    return table_to_graph(table, org, settings), org, {}


def ingest_file(
    source: str | Path | bytes, org: str | None, settings: Settings, filename: str | None = None
) -> Graph:
    """A spreadsheet or Turtle file → the submission graph of ``org`` (see docs/design.md)."""
    data, name = read_source(source, filename, settings)
    graph, _org, _header = ingest_bytes(data, name, org, settings)
    return graph
