"""``serve``'s fast start (issue 16: the first answer within 2 s on a national store).

``serve`` starts the query workers before it imports FastAPI, answers ``/sparql`` from an app holding only the
SPARQL router, and builds the full app (every router, openpyxl, pySHACL, Jinja) once it runs
(``api/staged.py``). These check what the start imports (the modules, not a time: bench/README.md has the
times) and that the staged app answers every route the same as ``create_app``'s, before and after its build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.api.staged import StagedApp, first_app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from tests.api_live import live_server

HEAVY = ("openpyxl", "pyshacl", "jinja2", "yaml", "pyparsing")
"""Not needed to answer /sparql: the submission, page and catalogue stages (pyparsing: rdflib's SPARQL
parser, which only the query workers use)."""
LATER = (
    "insatsgraf.api.queries",
    "insatsgraf.api.submissions",
    "insatsgraf.publication",
    "insatsgraf.submission",
)
JSON = "application/sparql-results+json"

PROBE = """
import json, sys, runpy
import uvicorn

def run(app, **options):
    first = sorted(sys.modules)
    full = app.wait_built(120)
    report = {"first": first, "full": sorted(sys.modules), "kind": type(app).__name__,
              "routes": sorted(full.openapi()["paths"]), "paths": sorted(app.first.openapi()["paths"])}
    print("\\n" + json.dumps(report))
    raise SystemExit(0)

uvicorn.run = run
sys.argv = ["insatsgraf", "serve", "--store", sys.argv[1], "--port", "1"]
runpy.run_module("insatsgraf", run_name="__main__")
"""


def tiny_store(path: Path) -> Path:
    """An on-disk store with one named graph: ``serve`` loads nothing into it (``prepare_store``)."""
    store = ox.Store(str(path))
    store.add(
        ox.Quad(
            ox.NamedNode("http://example.org/s"),
            ox.NamedNode("http://example.org/p"),
            ox.Literal("o"),
            ox.NamedNode("http://example.org/g"),
        )
    )
    store.flush()
    del store
    return path


def serve_start(store: Path) -> dict[str, list[str]]:
    """Run ``insatsgraf serve`` in a fresh interpreter up to uvicorn, then wait for the full app."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(store)],
        capture_output=True,
        text=True,
        env={**os.environ, "INSATSGRAF_TOKENS": str(store.parent / "tokens.json")},
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_serve_listens_before_it_imports_the_rest_of_the_api(tmp_path: Path) -> None:
    report = serve_start(tiny_store(tmp_path / "store"))
    first, full = set(report["first"]), set(report["full"])
    top = {m.split(".")[0] for m in first}
    assert report["kind"] == "StagedApp"
    assert not top & set(HEAVY), sorted(top & set(HEAVY))
    assert not {m for m in first if m.startswith(LATER)}, sorted(m for m in first if m.startswith(LATER))
    assert report["paths"] == ["/sparql"]
    # the test can fail: the full app, built after the start, does import them and has every route
    assert {"openpyxl", "pyshacl", "jinja2"} <= {m.split(".")[0] for m in full}
    assert {"/sparql", "/queries", "/dumps/{filename}", "/organisations/{org}/submissions"} <= set(
        report["routes"]
    ), report["routes"]


@pytest.fixture
def staged(tmp_path: Path) -> Iterator[tuple[StagedApp, threading.Event, str]]:
    """A staged app on a live uvicorn server whose full-app build waits for ``gate``."""
    settings = Settings().with_(store=str(tmp_path / "store"))
    store = OxigraphStore(None, base=settings.base)
    limits = ServiceLimits(query_timeout=10)
    gate = threading.Event()
    first = first_app(settings, store, limits=limits, tokens=tmp_path / "tokens.json", evaluator=store)

    def build() -> FastAPI:
        assert gate.wait(30), "the test never opened the gate"
        return create_app(settings, store, limits=limits, tokens=first.state.tokens)

    app = StagedApp(first, build, delay=60)
    with live_server(app) as url:  # type: ignore[arg-type]
        yield app, gate, url
    gate.set()


def test_sparql_answers_while_the_app_is_built_and_the_rest_waits_for_it(
    staged: tuple[StagedApp, threading.Event, str],
) -> None:
    app, gate, url = staged
    ask = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON})
    assert ask.status_code == 200 and ask.json() == {"head": {}, "boolean": False}
    assert app.full is None  # answered by the first app: the build is still held at the gate

    answers: list[httpx.Response] = []
    waiting = threading.Thread(target=lambda: answers.append(httpx.get(f"{url}/queries", timeout=30)))
    waiting.start()
    time.sleep(0.5)
    assert not answers, "/queries answered before the full app was built"
    gate.set()
    waiting.join(30)
    assert answers and answers[0].status_code == 200
    assert "coverage-matrix" in {q["name"] for q in answers[0].json()}
    full = app.full
    assert full is not None
    assert full.state.evaluator is app.first.state.evaluator  # one set of workers and query slots
    assert full.state.query_runner is app.first.state.query_runner

    # after the build, /sparql is the full app's: the same answer, the same error shape
    again = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON})
    assert again.json() == ask.json()
    bad = httpx.get(f"{url}/sparql", params={"query": "SELECT WHERE"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad-query"


def test_a_failed_build_is_a_server_error_not_a_hang(tmp_path: Path) -> None:
    settings = Settings().with_(store=str(tmp_path / "store"))
    store = OxigraphStore(None, base=settings.base)
    first = first_app(
        settings, store, limits=ServiceLimits(), tokens=tmp_path / "tokens.json", evaluator=store
    )

    def build() -> FastAPI:
        raise ValueError("a router that does not import")

    app = StagedApp(first, build, delay=60)
    with pytest.raises(RuntimeError, match="could not be built"):
        app.wait_built(10)
    with live_server(app) as url:  # type: ignore[arg-type]
        assert httpx.get(f"{url}/sparql", params={"query": "ASK {}"}).status_code == 200
        assert httpx.get(f"{url}/queries").status_code == 500
