"""Write tokens: stored hashed, issued/listed/revoked by the CLI, and the HTTP rules 401 / 403 / 201."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry, tokens_path
from insatsgraf.cli import app as cli
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.embedded import OxigraphStore

SUBMISSION = Settings().domain / "submissions" / "0580-linkoping-2021.csv"


def test_issue_verify_revoke(tmp_path: Path) -> None:
    registry = TokenRegistry(tmp_path / "tokens.json")
    token, info = registry.issue("0580", "Anna")
    other, _ = registry.issue("0480")
    assert registry.verify(token) == info and info.org == "0580" and info.label == "Anna"
    assert registry.verify(other).org == "0480"  # type: ignore[union-attr]
    assert registry.verify(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert registry.verify(f"igt_{info.id}_{other.split('_', 2)[2]}") is None  # another token's secret
    assert registry.verify("") is None and registry.verify("Bearer x") is None
    registry.revoke(info.id)
    assert registry.verify(token) is None
    assert registry.verify(other) is not None
    assert [i.revoked is not None for i in registry.list("0580")] == [True]


def test_tokens_are_stored_hashed_and_private(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token, info = TokenRegistry(path).issue("0580")
    text = path.read_text()
    secret = token.split("_", 2)[2]
    assert secret not in text
    record = json.loads(text)["tokens"][0]
    assert record["id"] == info.id and len(record["sha256"]) == 64 and record["salt"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_running_registry_sees_tokens_issued_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    server_side, cli_side = TokenRegistry(path), TokenRegistry(path)
    assert server_side.list() == []
    token, info = cli_side.issue("0580")
    assert server_side.verify(token) == info
    cli_side.revoke(info.id)
    assert server_side.verify(token) is None


def test_bad_org_and_unknown_token_id_are_user_errors(tmp_path: Path) -> None:
    registry = TokenRegistry(tmp_path / "tokens.json")
    with pytest.raises(UserError, match="organisation id"):
        registry.issue("../etc")
    with pytest.raises(UserError, match="no token"):
        registry.revoke("0123456789ab")


def test_tokens_path_sits_beside_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSATSGRAF_TOKENS", raising=False)
    assert (
        tokens_path(Settings().with_(store=str(tmp_path / "st" / "store"))) == tmp_path / "st" / "tokens.json"
    )
    monkeypatch.setenv("INSATSGRAF_TOKENS", str(tmp_path / "x.json"))
    assert tokens_path(Settings()) == tmp_path / "x.json"


def test_cli_issue_list_revoke(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "tokens.json"
    issued = runner.invoke(cli, ["token", "issue", "--org", "0580", "--label", "test", "--tokens", str(path)])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    info = TokenRegistry(path).verify(token)
    assert info is not None and info.org == "0580"
    listed = runner.invoke(cli, ["token", "list", "--tokens", str(path)])
    assert info.id in listed.stdout and token not in listed.stdout
    unknown = runner.invoke(cli, ["token", "issue", "--org", "9999", "--tokens", str(path)])
    assert unknown.exit_code == 2
    revoked = runner.invoke(cli, ["token", "revoke", info.id, "--tokens", str(path)])
    assert revoked.exit_code == 0
    assert TokenRegistry(path).verify(token) is None
    assert runner.invoke(cli, ["token", "revoke", "ffffffffffff", "--tokens", str(path)]).exit_code == 2


# -- the HTTP rules ------------------------------------------------------------------------------


@pytest.fixture
def registry(tmp_path: Path) -> TokenRegistry:
    return TokenRegistry(tmp_path / "tokens.json")


def post(client: TestClient, org: str, token: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return client.post(
        f"/organisations/{org}/submissions",
        headers=headers,
        files={"file": (SUBMISSION.name, SUBMISSION.read_bytes(), "text/csv")},
    )


def test_no_token_401_wrong_org_403_right_org_201(
    fresh_store: OxigraphStore, registry: TokenRegistry
) -> None:
    linkoping, _ = registry.issue("0580")
    nykoping, _ = registry.issue("0480")
    with TestClient(create_app(Settings(), fresh_store, tokens=registry)) as client:
        before = fresh_store.dump_nquads()
        none = post(client, "0580", None)
        assert none.status_code == 401
        assert none.headers["www-authenticate"].startswith("Bearer")
        assert none.json()["error"] == "token-required"
        bogus = post(client, "0580", "igt_000000000000_" + "x" * 43)
        assert bogus.status_code == 401 and 'error="invalid_token"' in bogus.headers["www-authenticate"]
        wrong = post(client, "0580", nykoping)
        assert wrong.status_code == 403 and wrong.json()["error"] == "wrong-organisation"
        assert fresh_store.dump_nquads() == before
        right = post(client, "0580", linkoping)
        assert right.status_code == 201, right.text
        assert fresh_store.dump_nquads() != before


def test_revoked_token_is_401(fresh_store: OxigraphStore, registry: TokenRegistry) -> None:
    token, info = registry.issue("0580")
    with TestClient(create_app(Settings(), fresh_store, tokens=registry)) as client:
        registry.revoke(info.id)
        assert post(client, "0580", token).status_code == 401


def test_reads_need_no_token(bundled_store: OxigraphStore, registry: TokenRegistry) -> None:
    with TestClient(create_app(Settings(), bundled_store, tokens=registry)) as client:
        assert client.get("/organisations/0580/submissions").status_code == 200
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        assert client.get("/queries").status_code == 200
