"""Registering actors over HTTP (issue 13, item 2): ``GET /organisations`` is open; ``POST /organisations``
and ``POST /organisations/import`` need a curator's token, answer 422 with every problem (file, row,
column) for a refused registration, and leave the store as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

FIXTURES = Path(__file__).parent / "fixtures" / "organisations"
SCHOOL = {"id": "0580-ekholmsskolan", "name": "Ekholmsskolan", "kind": "skola", "part_of": "0580"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, OxigraphStore, TokenRegistry]]:
    settings = Settings().with_(store="memory:")
    store = OxigraphStore(None, base=settings.base)
    load_bundled(store, settings)
    tokens = TokenRegistry(tmp_path / "tokens.json")
    with TestClient(create_app(settings, store, tokens=tokens)) as client:
        yield client, store, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_register_is_open_to_read(env) -> None:  # type: ignore[no-untyped-def]
    client, _store, _tokens = env
    r = client.get("/organisations", params={"kind": "kommun"})
    assert r.status_code == 200 and len(r.json()) == 290
    r = client.get("/organisations", params={"kind": "region", "county": "Gotland"})
    assert [o["id"] for o in r.json()] == ["0980"]
    r = client.get("/organisations", params={"kind": "hund"})
    assert r.status_code == 400 and r.json()["error"] == "unknown-kind"


def test_only_a_curator_registers(env) -> None:  # type: ignore[no-untyped-def]
    client, store, tokens = env
    before = store.dump_nquads()
    assert client.post("/organisations", json=SCHOOL).status_code == 401
    linkoping, _ = tokens.issue("0580")
    r = client.post("/organisations", json=SCHOOL, headers=auth(linkoping))
    assert r.status_code == 403 and r.json()["error"] == "curator-required"
    assert "curator" in r.json()["message"]["en"] and "kurator" in r.json()["message"]["sv"]
    assert store.dump_nquads() == before
    curator, _ = tokens.issue_curator("FoU i Sörmland")
    r = client.post("/organisations", json={**SCHOOL, "by": "Lina"}, headers=auth(curator))
    assert r.status_code == 201, r.text
    assert r.json()["registered"] == ["0580-ekholmsskolan"]
    assert r.json()["submission"].startswith(f"{store.base}id/submission/organisations/register/")
    listed = client.get("/organisations", params={"kind": "skola"}).json()
    assert listed == [
        {
            "id": "0580-ekholmsskolan",
            "name": "Ekholmsskolan",
            "kind": "skola",
            "part_of": "0580",
            "county": "Östergötlands län",
            "source": "registered",
        }
    ]
    again = client.post("/organisations", json=SCHOOL, headers=auth(curator))
    assert again.status_code == 422 and again.json()["error"] == "duplicate-id"


def test_a_refused_file_is_422_with_every_problem_and_changes_nothing(env) -> None:  # type: ignore[no-untyped-def]
    client, store, tokens = env
    curator, _ = tokens.issue_curator("FoU i Sörmland")
    before = store.dump_nquads()
    path = FIXTURES / "invalid-unknown-part-of.csv"
    r = client.post(
        "/organisations/import",
        files={"file": (path.name, path.read_bytes(), "text/csv")},
        headers=auth(curator),
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "unknown-part-of"
    assert [(p["file"], p["row"], p["column"]) for p in body["problems"]] == [(path.name, 3, "part_of")]
    assert "9999" in body["problems"][0]["message"]["en"]
    assert store.dump_nquads() == before


def test_an_xlsx_body_registers_its_rows(env) -> None:  # type: ignore[no-untyped-def]
    client, _store, tokens = env
    curator, _ = tokens.issue_curator("FoU i Sörmland")
    path = FIXTURES / "valid-partners.xlsx"
    r = client.post(
        "/organisations/import",
        content=path.read_bytes(),
        params={"filename": path.name, "by": "Lina"},
        headers={**auth(curator), "Content-Type": XLSX},
    )
    assert r.status_code == 201, r.text
    assert r.json()["registered"] == ["0581-vilbergsskolan", "stadsmissionen-norrkoping"]
    ids = {o["id"] for o in client.get("/organisations", params={"county": "Östergötland"}).json()}
    assert {"0581-vilbergsskolan", "stadsmissionen-norrkoping", "0580", "region-ostergotland"} <= ids
