"""Evidence assessments over HTTP (a curator's token writes, anyone reads) and on the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.cli import app as cli
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
VALID = FIXTURES / "valid-three-registries.csv"
OUTSIDE = FIXTURES / "invalid-rating-not-in-scale.csv"


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


def post(client: TestClient, path: Path, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(
        "/evidence?by=Kim",
        files={"file": (path.name, path.read_bytes(), "text/csv")},
        headers=headers,
    )


def test_a_curator_imports_and_anyone_reads(env) -> None:  # type: ignore[no-untyped-def]
    client, _store, tokens = env
    curator, _ = tokens.issue_curator("Socialstyrelsen")
    r = post(client, VALID, auth(curator))
    assert r.status_code == 201, r.text
    assert r.json()["key"] == "assessments"
    rows = client.get("/evidence").json()
    assert {row["registryId"] for row in rows} == {"blueprints", "cebc", "title-iv-e", "gruene-liste"}
    history = client.get("/evidence/history").json()
    assert [h["file"] for h in history] == ["valid-three-registries.csv"]
    # a raw CSV body with ?filename= works the same
    r = client.post(
        "/evidence?filename=bedomningar.csv&collection=sv",
        content=(FIXTURES / "valid-swedish-headers.csv").read_bytes(),
        headers={**auth(curator), "Content-Type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    assert len(client.get("/evidence").json()) == 8


def test_no_token_or_an_organisations_token_is_refused(env) -> None:  # type: ignore[no-untyped-def]
    client, _store, tokens = env
    assert post(client, VALID, {}).status_code == 401
    linkoping, _ = tokens.issue("0580")
    r = post(client, VALID, auth(linkoping))
    assert r.status_code == 403 and r.json()["error"] == "curator-required"
    assert client.get("/evidence").json() == []


def test_a_rating_outside_its_scale_is_400_with_row_and_column(env) -> None:  # type: ignore[no-untyped-def]
    client, store, tokens = env
    curator, _ = tokens.issue_curator()
    assert post(client, VALID, auth(curator)).status_code == 201
    before = {name: len(store.graph(name)) for name in store.graph_names()}
    r = post(client, OUTSIDE, auth(curator))
    assert r.status_code == 400
    body = r.json()
    assert (body["error"], body["file"], body["row"], body["column"]) == (
        "rating-not-in-scale",
        "invalid-rating-not-in-scale.csv",
        3,
        "rating",
    )
    assert body["message"]["sv"]
    assert {name: len(store.graph(name)) for name in store.graph_names()} == before


def test_cli_import_list_and_refusal(loaded_store_dir: str) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["evidence", "import", str(VALID), "--by", "Kim", "--store", loaded_store_dir])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["evidence", "import", str(OUTSIDE), "--store", loaded_store_dir])
    assert r.exit_code == 2
    assert "row 3, column rating" in r.output and "ingen nivå" in r.output
    r = runner.invoke(cli, ["evidence", "list", "--format", "json", "--store", loaded_store_dir])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert len(rows) == 6 and {row["levelId"] for row in rows} == {"strong", "moderate", "emerging"}
    r = runner.invoke(cli, ["evidence", "history", "--format", "json", "--store", loaded_store_dir])
    assert [h["file"] for h in json.loads(r.output)] == ["valid-three-registries.csv"]
