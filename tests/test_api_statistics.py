"""``POST /statistics`` with the token rules and ``GET /statistics``: a real app, store and HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from insatsgraf.api.app import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore

FIXTURES = Path(__file__).parent / "fixtures" / "statistics"
OWN = b"org,period,measure,value\n0580,2021,staff,12\n"
OTHER = b"org,period,measure,value\n0580,2021,staff,12\n0581,2021,staff,20\n"


@pytest.fixture
def app(fresh_store: OxigraphStore, tmp_path: Path) -> Iterator[tuple[TestClient, str, str, str]]:
    registry = TokenRegistry(tmp_path / "tokens.json")
    linkoping, _ = registry.issue("0580")
    stockholm, _ = registry.issue("0180")
    curator, _ = registry.issue_curator()
    with TestClient(create_app(Settings(), fresh_store, tokens=registry)) as client:
        yield client, linkoping, stockholm, curator


def _post(client: TestClient, token: str | None, body: bytes, **params: str) -> object:
    headers = {"content-type": "text/csv"} | ({"authorization": f"Bearer {token}"} if token else {})
    return client.post("/statistics", content=body, headers=headers, params=params)


def test_an_organisation_imports_its_own_figures(app: tuple[TestClient, str, str, str]) -> None:
    client, linkoping, _, _ = app
    r = _post(client, linkoping, OWN, source="Personalenkät", filename="staff.csv")
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["key"] == "personalenkat-2021" and body["observations"] == 1
    listed = client.get("/statistics").json()
    assert any(row["key"] == "personalenkat-2021" and row["observations"] == 1 for row in listed)


def test_the_token_rules(app: tuple[TestClient, str, str, str]) -> None:
    client, linkoping, stockholm, curator = app
    assert _post(client, None, OWN, source="x").status_code == 401  # type: ignore[attr-defined]
    refused = _post(client, linkoping, OTHER, source="x")
    assert refused.status_code == 403 and refused.json()["error"] == "curator-required"  # type: ignore[attr-defined]
    assert not any(row["key"] == "x-2021" for row in client.get("/statistics").json())
    districts = (FIXTURES / "districts-0180-2017.csv").read_bytes()
    assert _post(client, stockholm, districts, source="Stadsdelar").status_code == 201  # type: ignore[attr-defined]
    assert _post(client, curator, OTHER, source="x").status_code == 201  # type: ignore[attr-defined]


def test_a_bad_table_is_a_400_with_file_row_and_column(app: tuple[TestClient, str, str, str]) -> None:
    client, _, _, curator = app
    before = client.get("/statistics").json()
    r = client.post(
        "/statistics",
        headers={"authorization": f"Bearer {curator}"},
        files={"file": ("bad-period.csv", (FIXTURES / "bad-period.csv").read_bytes(), "text/csv")},
    )
    assert r.status_code == 400
    body = r.json()
    assert (body["error"], body["file"], body["row"], body["column"]) == (
        "bad-period",
        "bad-period.csv",
        3,
        "period",
    )
    assert body["message"]["sv"] and body["message"]["en"]
    assert client.get("/statistics").json() == before
