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
import time
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, XSD
from rdflib.term import _is_valid_uri

from insatsgraf import __version__
from insatsgraf.config import InputLimits, Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris, vocab
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph
from insatsgraf.submission.columns import COLUMNS, HEADER_INDEX, header_key
from insatsgraf.submission.review_state import keep_row

LIMIT_CODES = frozenset({"too-large", "too-many-rows", "too-many-cells", "too-many-columns", "too-slow"})
"""Error codes of a file over a size or time limit: HTTP 413 (every other reading error is 400)."""
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


CSV_ERRORS = {
    "unexpected end of data": 'oväntat slut på filen (ett citattecken " som aldrig stängs?)',
    "',' expected after '\"'": 'efter ett avslutande citattecken " väntades ett kommatecken',
    "';' expected after '\"'": 'efter ett avslutande citattecken " väntades ett semikolon',
}
"""The csv module's messages in Swedish, so that no Python English ends up inside the Swedish text."""


def read_csv(
    text: str, name: str, limits: InputLimits | None = None, deadline: Deadline | None = None
) -> list[list[str]]:
    """Rows of cells; a first line ``sep=;`` (which Excel writes and reads) names the separator.

    Stops at the row limit (before reading the rest) and reports the csv module's errors with their row."""
    limits = limits or InputLimits()
    first, _, rest = text.partition("\n")
    declared = re.fullmatch(r"\s*sep=(.)\s*", first)
    if declared:
        text = rest
    delimiter = declared.group(1) if declared else sniff_delimiter(text)
    # The module's own field limit (128 KiB) would end the read with an error that names no row or column;
    # the file is already bounded by its size, and to_table reports a long cell with row and column.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > limits.max_rows + 1:
                raise too_many_rows(name, limits)
            if deadline is not None and len(rows) % 256 == 0:
                deadline.check(name)
    except csv.Error as exc:
        number = len(rows) + 1 + (1 if declared else 0)
        message = str(exc)
        raise UserError(
            f"the CSV cannot be read at row {number}: {message}",
            f"CSV-filen kan inte läsas på rad {number}: {CSV_ERRORS.get(message, 'felaktig CSV')}",
            file=name,
            row=number,
            code="csv",
        ) from exc
    return rows


def too_many_rows(name: str, limits: InputLimits) -> UserError:
    return UserError(
        f"the file has more than {limits.max_rows} rows, the limit for one submission; split it",
        f"filen har fler än {limits.max_rows} rader, gränsen för en inrapportering; dela upp den",
        file=name,
        row=limits.max_rows + 2,
        code="too-many-rows",
    )


class Deadline:
    """The time one submission may take to read and validate (``InputLimits.max_seconds``)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self, name: str | None = None) -> None:
        if time.monotonic() > self.end:
            raise UserError(
                f"reading and checking the file took more than {self.seconds:.0f} s, the limit; split it",
                f"att läsa och kontrollera filen tog mer än {self.seconds:.0f} s, gränsen; dela upp den",
                file=name,
                code="too-slow",
            )


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


XML_START = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b" ", b"\t", b"\r", b"\n")
"""How an XML part begins (a BOM, white space or ``<``): any such part is checked, whatever its name, since
a workbook's relationships may point a sheet at any part."""


def _xlsx_refused(name: str, en: str, sv: str, code: str = "xlsx") -> UserError:
    return UserError(f"the Excel file is refused: {en}", f"Excel-filen avvisas: {sv}", file=name, code=code)


def check_xlsx(data: bytes, name: str, limits: InputLimits) -> None:
    """Everything about an XLSX that can be checked before openpyxl reads it, from the zip directory and
    streaming XML passes: parts and their decompressed sizes, no DTD (so no entity expansion, billion
    laughs or external entities: XXE) in any XML part, and the number of shared strings."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UserError(
            f"the Excel file cannot be opened: {exc}",
            "Excel-filen kan inte öppnas: den är skadad eller ingen Excel-arbetsbok",
            file=name,
            code="xlsx",
        ) from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            raise _xlsx_refused(
                name,
                f"it has {len(members)} parts, more than the {limits.max_zip_members} a workbook may have",
                f"den har {len(members)} delar, fler än de {limits.max_zip_members} en arbetsbok får ha",
                "too-large",
            )
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > limits.max_member_bytes or total > limits.max_unpacked_bytes:
                mb = member.file_size / 1024 / 1024
                raise _xlsx_refused(
                    name,
                    f"its part {member.filename[:80]} unpacks to {mb:.0f} MB (limits: "
                    f"{limits.max_member_bytes // 2**20} MB a part, {limits.max_unpacked_bytes // 2**20} MB in all)",
                    f"dess del {member.filename[:80]} packas upp till {mb:.0f} MB (gränser: "
                    f"{limits.max_member_bytes // 2**20} MB per del, {limits.max_unpacked_bytes // 2**20} MB totalt)",
                    "too-large",
                )
        for member in members:
            shared = member.filename.lower() == "xl/sharedstrings.xml"
            count = 0
            try:
                with archive.open(member) as part:
                    if not part.read(4).startswith(XML_START):
                        continue  # images, vbaProject.bin, …: openpyxl does not parse them
                with archive.open(member) as part:
                    for event, element in iterparse(part, events=("start", "end"), forbid_dtd=True):
                        if not shared:
                            break  # the prolog, where a DTD would be, is behind: the rest is openpyxl's
                        if event == "end" and element.tag.endswith("}si"):
                            count += 1
                            element.clear()
                            if count > limits.max_shared_strings:
                                raise _xlsx_refused(
                                    name,
                                    f"it has more than {limits.max_shared_strings} shared strings",
                                    f"den har fler än {limits.max_shared_strings} delade textsträngar",
                                    "too-large",
                                )
            except DefusedXmlException as exc:
                raise _xlsx_refused(
                    name,
                    f"its part {member.filename[:80]} declares a DTD or entities ({type(exc).__name__}), "
                    "which a workbook never needs (an XML entity attack: billion laughs or XXE)",
                    f"dess del {member.filename[:80]} deklarerar en DTD eller entiteter, vilket en arbetsbok "
                    "aldrig behöver (en XML-entitetsattack: billion laughs eller XXE)",
                    "xml-unsafe",
                ) from exc
            except (SyntaxError, zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as exc:
                # xml.etree's ParseError is a SyntaxError; a part that inflates past its stated size is BadZipFile
                raise UserError(
                    f"the Excel file cannot be opened: its part {member.filename[:80]} is damaged ({exc})",
                    f"Excel-filen kan inte öppnas: dess del {member.filename[:80]} är skadad",
                    file=name,
                    code="xlsx",
                ) from exc


def read_xlsx(
    data: bytes, name: str, limits: InputLimits | None = None, deadline: Deadline | None = None
) -> list[list[str]]:
    """The sheet ``Insatser`` (the template's) or else the first sheet; formulas are read as their text.

    ``check_xlsx`` runs first; then openpyxl in read-only mode, the sheet's claimed dimension checked before
    any row is read, and rows read one at a time against the row, column and time limits."""
    from openpyxl import load_workbook

    limits = limits or InputLimits()
    check_xlsx(data, name, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError, TypeError, IndexError) as exc:
        raise UserError(
            f"the Excel file cannot be opened: {exc}",
            "Excel-filen kan inte öppnas: den är skadad eller ingen Excel-arbetsbok",
            file=name,
            code="xlsx",
        ) from exc
    try:
        if not book.worksheets:
            raise UserError(
                "the Excel file has no sheet", "Excel-filen har inget blad", file=name, code="xlsx"
            )
        sheet = book["Insatser"] if "Insatser" in book.sheetnames else book.worksheets[0]
        claimed_rows, claimed_cols = (
            getattr(sheet, "max_row", None) or 0,
            getattr(sheet, "max_column", None) or 0,
        )
        if claimed_rows > limits.max_rows + 1 or claimed_cols > limits.max_columns:
            raise _xlsx_refused(
                name,
                f"its sheet claims {claimed_rows} rows and {claimed_cols} columns (limits: {limits.max_rows} rows, "
                f"{limits.max_columns} columns)",
                f"dess blad anger {claimed_rows} rader och {claimed_cols} kolumner (gränser: {limits.max_rows} rader, "
                f"{limits.max_columns} kolumner)",
                "too-many-cells",
            )
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # no padding to a claimed size; rows are read as they are
        rows: list[list[str]] = []
        filled = 0
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                row = list(values)
                while row and row[-1] is None:
                    row.pop()
                if len(row) > limits.max_columns:
                    raise UserError(
                        f"a value in column {_letter(len(row) - 1)}, beyond the {limits.max_columns} columns a sheet may use",
                        f"ett värde i kolumn {_letter(len(row) - 1)}, bortom de {limits.max_columns} kolumner ett blad får använda",
                        file=name,
                        row=number,
                        column=_letter(len(row) - 1),
                        code="too-many-columns",
                    )
                if row:
                    filled += 1
                    if filled > limits.max_rows + 1:
                        raise too_many_rows(name, limits)
                if number > 2 * limits.max_rows + 1:
                    if row:
                        raise too_many_rows(name, limits)
                    continue  # empty rows far below the data (a claimed size, formatting): not kept
                rows.append([_cell_text(v) for v in row])
                if deadline is not None and number % 256 == 0:
                    deadline.check(name)
        except (SyntaxError, zipfile.BadZipFile, ValueError, KeyError, TypeError, OverflowError) as exc:
            raise UserError(
                f"the Excel file cannot be read: its sheet is damaged ({exc})",
                "Excel-filen kan inte läsas: dess blad är skadat",
                file=name,
                code="xlsx",
            ) from exc
        return rows
    finally:
        book.close()


# -- table -----------------------------------------------------------------------------------------


def check_cells(cells: list[list[str]], name: str, limits: InputLimits) -> None:
    """Every cell: no NUL character, at most ``max_cell_chars`` characters (row and column named)."""
    for number, raw in enumerate(cells, start=1):
        for i, value in enumerate(raw):
            if "\x00" in value:
                raise UserError(
                    "the cell holds a NUL character (a binary file, or a damaged export); remove it",
                    "cellen innehåller ett NUL-tecken (en binärfil eller en skadad export); ta bort det",
                    file=name,
                    row=number,
                    column=_letter(i),
                    code="nul",
                )
            if len(value) > limits.max_cell_chars:
                raise UserError(
                    f"the cell is {len(value)} characters long, over the limit of {limits.max_cell_chars}",
                    f"cellen är {len(value)} tecken lång, över gränsen {limits.max_cell_chars}",
                    file=name,
                    row=number,
                    column=_letter(i),
                    code="cell-too-long",
                )


def read_cells(
    data: bytes, name: str, limits: InputLimits, deadline: Deadline | None, expected: tuple[str, str]
) -> list[list[str]]:
    """The cells of a CSV or XLSX table (the catalogue, register, statistics and evidence imports), read within
    ``limits`` and checked cell by cell; Turtle is refused with ``expected`` (what the file should be, en and sv)."""
    if sniff_kind(data, name) == "turtle":
        raise UserError(
            f"expected {expected[0]}, got Turtle",
            f"väntade {expected[1]}, fick Turtle",
            file=name,
            code="kind",
        )
    cells = (
        read_xlsx(data, name, limits, deadline)
        if sniff_kind(data, name) == "xlsx"
        else read_csv(decode(data, name), name, limits, deadline)
    )
    check_cells(cells, name, limits)
    return cells


def to_table(cells: list[list[str]], name: str, kind: str, limits: InputLimits | None = None) -> Table:
    """Check the cells and the header and turn rows into dicts keyed by canonical column names."""
    limits = limits or InputLimits()
    check_cells(cells, name, limits)
    if sum(1 for raw in cells if any(c.strip() for c in raw)) > limits.max_rows + 1:
        raise too_many_rows(name, limits)
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


def read_table(
    data: bytes, name: str, limits: InputLimits | None = None, deadline: Deadline | None = None
) -> Table:
    limits = limits or InputLimits()
    kind = sniff_kind(data, name)
    if kind == "xlsx":
        return to_table(read_xlsx(data, name, limits, deadline), name, kind, limits)
    if kind == "turtle":
        raise UserError(
            "expected a spreadsheet, got Turtle", "väntade ett kalkylark, fick Turtle", file=name, code="kind"
        )
    return to_table(read_csv(decode(data, name), name, limits, deadline), name, kind, limits)


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
        if row.get("avvikelse"):
            add((subject, IG.variantNote, Literal(row["avvikelse"])))
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
            graph.add((collab, *self.partner(partner)))

    def partner(self, cell: str) -> tuple[URIRef, URIRef]:
        """A ``samverkan_med`` value: a register id, else a partner kind ("polisen"), else an organisation's
        name; anything else an organisation IRI of its slug, which SHACL reports with did-you-mean."""
        text = cell.strip()
        kind = None if text in self.vocab.organisations else self.vocab.partner_kind(text)
        if kind is not None:
            return IG.partnerKind, kind
        return IG.partner, URIRef(iris.organisation(self.vocab.organisation(text), self.base))


def table_to_graph(
    table: Table, org: str, settings: Settings, vocabulary: vocab.Vocabulary | None = None
) -> Graph:
    """``vocabulary``: the words cells may use (default the bundled files'; ``edition_vocab`` for a store's)."""
    graph = new_graph(settings.base)
    mapper = RowMapper(org, settings, vocabulary or vocab.load(settings))
    for number, row in table.rows:
        mapper.add_row(graph, number, row)
    return graph


# -- Turtle ----------------------------------------------------------------------------------------


TURTLE_SPECIAL = re.compile(r"[\n\x00\\#<\"'\[\(\]\).;,]")
STRING_SPECIAL = {q: re.compile(r"[\n\x00\\]|" + re.escape(q)) for q in ('"""', "'''", '"', "'")}


def turtle_shape(text: str, name: str, limits: InputLimits) -> None:
    """Refuse Turtle nested deeper than ``max_nesting`` (``[`` ``(``), holding a NUL, or with more statements
    than ``max_triples`` (counted as ``.``/``;``/``,`` separators, an upper bound), in one pass over the text
    that skips strings, IRIs, comments and backslash escapes as the Turtle grammar does. rdflib's parser
    recurses into nesting, so the check must come before it."""
    depth = statements = 0
    i, n, line = 0, len(text), 1

    def nul() -> UserError:
        return UserError(
            "the file holds a NUL character",
            "filen innehåller ett NUL-tecken",
            file=name,
            row=line,
            code="nul",
        )

    while True:
        found = TURTLE_SPECIAL.search(text, i)
        if found is None:
            return
        i, c = found.start(), found.group()
        if c == "\n":
            line += 1
        elif c == "\x00":
            raise nul()
        elif c == "\\":
            i += 1  # a local-name escape such as ex:a\( or ex:a\'
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c == "<":
            end = text.find(">", i)
            i = n if end < 0 else end
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while True:
                inner = STRING_SPECIAL[quote].search(text, j)
                if inner is None:
                    return  # an unterminated string: rdflib reports the syntax error
                k, d = inner.start(), inner.group()
                if d == quote:
                    i = k + len(quote)
                    break
                if d == "\x00":
                    raise nul()
                if d == "\n":
                    line += 1
                j = k + (2 if d == "\\" else 1)
            continue
        elif c in "[(":
            depth += 1
            if depth > limits.max_nesting:
                raise UserError(
                    f"the Turtle is nested deeper than {limits.max_nesting} levels of [ ] or ( ); a submission "
                    "needs no nesting",
                    f"Turtle-texten är nästlad djupare än {limits.max_nesting} nivåer av [ ] eller ( ); en "
                    "inrapportering behöver ingen nästling",
                    file=name,
                    row=line,
                    code="too-deep",
                )
        elif c in "])":
            depth -= 1
        elif c in ".;,":
            statements += 1
            if statements > limits.max_triples:
                raise UserError(
                    f"the Turtle has more than {limits.max_triples} statements, the limit for one submission",
                    f"Turtle-texten har fler än {limits.max_triples} påståenden, gränsen för en inrapportering",
                    file=name,
                    row=line,
                    code="too-many-rows",
                )
        i += 1


def read_turtle_submission(data: bytes, name: str, settings: Settings) -> Graph:
    """A submission already in Turtle (from ``ingest --out``): parsed, rebased, its file header removed."""
    text = decode(data, name)
    turtle_shape(text, name, settings.limits)
    graph = new_graph(settings.base)
    try:
        graph.parse(data=iris.rebase(text, settings.base), format="turtle")
    except RecursionError as exc:  # turtle_shape bounds the nesting; this is the last line
        raise UserError(
            "the Turtle is nested too deeply",
            "Turtle-texten är för djupt nästlad",
            file=name,
            code="too-deep",
        ) from exc
    except (SyntaxError, ValueError) as exc:  # rdflib raises BadSyntax, a SyntaxError subclass
        message = " ".join(str(exc).split())[:300]
        raise UserError(
            f"Turtle syntax error: {message}",
            f"syntaxfel i Turtle: {message}",
            file=name,
            code="turtle-syntax",
        ) from exc
    if len(graph) > settings.limits.max_triples:
        raise UserError(
            f"the Turtle has more than {settings.limits.max_triples} statements, the limit for one submission",
            f"Turtle-texten har fler än {settings.limits.max_triples} påståenden, gränsen för en inrapportering",
            file=name,
            code="too-many-rows",
        )
    offerings = len(set(graph.subjects(RDF.type, IG.Offering)))
    if offerings > settings.limits.max_rows:
        raise UserError(
            f"the file describes {offerings} offerings, more than the limit of {settings.limits.max_rows}",
            f"filen beskriver {offerings} erbjudanden, fler än gränsen {settings.limits.max_rows}",
            file=name,
            code="too-many-rows",
        )
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
    data: bytes,
    name: str,
    org: str | None,
    settings: Settings,
    deadline: Deadline | None = None,
    vocabulary: vocab.Vocabulary | None = None,
) -> tuple[Graph, str, dict[str, str]]:
    """Parse a file's bytes into (graph, organisation id, Turtle file header), within ``settings.limits``."""
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
    table = read_table(data, name, settings.limits, deadline)
    if org is None:
        org = guess_org(name, vocab.load(settings))
    if org is None:
        raise UserError(
            "which organisation is this? pass --org ID (e.g. --org 0580)",
            "vilken organisation gäller filen? ange --org ID (t.ex. --org 0580)",
            file=name,
            code="no-org",
        )
    table.rows = [(n, row) for n, row in table.rows if keep_row(row, n, name)]  # the workbook's status
    return table_to_graph(table, org, settings, vocabulary), org, {}


def ingest_file(
    source: str | Path | bytes, org: str | None, settings: Settings, filename: str | None = None
) -> Graph:
    """A spreadsheet or Turtle file → the submission graph of ``org`` (see docs/design.md)."""
    data, name = read_source(source, filename, settings)
    graph, _org, _header = ingest_bytes(data, name, org, settings)
    return graph
