"""Roles on tokens (issue 12, "Who may decide for everyone"): an organisation's token decides within its
scope (itself, its district units), a national decision needs a curator's token, and the free-text fields
of a decision are bounded. Over HTTP and the CLI."""

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
from insatsgraf.harmonisation.decisions import FIELD_LIMITS
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

KOMET = {"name": "Komet", "outcome": "accepted", "programme": "mst", "by": "Anna"}
HIDDEN = "http://www.w3.org/2004/02/skos/core#hiddenLabel"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, OxigraphStore, TokenRegistry, Path]]:
    settings = Settings().with_(store="memory:")
    store = OxigraphStore(None, base=settings.base)
    load_bundled(store, settings)
    tokens = TokenRegistry(tmp_path / "tokens.json")
    app = create_app(settings, store, tokens=tokens)
    app.state.decisions_path = tmp_path / "decisions.ttl"
    with TestClient(app) as client:
        yield client, store, tokens, tmp_path / "decisions.ttl"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def hidden_labels(store: OxigraphStore, programme: str) -> set[str]:
    rows = store.query(
        f"SELECT ?l {{ GRAPH ?g {{ <{store.base}id/programme/{programme}> <{HIDDEN}> ?l }} }}"
    ).table()
    return {r["l"] for r in rows}


def test_a_municipality_cannot_decide_for_everyone(env) -> None:  # type: ignore[no-untyped-def]
    client, store, tokens, path = env
    linkoping, _ = tokens.issue("0580")
    before = store.dump_nquads()
    r = client.post("/harmonise/decisions", json=KOMET, headers=auth(linkoping))
    assert r.status_code == 403 and r.json()["error"] == "curator-required"
    assert "curator" in r.json()["message"]["en"] and "kurator" in r.json()["message"]["sv"]
    assert store.dump_nquads() == before and not path.exists()
    assert "Komet" not in hidden_labels(store, "mst")
    curator, info = tokens.issue_curator("Socialstyrelsen")
    assert info.curator and info.org == ""
    r = client.post("/harmonise/decisions", json=KOMET, headers=auth(curator))
    assert r.status_code == 201, r.text
    assert "Komet" in hidden_labels(store, "mst")


def test_an_organisation_decides_for_itself_and_its_districts(env) -> None:  # type: ignore[no-untyped-def]
    client, _, tokens, _ = env
    stockholm, _ = tokens.issue("0180")
    bromma, _ = tokens.issue("0180-bromma")
    linkoping, _ = tokens.issue("0580")
    body = {**KOMET, "outcome": "rejected"}
    assert (
        client.post("/harmonise/decisions", json={**body, "org": "0180"}, headers=auth(stockholm)).status_code
        == 201
    )
    # the register: 0180-bromma org:unitOf 0180, so the city decides for its district
    r = client.post("/harmonise/decisions", json={**body, "org": "0180-bromma"}, headers=auth(stockholm))
    assert r.status_code == 201, r.text
    assert r.json()["on_behalf_of"] == "0180"
    ok = client.post("/harmonise/decisions", json={**body, "org": "0180-bromma"}, headers=auth(bromma))
    assert ok.status_code == 201
    # ... but not the district for its city, nor anyone for another municipality
    up = client.post("/harmonise/decisions", json={**body, "org": "0180"}, headers=auth(bromma))
    assert up.status_code == 403 and up.json()["error"] == "wrong-organisation"
    other = client.post("/harmonise/decisions", json={**body, "org": "0180"}, headers=auth(linkoping))
    assert other.status_code == 403 and "0580" in other.json()["message"]["en"]
    curator, _ = tokens.issue_curator()
    assert (
        client.post("/harmonise/decisions", json={**body, "org": "0580"}, headers=auth(curator)).status_code
        == 201
    )


def test_a_curator_does_not_submit_for_an_organisation(env) -> None:  # type: ignore[no-untyped-def]
    client, _, tokens, _ = env
    curator, _ = tokens.issue_curator()
    r = client.post(
        "/organisations/0580/submissions",
        headers={**auth(curator), "Content-Type": "text/csv"},
        content=b"insats\nKomet\n",
    )
    assert r.status_code == 403 and r.json()["error"] == "wrong-organisation"


def test_field_lengths_are_bounded(env) -> None:  # type: ignore[no-untyped-def]
    client, store, tokens, path = env
    curator, _ = tokens.issue_curator()
    before = store.dump_nquads()
    for field, (most, why) in FIELD_LIMITS.items():
        assert why
        r = client.post(
            "/harmonise/decisions", json={**KOMET, field: "x" * (most + 1)}, headers=auth(curator)
        )
        assert r.status_code == 422, (field, r.text)
        body = r.json()
        assert body["error"] == "invalid-request" and field in body["message"]["en"]
        assert field in body["message"]["sv"]
    r = client.post("/harmonise/decisions", json={**KOMET, "name": "x" * 1_000_000}, headers=auth(curator))
    assert r.status_code == 422
    assert store.dump_nquads() == before and not path.exists()
    fits = {**KOMET, **{f: "y" * most for f, (most, _) in FIELD_LIMITS.items()}}
    assert client.post("/harmonise/decisions", json=fits, headers=auth(curator)).status_code == 201


# -- the CLI -------------------------------------------------------------------------------------


def test_cli_issues_and_lists_curator_tokens(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    runner = CliRunner()
    r = runner.invoke(cli, ["token", "issue", "--curator", "--label", "Katalogen", "--tokens", str(path)])
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip().splitlines()[-1]
    assert TokenRegistry(path).verify(secret).curator  # type: ignore[union-attr]
    record = json.loads(path.read_text())["tokens"][0]
    assert record["role"] == "curator" and record["label"] == "Katalogen" and secret not in path.read_text()
    listed = runner.invoke(cli, ["token", "list", "--tokens", str(path)])
    assert listed.exit_code == 0 and "curator" in listed.stdout and "Katalogen" in listed.stdout
    both = runner.invoke(cli, ["token", "issue", "--curator", "--org", "0580", "--tokens", str(path)])
    neither = runner.invoke(cli, ["token", "issue", "--tokens", str(path)])
    assert both.exit_code == 2 and neither.exit_code == 2
    assert len(json.loads(path.read_text())["tokens"]) == 1


def test_a_token_file_without_roles_loads_as_organisation_tokens(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    registry = TokenRegistry(path)
    token, _ = registry.issue("0580")
    doc = json.loads(path.read_text())
    for item in doc["tokens"]:
        del item["role"]
    path.write_text(json.dumps(doc))
    info = TokenRegistry(path).verify(token)
    assert info is not None and info.role == "organisation" and not info.curator and info.org == "0580"


def test_cli_decisions_refuse_long_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    decisions = tmp_path / "decisions.ttl"
    monkeypatch.setenv("INSATSGRAF_DECISIONS", str(decisions))
    runner = CliRunner()
    assert runner.invoke(cli, ["load", "--store", str(store)]).exit_code == 0
    for args in (
        ["x" * (FIELD_LIMITS["name"][0] + 1), "mst", "--by", "Anna"],
        ["Komet", "mst", "--by", "x" * (FIELD_LIMITS["by"][0] + 1)],
        ["Komet", "mst", "--by", "Anna", "--reason", "x" * (FIELD_LIMITS["reason"][0] + 1)],
    ):
        r = runner.invoke(cli, ["harmonise", "map", *args, "--store", str(store)])
        assert r.exit_code == 2 and "the most is" in r.output, r.output
    assert not decisions.exists()
