"""Every error answer has the documented shape ``{"error", "message": {"en", "sv"}}`` (issue 12), also the
ones Starlette raises itself (no route: 404, a method the route does not take: 405)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from insatsgraf.api import create_app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore


def shaped(body: dict[str, object]) -> bool:
    message = body.get("message")
    return (
        isinstance(body.get("error"), str)
        and isinstance(message, dict)
        and bool(message.get("en"))
        and bool(message.get("sv"))
    )


def test_404_and_405_answer_the_error_shape(bundled_store: OxigraphStore) -> None:
    with TestClient(create_app(Settings(), bundled_store)) as client:
        missing = client.get("/no/such/route", headers={"Accept": "application/json"})
        assert missing.status_code == 404 and shaped(missing.json()), missing.text
        assert missing.json()["error"] == "not-found" and "/no/such/route" in missing.json()["message"]["en"]
        wrong = client.delete("/sparql")
        assert wrong.status_code == 405 and shaped(wrong.json()), wrong.text
        assert wrong.json()["error"] == "method-not-allowed" and "GET" in wrong.headers["allow"]
        put = client.put("/harmonise/decisions", json={})
        assert put.status_code == 405 and shaped(put.json())


def test_a_bad_iri_gives_only_the_message_not_rdflib_warnings(tmp_path: Path) -> None:
    """rdflib's "does not look like a valid URI" warnings used to come before the real message."""
    env = {**os.environ, "INSATSGRAF_STORE": str(tmp_path / "store")}
    run = [sys.executable, "-m", "insatsgraf"]
    subprocess.run([*run, "load"], env=env, check=True, capture_output=True)
    bad = Path(__file__).parent / "bad_input" / "invalid-iri.ttl"
    r = subprocess.run([*run, "validate", str(bad), "--org", "0580"], env=env, capture_output=True, text=True)
    assert r.returncode == 2
    assert "not a valid IRI" in r.stderr + r.stdout and "ogiltig IRI" in r.stderr + r.stdout
    assert "does not look like" not in r.stderr + r.stdout
    assert (r.stderr + r.stdout).lstrip().startswith("invalid-iri.ttl")


def test_a_bad_iri_over_http_answers_400_in_the_error_shape(
    fresh_store: OxigraphStore, tmp_path: Path
) -> None:
    from insatsgraf.api.tokens import TokenRegistry

    registry = TokenRegistry(tmp_path / "tokens.json")
    token, _ = registry.issue("0580")
    bad = Path(__file__).parent / "bad_input" / "invalid-iri.ttl"
    with TestClient(create_app(Settings(), fresh_store, tokens=registry)) as client:
        r = client.post(
            "/organisations/0580/submissions",
            content=bad.read_bytes(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"},
        )
    assert r.status_code == 400 and shaped(r.json()) and "IRI" in r.json()["message"]["en"]
