"""Harmonisation over HTTP: proposals, decisions, and an OpenRefine reconciliation service.

``/reconcile`` implements the Reconciliation Service API 0.2 (manifest, query batches over GET and POST,
suggest, preview, data extension); CORS is open for the whole app (``create_app``), as the spec requires.
``GET /harmonise`` lists proposals like ``insatsgraf harmonise``; ``POST /harmonise/decisions`` records a
decision and needs a bearer token: a decision scoped to an organisation needs that organisation's token (or
its municipality's, for a district unit: ``org:unitOf``) or a curator's; a national (unscoped) decision,
which can change the catalogue (``skos:hiddenLabel``), needs a curator's token (``api/tokens.py``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.types import Message

from insatsgraf.api.deps import (
    AUTH_RESPONSES,
    ApiError,
    SettingsDep,
    StoreDep,
    error_response,
    get_write_lock,
    read_body,
    require_token,
)
from insatsgraf.api.tokens import TokenInfo
from insatsgraf.catalogue.lookups import unit_of
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation import reconcile as rc
from insatsgraf.harmonisation.decisions import (
    FIELD_LIMITS,
    Decision,
    accepted_relation,
    default_path,
    proposed,
    record_decision,
)
from insatsgraf.harmonisation.matcher import CSV_COLUMNS, VARIANT_KINDS, propose
from insatsgraf.sparql.store import Store
from insatsgraf.submission.template import write_csv

router = APIRouter(tags=["harmonisation"])


def _service_url(request: Request) -> str:
    return str(request.url_for("reconcile_get")).rstrip("/")


def _data(store: Store) -> rc.ReconData:
    return rc.ReconData.from_store(store)


async def _answer(store: Store, request: Request, queries: str | None, extend: str | None) -> dict[str, Any]:
    if queries is not None:
        batch = rc.parse_json(queries, "queries")
        data = await run_in_threadpool(_data, store)
        return await run_in_threadpool(rc.reconcile, data, batch)
    if extend is not None:
        query = rc.parse_json(extend, "extend")
        data = await run_in_threadpool(_data, store)
        return await run_in_threadpool(rc.extend, data, query)
    return rc.manifest(_service_url(request), store.base, str(request.base_url))


@router.get(
    "/reconcile",
    name="reconcile_get",
    summary="Reconciliation service: manifest, or a query batch (?queries=) or extension (?extend=)",
)
async def reconcile_get(
    request: Request,
    store: StoreDep,
    queries: Annotated[
        str | None,
        Query(description="A reconciliation query batch (JSON).", examples=['{"q0": {"query": "Cos"}}']),
    ] = None,
    extend: Annotated[str | None, Query(description="A data extension query (JSON).")] = None,
) -> dict[str, Any]:
    """Without parameters: the manifest. OpenRefine: *Reconcile → Add standard service* with this URL."""
    return await _answer(store, request, queries, extend)


@router.post("/reconcile", summary="Reconciliation query batch or data extension (form fields)")
async def reconcile_post(request: Request, store: StoreDep) -> dict[str, Any]:
    """Form-encoded ``queries=<JSON>`` or ``extend=<JSON>`` (the spec's POST), read within
    ``reconcile.MAX_BODY_BYTES`` before the form is parsed."""
    body = await read_body(request, rc.MAX_BODY_BYTES)

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form()
    queries, extend = form.get("queries"), form.get("extend")
    if not isinstance(queries, (str, type(None))) or not isinstance(extend, (str, type(None))):
        raise UserError(
            "'queries' and 'extend' must be form fields, not files.",
            "'queries' och 'extend' ska vara formulärfält, inte filer.",
            code="bad-reconciliation-query",
        )
    if queries is None and extend is None:
        raise UserError(
            "send a form field 'queries' (or 'extend') with the JSON query.",
            "skicka formulärfältet 'queries' (eller 'extend') med JSON-frågan.",
            code="bad-reconciliation-query",
        )
    return await _answer(store, request, queries, extend)


@router.get("/reconcile/suggest/entity", summary="Suggest programmes and organisations by name prefix")
async def suggest_entity(
    store: StoreDep,
    prefix: Annotated[str, Query(description="What the user typed.")] = "",
    cursor: Annotated[int, Query(ge=0, description="Suggestions to skip.")] = 0,
    type: Annotated[str | None, Query(description="Restrict to one type id.")] = None,  # noqa: A002
) -> dict[str, Any]:
    """Entities with a name (or another label, or an id) starting with ``prefix``; ``cursor`` skips."""
    data = await run_in_threadpool(_data, store)
    return rc.suggest_entities(data, prefix, cursor, type)


@router.get("/reconcile/suggest/type", summary="Suggest types")
async def suggest_type(prefix: str = "") -> dict[str, Any]:
    """The two types: programmes (and intervention types) and organisations."""
    return rc.suggest_types(prefix)


@router.get("/reconcile/suggest/property", summary="Suggest properties (for queries and data extension)")
async def suggest_property(prefix: str = "") -> dict[str, Any]:
    """Properties for ``properties`` in queries (municipality, county, kind) and for data extension."""
    return rc.suggest_properties(prefix)


@router.get("/reconcile/preview", response_class=HTMLResponse, summary="HTML preview of an entity")
async def preview(store: StoreDep, id: Annotated[str, Query(examples=["programme/komet"])]) -> HTMLResponse:  # noqa: A002
    """A small HTML summary of ``programme/…`` or ``organisation/…`` for an iframe; 404 if unknown."""
    data = await run_in_threadpool(_data, store)
    try:
        return HTMLResponse(rc.preview_html(data, id))
    except UserError as exc:
        raise ApiError(404, exc.code, exc.en, exc.sv) from exc


@router.get("/reconcile/properties", summary="Data extension: properties to fetch for a type")
async def properties(
    type: Annotated[str, Query(examples=[rc.TYPE_PROGRAMME])],  # noqa: A002
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """Data extension property proposals for a type (``type``, optional ``limit``)."""
    return rc.propose_properties(type, limit)


# -- proposals and decisions ---------------------------------------------------------------------


@router.get(
    "/harmonise",
    summary="Proposed mappings of the local names in the store",
    response_model=None,
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
async def proposals(
    store: StoreDep,
    settings: SettingsDep,
    org: Annotated[
        str | None, Query(description="Organisation id; its districts too.", examples=["0580"])
    ] = None,
    format: Annotated[Literal["csv", "json"], Query(description="csv or json.")] = "json",  # noqa: A002
) -> Response:
    """One row per proposed mapping: ``org,insats,programme,relation,score,status`` (same as the CLI)."""
    found = await run_in_threadpool(propose, store, settings, org)
    if format == "csv":
        out = io.StringIO()
        write_csv(out, CSV_COLUMNS, (p.row() for p in found))
        return PlainTextResponse(out.getvalue(), media_type="text/csv; charset=utf-8")
    return JSONResponse([p.to_json() for p in found])


class DecisionIn(BaseModel):
    """A person's decision on a local name."""

    name: str = Field(min_length=1, max_length=FIELD_LIMITS["name"][0], examples=["Mini Macho"])
    outcome: Literal["accepted", "rejected", "mapped"] = Field(examples=["mapped"])
    programme: str | None = Field(
        None, description="Catalogue id; null with 'mapped' = on no list.", examples=["machofabriken"]
    )
    relation: str | None = Field(
        None,
        description=f"One of {', '.join(VARIANT_KINDS)}. Default: for 'accepted' the proposed relation "
        "(accepting a variant keeps it a variant), else 'same'.",
        examples=["local-adaptation"],
    )
    by: str = Field(
        min_length=1, max_length=FIELD_LIMITS["by"][0], description="Who decides.", examples=["Lina Larsson"]
    )
    reason: str = Field(
        "",
        max_length=FIELD_LIMITS["reason"][0],
        examples=["Lokal anpassning för mellanstadiet (FoU-podden 86)."],
    )
    org: str | None = Field(
        None,
        max_length=64,
        description="Make it hold for this organisation's name only (the token's organisation, or one of "
        "its district units). Without it the decision holds for all organisations: a curator's token only.",
    )


DECISION_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    403: error_response(
        "The token may not decide for this scope: another organisation's, or a national decision "
        "(no `org`) without a curator's token.",
        "curator-required",
        "A decision for all organisations changes the national catalogue and needs a curator's token …",
        "Ett beslut för alla organisationer ändrar den nationella katalogen och kräver en kurators token …",
    ),
}


def check_scope(store: Store, token: TokenInfo, org: str | None) -> None:
    """403 unless ``token`` may decide for ``org`` (``None``: all organisations, the catalogue)."""
    if token.curator:
        return
    if org is None:
        raise ApiError(
            403,
            "curator-required",
            f"A decision for all organisations changes the national catalogue and needs a curator's token "
            f"(insatsgraf token issue --curator). This token is organisation {token.org}'s: choose "
            f"'only {token.org}' as the scope, or ask a curator.",
            f"Ett beslut för alla organisationer ändrar den nationella katalogen och kräver en kurators "
            f"token (insatsgraf token issue --curator). Den här token tillhör organisation {token.org}: "
            f"välj 'bara {token.org}' som omfattning, eller be en kurator.",
        )
    if org != token.org and not unit_of(store, org, token.org):
        raise ApiError(
            403,
            "wrong-organisation",
            f"This token decides for organisation {token.org} (and its district units), not {org}.",
            f"Den här token beslutar för organisation {token.org} (och dess stadsdelar), inte {org}.",
        )


def decisions_file(request: Request, settings: Settings) -> Path:
    """The decisions file: ``app.state.decisions_path`` if set, else ``default_path`` (beside the store)."""
    return getattr(request.app.state, "decisions_path", None) or default_path(settings)


@router.post(
    "/harmonise/decisions",
    status_code=201,
    responses=DECISION_RESPONSES,
    summary="Record a harmonisation decision (needs a bearer token; national decisions a curator's)",
)
async def post_decision(
    request: Request,
    body: DecisionIn,
    store: StoreDep,
    settings: SettingsDep,
    token: Annotated[TokenInfo, Depends(require_token)],
) -> dict[str, Any]:
    """Recorded with who (``by``), for the token's organisation, when and why, in the decisions graph.

    An organisation's token decides within its scope (``org``: itself or its district units); a decision
    for all organisations (no ``org``) needs a curator's token. Fields longer than their limit: 422."""
    await run_in_threadpool(check_scope, store, token, body.org or None)
    path = decisions_file(request, settings)
    lock = get_write_lock(request)

    def work() -> Decision:
        with lock:
            relation = body.relation
            if relation is None and body.outcome == "accepted" and body.programme:
                relation = accepted_relation(proposed(store, body.name, body.org), body.programme)
            decision = Decision(
                body.name,
                body.outcome,
                body.programme,
                body.by,
                relation or "same",
                body.reason,
                body.org or None,
                on_behalf_of=token.org or None,
            )
            return record_decision(store, settings, decision, path)

    return (await run_in_threadpool(work)).to_json()
