"""App factory. The app is a thin layer over the library functions the CLI calls too."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from insatsgraf import __version__
from insatsgraf.api.deps import ApiError, ServiceLimits
from insatsgraf.api.tokens import TokenRegistry, tokens_path
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.connect import open_store
from insatsgraf.sparql.store import Store

TAGS = [
    {"name": "sparql", "description": "SPARQL 1.1 Protocol endpoint (read-only)."},
    {"name": "queries", "description": "The query catalogue: named, parametrised questions."},
    {"name": "submissions", "description": "Organisations submit their lists; history and diffs."},
    {"name": "harmonisation", "description": "Name-matching proposals, decisions and reconciliation."},
    {
        "name": "catalogue",
        "description": "Editions of the national catalogue: import (curator), history, diff.",
    },
    {"name": "statistics", "description": "Figures beside the offerings (RDF Data Cube): import and list."},
    {"name": "organisations", "description": "The organisation register; registering organisations."},
    {"name": "linked data", "description": "Dereferenceable IRIs, dataset description and dumps."},
    {"name": "web", "description": "HTML pages."},
    {"name": "evidence", "description": "Evidence assessments: registry ratings of catalogue programmes."},
]


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    *,
    load_bundled: bool = False,
    limits: ServiceLimits | None = None,
    tokens: TokenRegistry | str | Path | None = None,
) -> FastAPI:
    """Build the app. ``store`` defaults to the settings' store; ``load_bundled`` (re)loads data/ttl first.

    ``limits`` sets the query timeout, row and upload limits; ``tokens`` the token registry (or its file),
    by default ``tokens_path(settings)``.
    """
    settings = settings or Settings()
    store = store if store is not None else open_store(settings)
    if load_bundled:
        from insatsgraf.submission.bundled import load_bundled as _load

        _load(store, settings)
    app = base_app(settings, store, limits=limits, tokens=tokens)

    from insatsgraf.api import (
        charts,
        editions,
        harmonise,
        linked_data,
        organisations,
        queries,
        review,
        sparql,
        statistics,
        submissions,
        web,
        workbook,
    )
    from insatsgraf.api import evidence as evidence_api  # issue 17
    from insatsgraf.catalogue.queries import Catalogue

    app.state.catalogue = Catalogue.load(settings.queries_dir)
    for module in (
        sparql,
        queries,
        submissions,
        statistics,
        organisations,
        workbook,
        editions,
        review,
        harmonise,
        linked_data,
        web,
        charts,
        evidence_api,
    ):
        router = queries.build_router(app.state.catalogue) if module is queries else module.router
        app.include_router(router)
    return app


def base_app(
    settings: Settings,
    store: Store,
    *,
    limits: ServiceLimits | None = None,
    tokens: TokenRegistry | str | Path | None = None,
) -> FastAPI:
    """The app without its routers: its state, middleware and error handlers. ``create_app`` adds every
    router; ``serve`` first answers ``/sparql`` from one with only that router (``api/staged.py``)."""
    limits = limits or ServiceLimits()
    if not isinstance(tokens, TokenRegistry):
        tokens = TokenRegistry(tokens or tokens_path(settings))
    app = FastAPI(
        title="insatsgraf",
        version=__version__,
        description="A knowledge graph of the interventions (insatser) Swedish social services offer: "
        "SPARQL 1.1 endpoint, query catalogue, submissions, harmonisation and linked data.\n\n"
        "Reads are open. Writes need a bearer token for the organisation concerned "
        "(`insatsgraf token issue --org ID`). Errors are JSON: "
        '`{"error": code, "message": {"en": …, "sv": …}}`.',
        openapi_tags=TAGS,
        docs_url=None,  # /docs is served from vendored Swagger UI files (api/web.py), not from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.limits = limits
    app.state.tokens = tokens
    app.state.write_lock = threading.Lock()

    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(limits.cors_origins),
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
        expose_headers=["Location", "Content-Type"],
    )
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(UserError, _user_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    return app


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.to_json(), status_code=exc.status, headers=exc.headers)


_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    404: (
        "not-found",
        "There is nothing at {path}. /docs lists the API.",
        "Det finns inget på {path}. /docs visar API:t.",
    ),
    405: (
        "method-not-allowed",
        "{method} is not allowed on {path}.",
        "{method} är inte tillåtet på {path}.",
    ),
}


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (no route: 404, wrong method: 405, …) in the documented error shape."""
    code, en, sv = _HTTP_MESSAGES.get(
        exc.status_code,
        (
            f"http-{exc.status_code}",
            "The request cannot be answered: {detail}.",
            "Anropet kan inte besvaras: {detail}.",
        ),
    )
    where = {"path": request.url.path, "method": request.method, "detail": exc.detail}
    body = {"error": code, "message": {"en": en.format(**where), "sv": sv.format(**where)}}
    if exc.detail and exc.status_code not in _HTTP_MESSAGES:
        body["detail"] = exc.detail
    return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A parameter or body FastAPI could not read: 422, in the same shape as every other error."""
    fields = ", ".join(
        ".".join(str(p) for p in e.get("loc", ())) + (f" ({e['msg']})" if e.get("msg") else "")
        for e in exc.errors()
    )
    return JSONResponse(
        {
            "error": "invalid-request",
            "message": {
                "en": f"The request does not fit the API description: {fields}.",
                "sv": f"Anropet stämmer inte med API-beskrivningen: {fields}.",
            },
            "detail": jsonable_encoder(exc.errors()),
        },
        status_code=422,
    )


async def _user_error(request: Request, exc: UserError) -> JSONResponse:
    """Input the user can fix: 400 with the bilingual message and where the problem is."""
    return JSONResponse(exc.to_json(), status_code=400)
