"""The hostile corpus (tests/hostile/, issue 12): every file is refused (or neutralised) with its asserted answer,
over the CLI and over HTTP, and the store is byte-for-byte the same after each refusal.

Small files are committed; the large ones are made here by ``generate`` (at test time, bounded: the point
is that the product refuses before it allocates, so no case needs more than a few MB or ~40 MB for the one
zip bomb's part). ``tests/hostile/expected.csv`` holds the answer per file.
"""

from __future__ import annotations

import csv
import io
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.cli import app as cli_app
from insatsgraf.config import InputLimits, Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import lists
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.ingest import ingest_bytes
from insatsgraf.submission.lists import submit

CORPUS = Path(__file__).parent / "hostile"
EXPECTED = list(csv.DictReader((CORPUS / "expected.csv").open(encoding="utf-8")))
EXAMPLE = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
HEADER = "insats,program,beskrivning,kommentar\n"
runner = CliRunner()

# -- the generator --------------------------------------------------------------------------------------

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(
    sheet_data: str,
    *,
    dimension: str | None = None,
    shared: str | None = None,
    part: str = "worksheets/sheet1.xml",
    prolog: str = "",
    **parts: str,
) -> bytes:
    """A minimal workbook written by hand (so that it can lie): one sheet ``Insatser``, optional shared strings,
    and any part replaced (``workbook`` = xl/workbook.xml)."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook = parts.get(
        "workbook",
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{SHEET_NS}" xmlns:r="{REL_NS}"><sheets>'
        '<sheet name="Insatser" sheetId="1" r:id="rId1"/></sheets></workbook>',
    )
    book_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="{part}"/>'
        f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{SHEET_NS}">{dim}<sheetData>{sheet_data}</sheetData></worksheet>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr(f"xl/{part}", sheet)
        strings = (
            shared
            or f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{SHEET_NS}" count="0" uniqueCount="0"/>'
        )
        archive.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def shared_sst(strings: Iterator[str] | list[str], prolog: str = "") -> str:
    body = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst xmlns="{SHEET_NS}">{body}</sst>'


HEADER_ROW = '<row r="1">' + inline("A1", "insats") + inline("B1", "kommentar") + "</row>"
ONE_ROW = HEADER_ROW + '<row r="2">' + inline("A2", "Komet") + "</row>"
LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f'<!DOCTYPE sst [<!ENTITY lol0 "lol">{LAUGHS}]>'
XXE = '<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _csv_rows(count: int, same_name: bool) -> bytes:
    body = "".join(f"{'Komet' if same_name else f'Insats {i}'},,,rad {i}\n" for i in range(count))
    return (HEADER + body).encode()


GENERATED: dict[str, Callable[[], bytes]] = {
    "dimension-claims-millions.xlsx": lambda: xlsx(ONE_ROW, dimension="A1:XFD1048576"),
    "zip-bomb-shared-string.xlsx": lambda: xlsx(
        HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
        shared=shared_sst(["a" * (33 * 1024 * 1024)]),
    ),
    "many-shared-strings.xlsx": lambda: xlsx(ONE_ROW, shared=shared_sst(f"s{i}" for i in range(100_001))),
    "billion-laughs.xlsx": lambda: xlsx(
        HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
        shared=shared_sst(["&lol9;"], prolog=BILLION_LAUGHS),
    ),
    "xxe.xlsx": lambda: xlsx(
        ONE_ROW,
        workbook=f'<?xml version="1.0" encoding="UTF-8"?>{XXE}<workbook xmlns="{SHEET_NS}" xmlns:r="{REL_NS}">'
        '<sheets><sheet name="&xxe;" sheetId="1" r:id="rId1"/></sheets></workbook>',
    ),
    "disguised-part-billion-laughs.xlsx": lambda: xlsx(
        HEADER_ROW + '<row r="2">' + inline("A2", "&lol9;") + "</row>",
        part="worksheets/sheet1.bin",
        prolog=BILLION_LAUGHS.replace("sst", "worksheet"),
    ),
    "cell-beyond-columns.xlsx": lambda: xlsx(HEADER_ROW + '<row r="2">' + inline("XFD2", "x") + "</row>"),
    "one-megabyte-cell.xlsx": lambda: xlsx(
        HEADER_ROW + '<row r="2">' + inline("A2", "Komet") + '<c r="B2" t="s"><v>0</v></c></row>',
        shared=shared_sst(["x" * 1024 * 1024]),
    ),
    "many-rows.csv": lambda: _csv_rows(200_000, same_name=False),
    "one-name-many-rows.csv": lambda: _csv_rows(20_000, same_name=True),
    "nul-after-4k.csv": lambda: (
        HEADER + "".join(f"Insats {i},,,rad {i}\n" for i in range(400)) + "Komet,,text\x00mer,\n"
    ).encode(),
    "one-megabyte-cell.csv": lambda: (HEADER + "Komet,," + "x" * 1024 * 1024 + ",\n").encode(),
    "deep-blank-nodes.ttl": lambda: (
        "<https://w3id.org/insatsgraf/id/offering/0580/x> <http://example.org/p> "
        + "[ <http://example.org/p> " * 10_000
        + "]" * 10_000
        + " ."
    ).encode(),
    "deep-collections.ttl": lambda: (
        "<https://w3id.org/insatsgraf/id/offering/0580/x> <http://example.org/p> "
        + "(" * 10_000
        + ")" * 10_000
        + " ."
    ).encode(),
    "future-date.csv": lambda: EXAMPLE.read_bytes(),
    "past-date.csv": lambda: EXAMPLE.read_bytes(),
    "header-future-date.ttl": lambda: (
        (CORPUS.parent.parent / "data/ttl/submissions/0580-linkoping-2021.ttl")
        .read_bytes()
        .replace(b'"2021-06-01"^^xsd:date', b'"9999-12-31"^^xsd:date')
    ),
}


def data_of(name: str) -> bytes:
    return GENERATED[name]() if name in GENERATED else (CORPUS / name).read_bytes()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case as a file (the generated ones written once per run)."""
    folder = tmp_path_factory.mktemp("hostile")
    for case in EXPECTED:
        (folder / case["file"]).write_bytes(data_of(case["file"]))
    return folder


def test_every_file_has_an_answer() -> None:
    committed = {p.name for p in CORPUS.iterdir() if p.name not in ("expected.csv", "README.md")}
    assert committed | set(GENERATED) == {case["file"] for case in EXPECTED}
    assert not committed & set(GENERATED)


# -- over HTTP --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, OxigraphStore, dict[str, str]]]:
    store = OxigraphStore(None, base=Settings().base)
    load_bundled(store, Settings())
    submit(store, Settings(), EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", "Test")
    registry = TokenRegistry(tmp_path_factory.mktemp("tokens") / "tokens.json")
    tokens = {org: registry.issue(org)[0] for org in ("0580", "0581")}
    with TestClient(create_app(Settings(), store, tokens=registry)) as client:
        yield client, store, tokens


@pytest.mark.parametrize("case", EXPECTED, ids=[c["file"] for c in EXPECTED])
def test_over_http(
    case: dict[str, str], files: Path, http: tuple[TestClient, OxigraphStore, dict[str, str]]
) -> None:
    client, store, tokens = http
    before = store.dump_nquads()
    org = case["org"]
    params = {"filename": case["file"], "by": "Test", "date": case["date"] or None}
    started = time.monotonic()
    response = client.post(
        f"/organisations/{org}/submissions",
        params={k: v for k, v in params.items() if v},
        content=(files / case["file"]).read_bytes(),
        headers={"authorization": f"Bearer {tokens[org]}", "content-type": "application/octet-stream"},
    )
    assert time.monotonic() - started < 20, "refused before the work is done"
    assert response.status_code == int(case["http"]), response.text[:500]
    if case["code"] == "accepted":
        check_neutralised_over_http(client)
        return
    body = response.json()
    assert body["error"] == case["code"]
    assert body["message"]["sv"] and body["message"]["en"]
    text = response.text if case["code"] == "validation-failed" else body["message"]["en"]
    assert case["message"] in text
    assert store.dump_nquads() == before


def check_neutralised_over_http(client: TestClient) -> None:
    """The accepted formula-like cells leave the service only neutralised (a leading ')."""
    out = client.get("/harmonise", params={"org": "0580", "format": "csv"}).text
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert "'@ett namn" in cells and "'-2+3" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


# -- over the CLI -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("cli") / "store")
    assert runner.invoke(cli_app, ["load", "--store", path]).exit_code == 0
    result = runner.invoke(
        cli_app, ["submit", str(EXAMPLE), "--org", "0580", "--date", "2021-06-01", "--store", path]
    )
    assert result.exit_code == 0, result.output
    return path


def dump(path: str) -> bytes:
    store = OxigraphStore(path, base=Settings().base)
    try:
        return store.dump_nquads()
    finally:
        store.close()


@pytest.mark.parametrize("case", EXPECTED, ids=[c["file"] for c in EXPECTED])
def test_over_the_cli(case: dict[str, str], files: Path, cli_store: str) -> None:
    before = dump(cli_store)
    args = [
        "submit",
        str(files / case["file"]),
        "--org",
        case["org"],
        "--store",
        cli_store,
        "--format",
        "json",
    ]
    if case["date"]:
        args += ["--date", case["date"]]
    result = runner.invoke(cli_app, args)
    assert result.exit_code == int(case["exit"]), result.output[-800:]
    if case["code"] == "accepted":
        out = runner.invoke(cli_app, ["harmonise", "--org", "0580", "--format", "csv", "--store", cli_store])
        cells = [cell for row in csv.reader(io.StringIO(out.stdout)) for cell in row]
        assert "'@ett namn" in cells and not any(c.startswith(("=", "+", "-", "@")) for c in cells)
        return
    assert f'"error": "{case["code"]}"' in result.output
    assert case["message"] in result.output
    assert "Traceback" not in result.output
    assert dump(cli_store) == before


# -- what the table cannot say ------------------------------------------------------------------------------


def test_a_large_cell_names_row_and_column_and_no_python_english() -> None:
    for name, column in (("one-megabyte-cell.csv", "C"), ("one-megabyte-cell.xlsx", "B")):
        with pytest.raises(UserError) as caught:
            ingest_bytes(data_of(name), name, "0580", Settings())
        assert (caught.value.row, caught.value.column) == (2, column)
        assert "field" not in caught.value.sv and "limit (" not in caught.value.sv


def test_csv_errors_carry_no_python_english_in_swedish() -> None:
    with pytest.raises(UserError) as caught:
        ingest_bytes(b'insats,kommentar\nKomet,"oavslutad\n', "x.csv", "0580", Settings())
    assert caught.value.code == "csv" and caught.value.row == 2
    assert "unexpected" not in caught.value.sv


def test_time_limit(fresh_store: OxigraphStore) -> None:
    before = fresh_store.dump_nquads()
    settings = Settings().with_(limits=InputLimits(max_seconds=0.0))
    with pytest.raises(UserError) as caught:
        submit(fresh_store, settings, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2022-01-01")
    assert caught.value.code == "too-slow"
    assert fresh_store.dump_nquads() == before


def test_a_slow_submission_does_not_hold_the_write_lock(
    monkeypatch: pytest.MonkeyPatch, http: tuple[TestClient, OxigraphStore, dict[str, str]]
) -> None:
    """Validation runs before the write lock: while 0581's file takes 4 s to validate, 0580's goes through."""
    client, _store, tokens = http
    real = lists.validate_graph

    def slow(graph, store, settings, *, org=None, file=None):  # type: ignore[no-untyped-def]
        if org == "0581":
            time.sleep(4)
        return real(graph, store, settings, org=org, file=file)

    monkeypatch.setattr(lists, "validate_graph", slow)

    def post(org: str) -> int:
        return client.post(
            f"/organisations/{org}/submissions",
            params={"filename": f"{org}.csv", "date": "2022-02-02"},
            content=b"insats\nKomet\n",
            headers={"authorization": f"Bearer {tokens[org]}", "content-type": "text/csv"},
        ).status_code

    slow_one = threading.Thread(target=post, args=("0581",))
    slow_one.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert post("0580") == 201
    assert time.monotonic() - started < 3
    slow_one.join()


def test_the_contract_is_the_shapes_paths() -> None:
    """The allowed properties come from the shapes (one table): what the ingester writes is in, the rest out."""
    from rdflib.namespace import OWL, RDF, SKOS

    from insatsgraf.model.iris import IG
    from insatsgraf.submission.validate import contract

    allowed = contract(Settings())
    assert {IG.localName, IG.offeredBy, IG.implements, IG.evidence, IG.sourceRow, RDF.type} <= allowed[
        IG.Offering
    ]
    assert {IG.partner, IG.about} <= allowed[IG.Collaboration]
    assert all(
        p not in props for props in allowed.values() for p in (SKOS.prefLabel, OWL.sameAs, IG.statedProgramme)
    )
    graph, _org, _ = ingest_bytes(EXAMPLE.read_bytes(), EXAMPLE.name, "0580", Settings())
    for s, p, _o in graph:
        kind = next(c for c in graph.objects(s, RDF.type))
        assert p in allowed[kind], (s, p)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('ig:localName "Komet\\u0000" ;', "NUL character"),
        (f'ig:localName "{"x" * 2001}" ;', "over the limit of 2000"),
    ],
)
def test_turtle_literals_are_bounded(text: str, needle: str, fresh_store: OxigraphStore) -> None:
    from insatsgraf.submission.validate import ValidationFailed

    data = (
        "@prefix ig: <https://w3id.org/insatsgraf/def#> .\n"
        f"<https://w3id.org/insatsgraf/id/offering/0580/komet> a ig:Offering ; {text} ig:sourceRow 2 ;\n"
        "    ig:offeredBy <https://w3id.org/insatsgraf/id/organisation/0580> .\n"
    ).encode()
    before = fresh_store.dump_nquads()
    with pytest.raises(ValidationFailed) as caught:
        submit(fresh_store, Settings(), data, "x.ttl", "0580", "2022-01-01")
    assert any(needle in r.message_en for r in caught.value.report.violations)
    assert fresh_store.dump_nquads() == before


def test_no_nul_enters_from_an_xlsx_cell() -> None:
    """XML cannot hold a NUL, and openpyxl keeps the escape ``_x0000_`` as text: no NUL reaches the graph."""
    for sheet, shared in (
        (HEADER_ROW + '<row r="2">' + inline("A2", "Komet") + inline("B2", "a_x0000_b") + "</row>", None),
        (
            HEADER_ROW + '<row r="2">' + inline("A2", "Komet") + '<c r="B2" t="s"><v>0</v></c></row>',
            ["a_x0000_b"],
        ),
    ):
        data = xlsx(sheet, shared=shared_sst(shared) if shared else None)
        graph, _org, _ = ingest_bytes(data, "x.xlsx", "0580", Settings())
        assert not any("\x00" in str(t) for triple in graph for t in triple)
    raw = xlsx(HEADER_ROW + '<row r="2">' + inline("A2", "Kom\x00et") + "</row>")
    with pytest.raises(UserError) as caught:
        ingest_bytes(raw, "x.xlsx", "0580", Settings())
    assert caught.value.code == "xlsx" and "Traceback" not in caught.value.text()


def test_catalogue_csv_neutralises_formula_like_text_and_the_endpoint_keeps_it_exact() -> None:
    """A stored "+46…" or "@SUM(…)" leaves the catalogue (CLI --format csv, /queries/{name}) as text a
    spreadsheet will not run; numbers stay numbers; /sparql answers the value exactly as stored."""
    from insatsgraf.catalogue.queries import format_result
    from insatsgraf.sparql import media
    from insatsgraf.sparql.results import QueryResult

    xsd_integer = "http://www.w3.org/2001/XMLSchema#integer"
    result = QueryResult(
        kind="select",
        vars=["name", "n"],
        rows=[
            {
                "name": {"type": "literal", "value": "@SUM(A1:A9)"},
                "n": {"type": "literal", "value": "-5", "datatype": xsd_integer},
            },
            {"name": {"type": "literal", "value": "+46 13 20 60 00", "xml:lang": "sv"}},
        ],
    )
    people = format_result(result, "csv").splitlines()
    assert people[1:] == ["'@SUM(A1:A9),-5", "'+46 13 20 60 00,"]
    exact = media.write_results(result, media.CSV).decode("utf-8").splitlines()
    assert exact[1:] == ["@SUM(A1:A9),-5", "+46 13 20 60 00,"]
