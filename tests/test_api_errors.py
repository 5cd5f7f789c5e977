"""Every error answer has the documented shape ``{"error", "message": {"en", "sv"}}`` (issue 12), also the
ones Starlette raises itself (no route: 404, a method the route does not take: 405)."""

from __future__ import annotations

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
