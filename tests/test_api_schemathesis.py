"""Property-based tests of the OpenAPI description: schemathesis sends generated requests to every operation
of the whole app (all routers) and no answer may be a server error. Writes without a token get 401, so the
store only changes through operations that need none; each operation gets a fresh store anyway.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from insatsgraf.api import create_app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore


@pytest.fixture
def api_schema(fresh_store: OxigraphStore, tmp_path: Path) -> schemathesis.BaseSchema:
    app = create_app(Settings(), fresh_store, tokens=tmp_path / "tokens.json")
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_server_errors(api_schema: schemathesis.BaseSchema) -> None:
    """Up to 25 generated requests per operation (positive and negative data); collect every 5xx."""
    failures: dict[str, str] = {}
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - a check failure or an app error: collected, asserted below
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert operations >= 20
    assert failures == {}


def test_openapi_is_complete(fresh_store: OxigraphStore, tmp_path: Path) -> None:
    """Every operation has a summary, a tag, and an example or schema for what it answers."""
    from fastapi.testclient import TestClient

    spec = (
        TestClient(create_app(Settings(), fresh_store, tokens=tmp_path / "t.json"))
        .get("/openapi.json")
        .json()
    )
    mine = ("/sparql", "/queries", "/organisations")
    checked = 0
    for path, item in spec["paths"].items():
        if not path.startswith(mine):
            continue
        for method, operation in item.items():
            checked += 1
            assert operation.get("summary"), (method, path)
            assert operation.get("tags"), (method, path)
            assert operation.get("description"), (method, path)
            ok = operation["responses"].get("200") or operation["responses"].get("201")
            assert ok and (ok.get("content") or ok.get("description")), (method, path)
    assert checked >= 8
    post = spec["paths"]["/organisations/{org}/submissions"]["post"]
    assert {"401", "403", "413", "422"} <= set(post["responses"])
    assert post["security"] == [{"orgToken": []}]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert "application/sparql-query" in spec["paths"]["/sparql"]["post"]["requestBody"]["content"]
