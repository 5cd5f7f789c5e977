"""The review queue: names waiting for a person, grouped by folded name, most shared first, with candidates
and why; over the library, the CLI (``harmonise review``) and HTTP (``GET /harmonise/review``, the page)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation.decisions import Decision, record_decision
from insatsgraf.harmonisation.review import QueueItem, review_queue
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.lists import submit_file

FIXTURES = Path(__file__).parent / "fixtures" / "harmonise"
LISTS = sorted((FIXTURES / "review").glob("*.csv"))


def load_review_lists(st: OxigraphStore, settings: Settings) -> None:
    """The bundled data, Gnesta's fixture list and the four review lists (names only, no program column)."""
    load_bundled(st, settings)
    submit_file(st, settings, FIXTURES / "0461-gnesta.csv", "0461", "2023-05-01", "Sanna Tiikkaja")
    for path in LISTS:
        submit_file(st, settings, path, path.name[:4], "2023-05-01", "FoU i Sörmland")


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    settings = Settings()
    st = OxigraphStore(None, base=settings.base)
    load_review_lists(st, settings)
    yield st


def by_key(items: list[QueueItem]) -> dict[str, QueueItem]:
    return {i.key: i for i in items}


# -- the library -----------------------------------------------------------------------------------


def test_names_shared_by_more_organisations_come_first(store: OxigraphStore) -> None:
    items = review_queue(store, Settings())
    assert [(i.key, i.shared_by) for i in items] == [
        ("mini macho", 4),  # before "kommet" although later in the alphabet: more organisations
        ("kommet", 3),
        ("cirkel of security", 1),  # one-offs by folded name
        ("hvb for ensamkommande", 1),
        ("stodsamtal samt mst", 1),
        ("utokat hembesoksprogram i skaggetorp", 1),  # the bundled Linköping list
    ]


def test_spellings_are_grouped_by_folded_name_with_their_organisations(store: OxigraphStore) -> None:
    items = by_key(review_queue(store, Settings()))
    kommet = items["kommet"]
    assert set(kommet.names) == {"Kommet", "KOMMET", "kommet"}
    assert kommet.organisations == ("0480", "0481", "0483")
    [candidate] = kommet.candidates
    assert (candidate.programme, candidate.label, candidate.relation, candidate.status) == (
        "komet",
        "Komet",
        "same",
        "review",
    )
    assert candidate.basis == "fuzzy" and 80 <= candidate.score < 92
    assert candidate.organisations == kommet.organisations
    macho = items["mini macho"]
    assert macho.names == ("Mini Macho", "Mini-Macho")  # the most used spelling first
    assert macho.organisations == ("0461", "0480", "0481", "0482")
    assert [(c.programme, c.relation, c.variant_kind) for c in macho.candidates] == [
        ("machofabriken", "variant", "local-adaptation")
    ]
    # names that match automatically never wait
    assert not {"cos", "komet 3 11 ar", "trappan modellen"} & set(items)


def test_each_item_says_why_it_waits_in_both_languages(store: OxigraphStore) -> None:
    items = by_key(review_queue(store, Settings()))
    codes = {key: [w.code for w in item.why] for key, item in items.items()}
    assert codes["kommet"] == ["fuzzy-below-auto"]
    assert codes["stodsamtal samt mst"] == ["split-cell"]
    assert codes["hvb for ensamkommande"] == ["contains-label"]
    assert codes["mini macho"] == ["uncertain-variant"]
    # Linköping's file says "lokal anpassning" while the name matches Hembesöksprogram itself
    assert codes["utokat hembesoksprogram i skaggetorp"] == ["submission-says-variant", "fuzzy-below-auto"]
    [why] = items["kommet"].why
    assert "below the automatic threshold of 92" in why.en and "under gränsen 92" in why.sv
    for item in items.values():
        assert all(w.en and w.sv and w.en != w.sv for w in item.why)


def test_several_candidates_say_so(store: OxigraphStore, tmp_path: Path) -> None:
    settings = Settings()
    path = tmp_path / "0488-trosa.csv"
    path.write_text("insats\nBarnkraft (Cos)\n", encoding="utf-8")  # the name says one, the acronym another
    submit_file(store, settings, path, "0488", "2023-05-01", "t")
    [item] = review_queue(store, settings, "0488")
    assert [(c.programme, c.basis) for c in item.candidates] == [("barnkraft", "label"), ("cos", "acronym")]
    assert [w.code for w in item.why] == ["label-conflict", "acronym", "several-candidates"]


def test_the_org_filter_and_an_unknown_organisation(store: OxigraphStore) -> None:
    settings = Settings()
    items = review_queue(store, settings, "0483")
    assert [(i.key, i.organisations) for i in items] == [  # counted within the filter: ties by name
        ("cirkel of security", ("0483",)),
        ("kommet", ("0483",)),
    ]
    assert items[1].names == ("kommet",)  # as this organisation wrote it
    assert review_queue(store, settings, "0428") == []  # no list, nothing waits
    with pytest.raises(UserError, match="unknown organisation") as caught:
        review_queue(store, settings, "9999")
    assert "okänd organisation" in caught.value.sv


def test_a_decision_takes_the_name_out_of_the_queue(store: OxigraphStore, tmp_path: Path) -> None:
    settings = Settings()
    record_decision(
        store, settings, Decision("KOMMET", "accepted", "komet", "Lina Larsson"), tmp_path / "d.ttl"
    )
    keys = [i.key for i in review_queue(store, settings)]
    assert "kommet" not in keys and keys[0] == "mini macho"
    record_decision(  # scoped to one organisation: the others still wait
        store,
        settings,
        Decision("Mini Macho", "rejected", "machofabriken", "Lina", org="0480"),
        tmp_path / "d.ttl",
    )
    macho = by_key(review_queue(store, settings))["mini macho"]
    assert macho.organisations == ("0461", "0481", "0482")


def test_to_json_has_the_fields_the_page_and_the_cli_use(store: OxigraphStore) -> None:
    [first, *_] = review_queue(store, Settings())
    data = first.to_json()
    assert {"key", "name", "names", "organisations", "shared_by", "candidates", "why"} <= set(data)
    assert set(data["candidates"][0]) == {
        "programme",
        "label",
        "relation",
        "variant_kind",
        "score",
        "status",
        "basis",
        "organisations",
        "why",
    }
    assert set(data["why"][0]) == {"code", "en", "sv"}
    json.dumps(data)


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def disk_store(tmp_path: Path) -> str:
    settings = Settings().with_(store=str(tmp_path / "store"))
    st = OxigraphStore(settings.store, base=settings.base)
    load_review_lists(st, settings)
    st.close()
    return settings.store


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["harmonise", "review", *args], env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result.output


def test_cli_table_lists_most_shared_first_with_candidates_and_why(disk_store: str) -> None:
    out = run("--store", disk_store)
    assert "Waiting for review: 6 av/of 6" in out
    assert out.index("Mini Macho") < out.index("KOMMET") < out.index("Cirkel of Security")
    assert "machofabriken (Machofabriken) variant [local-adaptation]" in out
    assert "4: 0461, 0480, 0481, 0482" in out
    assert "under gränsen 92" in out and "below the automatic threshold" in out
    limited = run("--store", disk_store, "--limit", "2")
    assert "2 av/of 6" in limited and "Cirkel of Security" not in limited


def test_cli_json_and_org_filter(disk_store: str) -> None:
    data = json.loads(run("--store", disk_store, "--org", "0480", "--format", "json"))
    assert data["org"] == "0480" and data["total"] == 3
    assert [i["key"] for i in data["items"]] == ["hvb for ensamkommande", "kommet", "mini macho"]
    assert data["items"][0]["candidates"][0]["basis"] == "contains"


def test_cli_unknown_organisation_and_bad_format_exit_2(disk_store: str) -> None:
    out = run("--store", disk_store, "--org", "9999", code=2)
    assert "unknown organisation '9999'" in out and "okänd organisation" in out
    out = run("--store", disk_store, "--format", "csv", code=2)
    assert "table or json" in out and "table eller json" in out


# -- HTTP ------------------------------------------------------------------------------------------


@pytest.fixture
def client(store: OxigraphStore, tmp_path: Path) -> Iterator[TestClient]:
    application = create_app(Settings(), store, tokens=tmp_path / "tokens.json")
    application.state.decisions_path = tmp_path / "decisions.ttl"
    with TestClient(application) as c:
        yield c


def test_json_route_lists_the_same_queue(client: TestClient, store: OxigraphStore) -> None:
    r = client.get("/harmonise/review")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["total"] == 6 and data["org"] is None
    assert data["items"] == [i.to_json() for i in review_queue(store, Settings())]
    limited = client.get("/harmonise/review", params={"org": "0480", "limit": 1}).json()
    assert limited["total"] == 3 and [i["key"] for i in limited["items"]] == ["hvb for ensamkommande"]
    bad = client.get("/harmonise/review", params={"org": "9999"})
    assert bad.status_code == 400 and bad.json()["error"] == "unknown-org"
    assert "okänd organisation" in bad.json()["message"]["sv"]


def test_the_page_is_for_browsers_and_the_proposals_keep_their_route(client: TestClient) -> None:
    page = client.get("/harmonise", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<script src="/static/harmonise.js" defer></script>' in html
    assert html.index('data-name="Mini Macho"') < html.index('data-name="KOMMET"')
    assert 'data-programme="machofabriken" data-relation="local-adaptation"' in html
    assert "Granskning" in html and "Review" in html and 'href="/harmonise"' in html  # in the navigation
    assert "http" + "s://" not in html.replace("https://w3id.org", "")  # nothing from another host
    # scripts, curl and an explicit format still get the proposals as before
    assert client.get("/harmonise").json()[0].keys() >= {"org", "insats", "programme", "status"}
    tie = client.get("/harmonise", headers={"Accept": "text/html, application/json"})
    assert tie.headers["content-type"].startswith("application/json")
    csv = client.get("/harmonise", params={"format": "csv"}, headers={"Accept": "text/html"})
    assert csv.headers["content-type"].startswith("text/csv")
    filtered = client.get("/harmonise", params={"org": "0483"}, headers={"Accept": "text/html"})
    assert filtered.text.count('class="item"') == 2
    unknown = client.get("/harmonise", params={"org": "9999"}, headers={"Accept": "text/html"})
    assert unknown.status_code == 400 and "okänd organisation" in unknown.text
    js = client.get("/static/harmonise.js")
    assert js.status_code == 200 and '"/harmonise/decisions"' in js.text and "sessionStorage" in js.text


def test_a_decision_posted_as_the_page_does_removes_the_item(client: TestClient, tmp_path: Path) -> None:
    token, _ = TokenRegistry(tmp_path / "tokens.json").issue("0483")
    body = {
        "name": "Cirkel of Security",
        "outcome": "accepted",
        "programme": "cos",
        "relation": "same",
        "by": "Lina Larsson",
        "reason": "stavfel",
        "org": "0483",
    }
    assert client.post("/harmonise/decisions", json=body).status_code == 401
    r = client.post("/harmonise/decisions", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    keys = [i["key"] for i in client.get("/harmonise/review").json()["items"]]
    assert "cirkel of security" not in keys and len(keys) == 5
