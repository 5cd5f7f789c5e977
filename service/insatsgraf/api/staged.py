"""``serve``'s fast start: the SPARQL endpoint answers while the rest of the API is still being built.

Importing every router (openpyxl, pySHACL, rapidfuzz, Jinja templates, the pages) and building their routes
and OpenAPI models takes longer than the whole goal for a first answer (issue 16: ``serve`` answers within
2 s). So ``serve`` starts uvicorn on a ``StagedApp``: until the full app is built (in a thread, started
once uvicorn's lifespan begins), requests to ``/sparql`` go to a small app holding only the SPARQL router
(``first_app``), and every other request waits for the full app. The build starts when the first app has
answered its first request, when another path is asked for, or ``BUILD_DELAY`` after the start, whichever
comes first: in one process it competes for the interpreter with the first query. Both apps share the store, the limits,
the token registry, the query workers and the query slots, so a query answers the same on either; once the
full app is there, every request goes to it.

Tests build the full app with ``create_app`` directly; this wrapper only changes when routes become
available, never what they answer.
"""

from __future__ import annotations

import asyncio
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from insatsgraf.api.app import base_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.sparql.store import Store

FIRST_PATHS = frozenset({"/sparql"})
"""The paths the first app answers: the SPARQL endpoint (GET and POST)."""

BUILD_DELAY = 2.0
"""Seconds after uvicorn's start by which the full app is built even if no request came."""

SHARED_STATE = ("evaluator", "query_runner", "tokens", "write_lock")
"""What the full app takes over from the first, so that both use the same workers, slots and tokens."""


def first_app(
    settings: Settings,
    store: Store,
    *,
    limits: ServiceLimits,
    tokens: TokenRegistry | str | Path | None = None,
    evaluator: Any = None,
) -> FastAPI:
    """The app with the SPARQL router only (it imports FastAPI and the store's modules, nothing else)."""
    from insatsgraf.api.sparql import QueryRunner, router

    app = base_app(settings, store, limits=limits, tokens=tokens)
    app.state.evaluator = evaluator
    app.state.query_runner = QueryRunner(limits.query_workers)
    app.include_router(router)
    return app


class StagedApp:
    """An ASGI app answering ``FIRST_PATHS`` from ``first`` until ``build()`` has made the full app."""

    def __init__(self, first: FastAPI, build: Callable[[], FastAPI], *, delay: float = BUILD_DELAY):
        self.first = first
        self.delay = delay
        self._build = build
        self._full: FastAPI | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._started = False
        self._lock = threading.Lock()

    @property
    def full(self) -> FastAPI | None:
        """The full app once it is built."""
        return self._full

    def start_building(self) -> None:
        """Build the full app in a thread (once)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run_build, name="insatsgraf-app-build", daemon=True).start()

    def _run_build(self) -> None:
        try:
            full = self._build()
            if full.router.on_startup or full.router.on_shutdown:
                raise RuntimeError(
                    "the full app has startup or shutdown handlers, which StagedApp never runs"
                )
            for name in SHARED_STATE:
                setattr(full.state, name, getattr(self.first.state, name))
            self._full = full
        except BaseException as exc:  # noqa: BLE001 - kept and raised in every request that needs the app
            traceback.print_exc()
            self._error = exc
        finally:
            self._done.set()

    def wait_built(self, timeout: float | None = None) -> FastAPI:
        """The full app, waiting for it (for tests and the requests that need it); its build error if any."""
        self.start_building()
        if not self._done.wait(timeout):
            raise TimeoutError("the app is still being built")
        if self._error is not None:
            raise RuntimeError("the app could not be built") from self._error
        assert self._full is not None
        return self._full

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            timer = threading.Timer(self.delay, self.start_building)
            timer.daemon = True
            timer.start()
            await self.first(scope, receive, send)  # (neither app has startup or shutdown work)
            return
        full = self._full
        if full is None and scope.get("path") in FIRST_PATHS:
            try:
                await self.first(scope, receive, send)
            finally:
                self.start_building()
            return
        if full is None:
            full = await asyncio.get_running_loop().run_in_executor(None, self.wait_built)
        await full(scope, receive, send)
