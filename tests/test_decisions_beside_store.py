"""A deployment's harmonisation decisions live beside its store, not in the checkout (issue 15, item 4): the
bundled ``data/ttl/decisions.ttl`` keeps its bytes after a decision from the CLI and one over HTTP, and both
decisions survive a restart and an ``insatsgraf load`` (also into a new store in the same folder)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry, tokens_path
from insatsgraf.cli import app as cli
from insatsgraf.config import ROOT, Settings
from insatsgraf.harmonisation.decisions import (
    bundled_path,
    default_path,
    from_graph,
    in_sync,
    read_all,
    read_file,
)
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore

GNESTA = Path(__file__).parent / "fixtures" / "harmonise" / "0461-gnesta.csv"
KOMET = {"name": "Komet", "outcome": "mapped", "programme": "mst", "by": "Anna", "relation": "same"}


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def git_status() -> str | None:
    """``git status --porcelain`` of the bundled data (None outside a git checkout)."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return None
    done = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "data/ttl"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def names_in_store(path: str) -> set[str]:
    with OxigraphStore(path, base=Settings().base, read_only=True) as store:
        graph = store.graph(iris.graph("decisions", store.base))
        return {d.name for d in from_graph(graph, store.base)}


def test_decisions_stay_beside_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSATSGRAF_DECISIONS", raising=False)
    monkeypatch.delenv("INSATSGRAF_TOKENS", raising=False)
    store_dir = str(tmp_path / "deployment" / "store")
    settings = Settings().with_(store=store_dir)
    bundled_bytes, status = bundled_path(settings).read_bytes(), git_status()
    assert default_path(settings) == tmp_path / "deployment" / "decisions.ttl"

    run("load", "--store", store_dir)
    run("submit", str(GNESTA), "--org", "0461", "--date", "2023-05-01", "--by", "Sanna", "--store", store_dir)
    run("harmonise", "accept", "Mini Macho", "--by", "Lina Larsson", "--store", store_dir)

    store = OxigraphStore(store_dir, base=settings.base)
    tokens = TokenRegistry(tokens_path(settings))
    curator, _ = tokens.issue_curator("Socialstyrelsen")
    with TestClient(create_app(settings, store, tokens=tokens)) as client:
        r = client.post("/harmonise/decisions", json=KOMET, headers={"Authorization": f"Bearer {curator}"})
        assert r.status_code == 201, r.text
    store.close()

    assert bundled_path(settings).read_bytes() == bundled_bytes
    assert git_status() == status
    own = {d.name for d in read_file(default_path(settings), settings.base)}
    assert own == {"Mini Macho", "Komet"}
    assert {d.name for d in read_all(settings, settings.base)} >= own

    # a restart: the store agrees with the files, and harmonise still reads the decision
    with OxigraphStore(store_dir, base=settings.base) as reopened:
        assert in_sync(reopened, settings)
    rows = json.loads(run("harmonise", "--org", "0461", "--format", "json", "--store", store_dir))
    assert {(r["insats"], r["status"]) for r in rows} >= {("Mini Macho", "decided")}

    # `load` again, and `load` into a new store in the same folder: the decisions come back from the file
    run("load", "--store", store_dir)
    assert names_in_store(store_dir) >= own
    shutil.rmtree(store_dir)
    run("load", "--store", store_dir)
    assert names_in_store(store_dir) >= own
    assert bundled_path(settings).read_bytes() == bundled_bytes
    assert git_status() == status


def test_the_bundled_file_is_written_only_when_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pointing ``--decisions`` at a copy of the bundled file writes there; the default never does."""
    monkeypatch.delenv("INSATSGRAF_DECISIONS", raising=False)
    store_dir = str(tmp_path / "store")
    chosen = tmp_path / "elsewhere" / "decisions.ttl"
    run("load", "--store", store_dir)
    run("harmonise", "map", "Komet", "mst", "--by", "Anna", "--store", store_dir, "--decisions", str(chosen))
    assert [d.name for d in read_file(chosen, Settings().base)] == ["Komet"]
    assert not (tmp_path / "decisions.ttl").exists()
