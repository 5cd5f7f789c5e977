"""Editions of the national catalogue (issue 13 item 4): import, deprecation, diff, validation, the CLI.

The edition imported is the real bundled list (``data/reference/programmes.csv``) changed as a FoU unit would:
three new entries, one dropped, one changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pyshacl
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS, SH, SKOS
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.reference import catalogue_graph
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import editions
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.edition_file import entry_shapes
from insatsgraf.submission.validate import ValidationFailed

SETTINGS = Settings()
BASE = SETTINGS.base
FIXTURES = Path(__file__).parent / "fixtures" / "catalogue"
PROGRAMMES = SETTINGS.domain / "programmes.csv"
NEW_ROWS = [  # in programmes.csv's columns: id, names, kind, target, ages, sessions, description, source
    "familjelotsen,Familjelotsen,Familjelots,Family guide,insatstyp,familj,,,,"
    "Lots för familjer till rätt stöd.,test-edition",
    "tonarskomet,Tonårskomet,,Komet for teenagers,foraldraskapsstodsprogram,foraldrar,12,18,10,"
    "Komet för föräldrar till tonåringar.,test-edition",
    "stod-i-skolan,Stöd i skolan,,School support,skolstodsmodell,barn,6,15,,Stöd för skolgången.,test-edition",
]


def edition_csv() -> bytes:
    """The bundled list with three new entries, Mini Maria dropped and Noor's sessions and name changed."""
    lines = PROGRAMMES.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("mini-maria,")]
    kept = [
        line.replace("noor,Noor-grupper,", "noor,Noorgrupper,").replace(",15,23,12,", ",15,23,10,")
        for line in kept
    ]
    return ("\n".join(kept + NEW_ROWS) + "\n").encode("utf-8")


@pytest.fixture
def store() -> OxigraphStore:
    st = OxigraphStore(None, base=BASE)
    load_bundled(st, SETTINGS)
    return st


def run_query(store: OxigraphStore, name: str, **params: str) -> list[dict[str, str]]:
    return Catalogue.load(SETTINGS.queries_dir).run(store, name, params).table()


def test_the_bundled_catalogue_is_the_first_edition_and_loading_again_adds_none(store: OxigraphStore) -> None:
    rows = editions.history(store, SETTINGS)
    assert [(r["edition"], r["entries"], r["file"], r["current"]) for r in rows] == [
        (editions.BUNDLED_EDITION, 60, "catalogue.ttl", True)
    ]
    before = ground_quads(store)
    load_bundled(store, SETTINGS)
    assert ground_quads(store) == before


def ground_quads(store: OxigraphStore) -> set[bytes]:
    """The store's quads without blank nodes (the ontology's restrictions get new ones on every load)."""
    return {line for line in store.dump_nquads().splitlines() if b"_:" not in line}


def test_sessions_come_from_the_reference_csv_only_where_a_source_names_them() -> None:
    graph = catalogue_graph(PROGRAMMES, BASE)
    sessions = {str(s).rsplit("/", 1)[-1]: int(o) for s, o in graph.subject_objects(IG.numberOfSessions)}
    assert sessions == {"noor": 12}  # "Samtalsgrupp med tolv träffar"


def test_an_edition_with_three_new_entries_imports_and_old_mappings_still_resolve(
    store: OxigraphStore,
) -> None:
    mini_maria = URIRef(iris.programme("mini-maria", BASE))
    before = run_query(store, "offerings-of-programme", programme=str(mini_maria))
    assert [r["localName"] for r in before] == ["MiniMaria"]
    first = editions.history(store, SETTINGS)[0]["submission"]

    result = editions.import_edition(
        store, SETTINGS, edition_csv(), "skr-2025.csv", edition="SKR 2025", day="2025-01-15", by="Eva Ek"
    )
    assert (result.entries, result.deprecated) == (62, 1)

    current = store.graph(iris.graph("catalogue", BASE))
    for row in NEW_ROWS:
        assert (URIRef(iris.programme(row.split(",")[0], BASE)), SKOS.notation, None) in current
    # the dropped entry stays resolvable, deprecated, pointing at the edition that last listed it
    assert (mini_maria, OWL.deprecated, Literal(True)) in current
    assert current.value(mini_maria, IG.lastEdition) == URIRef(str(first))
    assert [
        r["localName"] for r in run_query(store, "offerings-of-programme", programme=str(mini_maria))
    ] == ["MiniMaria"]
    # one edition's labels per entry in the union
    noor = URIRef(iris.programme("noor", BASE))
    labels = store.query(
        f"SELECT ?l WHERE {{ <{noor}> <{SKOS.prefLabel}> ?l FILTER(LANG(?l) = 'sv') }}"
    ).values("l")
    assert labels == ["Noorgrupper"]
    # a new entry matches in the same write: Linköping's "Familjelotsen" had no programme before
    lotsen = run_query(store, "offerings-of-programme", programme=iris.programme("familjelotsen", BASE))
    assert [(r["organisation"].rsplit("/", 1)[-1], r["localName"]) for r in lotsen] == [
        ("0580", "Familjelotsen")
    ]

    rows = editions.history(store, SETTINGS)
    assert [(r["edition"], r["date"], r["by"], r["current"]) for r in rows] == [
        (editions.BUNDLED_EDITION, rows[0]["date"], None, False),
        ("SKR 2025", "2025-01-15", "Eva Ek", True),
    ]
    scheme = URIRef(iris.scheme("catalogue", BASE))
    assert str(current.value(scheme, OWL.versionInfo)) == "SKR 2025"


def test_diff_lists_added_removed_and_changed_entries_with_their_fields(store: OxigraphStore) -> None:
    editions.import_edition(
        store, SETTINGS, edition_csv(), "skr-2025.csv", edition="SKR 2025", day="2025-01-15"
    )
    result = editions.diff(store, SETTINGS)
    assert [i for i, _ in result.added] == ["familjelotsen", "stod-i-skolan", "tonarskomet"]
    assert result.removed == [("mini-maria", "Mini Maria")]
    assert [(c.id, sorted(c.fields)) for c in result.changed] == [("noor", ["pref_label_sv", "sessions"])]
    assert result.changed[0].fields["sessions"] == (["12"], ["10"])
    # named editions, either way round
    back = editions.diff(store, SETTINGS, "SKR 2025", editions.BUNDLED_EDITION)
    assert [i for i, _ in back.removed] == ["familjelotsen", "stod-i-skolan", "tonarskomet"]
    with pytest.raises(UserError, match="no catalogue edition"):
        editions.diff(store, SETTINGS, "SKR 1999")


def test_loading_the_bundled_data_again_keeps_an_imported_edition(store: OxigraphStore) -> None:
    editions.import_edition(
        store, SETTINGS, edition_csv(), "skr-2025.csv", edition="SKR 2025", day="2025-01-15"
    )
    load_bundled(store, SETTINGS)
    rows = editions.history(store, SETTINGS)
    assert [(r["edition"], r["current"]) for r in rows] == [
        (editions.BUNDLED_EDITION, False),
        ("SKR 2025", True),
    ]
    current = store.graph(iris.graph("catalogue", BASE))
    assert (URIRef(iris.programme("tonarskomet", BASE)), SKOS.notation, None) in current
    lotsen = run_query(store, "offerings-of-programme", programme=iris.programme("familjelotsen", BASE))
    assert [r["localName"] for r in lotsen] == ["Familjelotsen"]  # load's own re-derivation sees the edition


def test_a_list_may_name_an_entry_of_the_imported_edition(store: OxigraphStore) -> None:
    """The program column reads the store's current edition: tonarskomet is unknown before the import."""
    from insatsgraf.submission.lists import submit

    listed = "insats,program,variant\nTonårskomet,tonarskomet,samma\n".encode()
    with pytest.raises(ValidationFailed) as caught:
        submit(store, SETTINGS, listed, "0580-2025.csv", "0580", "2025-02-01")
    assert [(r.row, r.column) for r in caught.value.report.violations] == [(2, "program")]
    editions.import_edition(store, SETTINGS, edition_csv(), "skr-2025.csv", day="2025-01-15")
    submit(store, SETTINGS, listed, "0580-2025.csv", "0580", "2025-02-01")
    rows = run_query(store, "offerings-of-programme", programme=iris.programme("tonarskomet", BASE))
    assert [(r["localName"], r["status"].rsplit("/", 1)[-1]) for r in rows] == [("Tonårskomet", "confirmed")]


def test_the_workbook_offers_the_current_editions_names(store: OxigraphStore) -> None:
    from insatsgraf.submission.workbook import build_workbook

    def programme_names() -> list[str]:
        lists = build_workbook(store, SETTINGS, "0580")["Listor"]
        column = next(col for col in lists.iter_cols() if col[0].value == "program")
        return [str(c.value) for c in column[1:] if c.value]

    assert "Tonårskomet" not in programme_names()
    editions.import_edition(store, SETTINGS, edition_csv(), "skr-2025.csv", day="2025-01-15")
    names = programme_names()
    assert {"Tonårskomet", "Familjelotsen", "Stöd i skolan", "Noorgrupper"} <= set(names)
    assert "Noor-grupper" not in names


def test_a_dropped_entry_listed_again_is_no_longer_deprecated(store: OxigraphStore) -> None:
    editions.import_edition(store, SETTINGS, edition_csv(), "skr-2025.csv", day="2025-01-15")
    editions.import_edition(store, SETTINGS, PROGRAMMES.read_bytes(), "programmes.csv", day="2025-02-01")
    current = store.graph(iris.graph("catalogue", BASE))
    mini_maria = URIRef(iris.programme("mini-maria", BASE))
    assert (mini_maria, OWL.deprecated, None) not in current and (
        mini_maria,
        IG.lastEdition,
        None,
    ) not in current
    # the three entries of the second edition are kept, deprecated, with the edition that last listed them
    deprecated = sorted(str(s).rsplit("/", 1)[-1] for s in current.subjects(OWL.deprecated, Literal(True)))
    assert deprecated == ["familjelotsen", "stod-i-skolan", "tonarskomet"]


INVALID = [
    # file, row, column, the word the English message must contain
    ("invalid-duplicate-id.csv", 4, "id", "several rows"),
    ("invalid-bad-id.csv", 3, "id", "Invalid or missing id"),
    ("invalid-unknown-kind.csv", 2, "kind", "Unknown kind"),
    ("invalid-unknown-category.csv", 3, "skr_category", "Unknown SKR category"),
    ("invalid-unknown-target.csv", 2, "target", "Unknown target group"),
    ("invalid-reversed-ages.csv", 2, "age_min", "reversed"),
    ("invalid-sessions-not-a-number.csv", 2, "sessions", "number of sessions"),
]


@pytest.mark.parametrize(("name", "row", "column", "words"), INVALID, ids=[c[0] for c in INVALID])
def test_an_invalid_edition_is_refused_with_row_and_column_and_changes_nothing(
    store: OxigraphStore, name: str, row: int, column: str, words: str
) -> None:
    before = store.dump_nquads()
    with pytest.raises(ValidationFailed) as caught:
        editions.import_edition(store, SETTINGS, FIXTURES / name)
    report = caught.value.report
    assert [(r.row, r.column) for r in report.violations] == [(row, column)], report.text()
    (result,) = report.violations
    assert words in result.message_en and result.message_sv
    assert report.file == name
    assert store.dump_nquads() == before


def test_an_unknown_column_is_refused_before_validation(store: OxigraphStore) -> None:
    before = store.dump_nquads()
    with pytest.raises(UserError) as caught:
        editions.import_edition(store, SETTINGS, FIXTURES / "invalid-unknown-column.csv")
    assert (caught.value.row, caught.value.column, caught.value.code) == (1, "farg", "unknown-column")
    assert not isinstance(caught.value, ValidationFailed)
    assert store.dump_nquads() == before


def test_an_xlsx_edition_imports_like_the_csv(store: OxigraphStore) -> None:
    import csv
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in csv.reader(io.StringIO(edition_csv().decode("utf-8"))):
        book.active.append([int(c) if c.isdigit() else c for c in row])
    out = io.BytesIO()
    book.save(out)
    result = editions.import_edition(store, SETTINGS, out.getvalue(), "skr-2025.xlsx", day="2025-01-15")
    assert (result.entries, result.deprecated, result.edition) == (62, 1, "skr-2025")
    assert [i for i, _ in editions.diff(store, SETTINGS).added] == [
        "familjelotsen",
        "stod-i-skolan",
        "tonarskomet",
    ]


def test_the_valid_fixture_imports(store: OxigraphStore) -> None:
    result = editions.import_edition(store, SETTINGS, FIXTURES / "valid-small.csv")
    assert (result.entries, result.deprecated) == (2, 59)  # abc … stay, deprecated; komet is listed again


def test_the_bundled_list_itself_conforms(store: OxigraphStore) -> None:
    result = editions.import_edition(store, SETTINGS, PROGRAMMES.read_bytes(), "programmes.csv")
    assert (result.entries, result.deprecated) == (60, 0)
    assert editions.diff(store, SETTINGS).changed == []


def test_entry_shapes_are_valid_shacl_and_bilingual() -> None:
    shapes = entry_shapes(SETTINGS)
    meta = Graph().parse(str(files("pyshacl") / "assets" / "shacl-shacl.ttl"), format="turtle")
    conforms, _report, text = pyshacl.validate(shapes, shacl_graph=meta, inference="none")
    assert conforms, text
    for shape in shapes.subjects(SH.path, None):
        assert str(shape).rsplit("#", 1)[-1].startswith("CatalogueEntry_Shape-")
        for prop in (SH.message, RDFS.comment):
            assert {getattr(o, "language", None) for o in shapes.objects(shape, prop)} >= {"sv", "en"}, shape


def test_cli_import_history_and_diff(loaded_store_dir: str, tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "skr-2025.csv"
    path.write_bytes(edition_csv())
    result = runner.invoke(
        app,
        [
            "catalogue",
            "import",
            str(path),
            "--edition",
            "SKR 2025",
            "--by",
            "Eva Ek",
            "--store",
            loaded_store_dir,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "62 entries, 1 kept as deprecated" in result.output
    result = runner.invoke(app, ["catalogue", "history", "--format", "json", "--store", loaded_store_dir])
    assert [r["edition"] for r in json.loads(result.output)] == [editions.BUNDLED_EDITION, "SKR 2025"]
    result = runner.invoke(app, ["catalogue", "diff", "--store", loaded_store_dir])
    assert (
        result.exit_code == 0
        and "+ tonarskomet  Tonårskomet" in result.output
        and "- mini-maria" in result.output
    )
    assert "sessions: 12 → 10" in result.output
    bad = runner.invoke(
        app, ["catalogue", "import", str(FIXTURES / "invalid-reversed-ages.csv"), "--store", loaded_store_dir]
    )
    assert bad.exit_code == 1 and "rad/row 2, kolumn/column age_min" in bad.output


@pytest.fixture
def http(store: OxigraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, str, str]]:
    registry = TokenRegistry(tmp_path / "tokens.json")
    curator, _ = registry.issue_curator()
    linkoping, _ = registry.issue("0580")
    with TestClient(create_app(SETTINGS, store, tokens=registry)) as client:
        yield client, curator, linkoping


def test_http_import_needs_a_curator_and_answers_like_the_cli(
    http: tuple[TestClient, str, str], store: OxigraphStore
) -> None:
    client, curator, linkoping = http
    params = {"filename": "skr-2025.csv", "edition": "SKR 2025", "date": "2025-01-15"}
    body = {"content": edition_csv(), "params": params}
    assert client.post("/catalogue/editions", **body).status_code == 401  # type: ignore[arg-type]
    refused = client.post(
        "/catalogue/editions",
        headers={"authorization": f"Bearer {linkoping}", "content-type": "text/csv"},
        **body,  # type: ignore[arg-type]
    )
    assert refused.status_code == 403 and refused.json()["error"] == "curator-required"
    before = store.dump_nquads()
    bad = client.post(
        "/catalogue/editions",
        headers={"authorization": f"Bearer {curator}", "content-type": "text/csv"},
        params={"filename": "fel.csv"},
        content=(FIXTURES / "invalid-reversed-ages.csv").read_bytes(),
    )
    assert bad.status_code == 422
    assert [(r["row"], r["column"]) for r in bad.json()["report"]["results"]] == [(2, "age_min")]
    assert store.dump_nquads() == before
    done = client.post(
        "/catalogue/editions",
        headers={"authorization": f"Bearer {curator}", "content-type": "text/csv"},
        **body,  # type: ignore[arg-type]
    )
    assert done.status_code == 201, done.text
    assert (done.json()["entries"], done.json()["deprecated"]) == (62, 1)
    listed = client.get("/catalogue/editions").json()
    assert [e["edition"] for e in listed] == [editions.BUNDLED_EDITION, "SKR 2025"]
    diff = client.get("/catalogue/editions/diff").json()
    assert [a["id"] for a in diff["added"]] == ["familjelotsen", "stod-i-skolan", "tonarskomet"]
    text = client.get("/catalogue/editions/diff", headers={"accept": "text/plain"}).text
    assert "- mini-maria  Mini Maria" in text
