"""submit, history and diff on a real embedded store: replacement, history, provenance, changes."""

from __future__ import annotations

import hashlib

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation.mapping import move_statements
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.lists import diff, history, provenance_graph, submit
from insatsgraf.submission.validate import ValidationFailed

SETTINGS = Settings()
BASE = SETTINGS.base
EXAMPLE = SETTINGS.domain / "submissions" / "0580-linkoping-2021.csv"


@pytest.fixture
def store() -> OxigraphStore:
    """Reference data only (no bundled submission), so the history starts empty."""
    st = OxigraphStore(None, base=BASE)
    load_bundled(st, SETTINGS)
    for name in st.graph_names():
        if "/current/" in name or "/provenance/" in name or iris.is_history_graph(name, BASE):
            st.replace_graphs({name: None})
    return st


def changed_copy() -> bytes:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        "Medling,medling,Medling mellan brottsoffer och gärningsman.",
        "Medling,medling,Medling mellan brottsoffer och gärningsman; även i skolan.",
    )
    text = text.replace("MiniMaria,mini-maria,", "MiniMaria,mini-maria,", 1)
    lines = [line for line in text.splitlines() if not line.startswith("Jourhem,")]
    lines.append(
        "Läsfrämjande,,Läsprojekt för barn i familjehem.,,barn,6,12,selektiv,Individ-/gruppinsats,"
        "Skolproblematik,service,egen regi,,,,,"
    )
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_example_submits_and_history_shows_it(store: OxigraphStore) -> None:
    data = EXAMPLE.read_bytes()
    result = submit(store, SETTINGS, data, EXAMPLE.name, "0580", "2021-06-01", "Anna Andersson")
    assert result.submission == iris.submission("0580", "2021-06-01", BASE)
    assert result.offerings == 21 and result.previous is None
    rows = history(store, "0580", SETTINGS)
    assert [(r["date"], r["file"], r["by"], r["offerings"], r["current"]) for r in rows] == [
        ("2021-06-01", EXAMPLE.name, "Anna Andersson", 21, True)
    ]
    assert rows[0]["sha256"] == hashlib.sha256(data).hexdigest()
    current = store.graph(iris.current_graph("0580", BASE))
    assert len(current) == result.triples
    # the history keeps the file verbatim; the current graph states its programme column (the counted links
    # are in the mapping graph, derived in the same transaction)
    history_graph = store.graph(result.submission)
    assert isomorphic(current, move_statements(history_graph, BASE))
    assert not set(current.triples((None, IG.implements, None)))
    links = store.graph(iris.mapping_graph("0580", BASE))
    assert set(links.triples((None, IG.implements, None))) == set(
        history_graph.triples((None, IG.implements, None))
    )


def test_provenance_record(store: OxigraphStore) -> None:
    first = submit(
        store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", "Anna Andersson"
    )
    second = submit(store, SETTINGS, changed_copy(), "linkoping-2022.csv", "0580", "2022-03-01", None)
    prov = store.graph(provenance_graph("0580", BASE))
    sub = URIRef(second.submission)
    assert (sub, RDF.type, IG.Submission) in prov
    assert prov.value(sub, IG.submittedBy) == URIRef(iris.organisation("0580", BASE))
    assert prov.value(sub, DCTERMS.issued).toPython().isoformat() == "2022-03-01"
    assert prov.value(sub, IG.fileName) == Literal("linkoping-2022.csv")
    assert prov.value(sub, IG.sha256) == Literal(hashlib.sha256(changed_copy()).hexdigest())
    assert prov.value(sub, PROV.wasRevisionOf) == URIRef(first.submission)
    assert prov.value(sub, PROV.generatedAtTime) is not None
    agent = prov.value(URIRef(first.submission), PROV.wasAttributedTo)
    assert prov.value(agent, FOAF.name) == Literal("Anna Andersson")
    assert list(prov.objects(URIRef(iris.organisation("0580", BASE)), IG.currentSubmission)) == [sub]


def test_resubmitting_a_changed_copy_shows_in_diff_and_keeps_history(store: OxigraphStore) -> None:
    first = submit(store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", None)
    submit(store, SETTINGS, changed_copy(), "linkoping-2022.csv", "0580", "2022-03-01", None)
    change = diff(store, "0580", settings=SETTINGS)
    assert [o.name for o in change.added] == ["Läsfrämjande"]
    assert [o.name for o in change.removed] == ["Jourhem"]
    assert [o.name for o in change.changed] == ["Medling"]
    assert change.changed[0].changes[0].property == "description"
    assert "även i skolan" in change.changed[0].changes[0].added[0]
    current = store.graph(iris.current_graph("0580", BASE))
    jourhem = URIRef(iris.offering("0580", "jourhem", BASE))
    assert (jourhem, RDF.type, IG.Offering) not in current, "the current data is replaced, not merged"
    assert (jourhem, RDF.type, IG.Offering) in store.graph(first.submission), (
        "the previous version stays in history"
    )
    explicit = diff(store, "0580", "2021-06-01", "2022-03-01", SETTINGS)
    assert explicit.to_json() == change.to_json()
    backwards = diff(store, "0580", "2022-03-01", "2021-06-01", SETTINGS)
    assert [o.name for o in backwards.added] == ["Jourhem"]
    assert "Läsfrämjande" in change.text() and "Jourhem" in change.text()


def test_same_day_twice_gets_a_suffix(store: OxigraphStore) -> None:
    submit(store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", None)
    again = submit(store, SETTINGS, changed_copy(), "fix.csv", "0580", "2021-06-01", None)
    assert again.submission.endswith("/0580/2021-06-01-2")
    assert [o.name for o in diff(store, "0580", settings=SETTINGS).added] == ["Läsfrämjande"]
    assert diff(store, "0580", "2021-06-01", "2021-06-01-2", SETTINGS).added[0].name == "Läsfrämjande"


def test_history_graphs_are_outside_the_default_query_graph(store: OxigraphStore) -> None:
    submit(store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", None)
    submit(store, SETTINGS, changed_copy(), "b.csv", "0580", "2022-03-01", None)
    count = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a <https://w3id.org/insatsgraf/def#Offering> }"
    assert store.query(count).rows[0]["n"]["value"] == "21"
    assert store.query(count, include_history=True).rows[0]["n"]["value"] == "22", (
        "+ Jourhem, only in history"
    )


def test_other_organisations_are_untouched(store: OxigraphStore) -> None:
    submit(store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", None)
    linkoping = store.graph(iris.current_graph("0580", BASE))
    data = b"insats,program,beskrivning,malgrupp\nKomet,komet,Komet i Norrk\xc3\xb6ping.,f\xc3\xb6r\xc3\xa4ldrar\n"
    submit(store, SETTINGS, data, "0581.csv", "0581", "2022-01-01", None)
    assert isomorphic(store.graph(iris.current_graph("0580", BASE)), linkoping)
    assert [r["date"] for r in history(store, "0581", SETTINGS)] == ["2022-01-01"]


def test_failed_submit_changes_nothing(store: OxigraphStore) -> None:
    submit(store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", None)
    before = store.dump_nquads()
    bad = EXAMPLE.read_bytes().replace(b"MiniMaria,mini-maria,", b"MiniMaria,mini-mario,")
    with pytest.raises(ValidationFailed) as caught:
        submit(store, SETTINGS, bad, "bad.csv", "0580", "2022-01-01", None)
    problem = caught.value.report.violations[0]
    assert (problem.row, problem.column, problem.value) == (13, "program", "mini-mario")
    assert "mini-maria" in problem.suggestions
    assert store.dump_nquads() == before


def test_bad_date_and_unknown_dates_are_user_errors(store: OxigraphStore) -> None:
    with pytest.raises(UserError, match="not a date"):
        submit(store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "1 juni", None)
    submit(store, SETTINGS, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2021-06-01", None)
    with pytest.raises(UserError, match="no submission dated 2020-01-01"):
        diff(store, "0580", "2020-01-01", settings=SETTINGS)
    with pytest.raises(UserError, match="has no submissions"):
        diff(store, "0581", settings=SETTINGS)


def test_bundled_submission_is_loaded_once_with_history(fresh_store: OxigraphStore) -> None:
    rows = history(fresh_store, "0580", SETTINGS)
    assert [(r["date"], r["file"], r["offerings"]) for r in rows] == [
        ("2021-06-01", "0580-linkoping-2021.ttl", 21)
    ]
    load_bundled(fresh_store, SETTINGS)  # a second load replays nothing new
    assert len(history(fresh_store, "0580", SETTINGS)) == 1
    assert len(fresh_store.graph(iris.current_graph("0580", BASE))) > 300


def test_submit_under_another_base_iri() -> None:
    """A deployment with its own base: the ingester, the shapes and the store all use it."""
    settings = SETTINGS.with_(base="http://example.org/ig/")
    st = OxigraphStore(None, base=settings.base)
    load_bundled(st, settings)
    result = submit(st, settings, EXAMPLE.read_bytes(), EXAMPLE.name, "0580", "2022-01-01", None)
    assert result.submission == "http://example.org/ig/id/submission/0580/2022-01-01"
    current = st.graph(iris.current_graph("0580", settings.base))
    links = st.graph(iris.mapping_graph("0580", settings.base))
    assert (
        URIRef("http://example.org/ig/id/offering/0580/minimaria"),
        IG.implements,
        URIRef("http://example.org/ig/id/programme/mini-maria"),
    ) in links
    assert (
        URIRef("http://example.org/ig/id/offering/0580/minimaria"),
        IG.statedProgramme,
        URIRef("http://example.org/ig/id/programme/mini-maria"),
    ) in current
    for graph in (current, links):
        assert not any("w3id.org/insatsgraf/id/" in str(t) for triple in graph for t in triple)
