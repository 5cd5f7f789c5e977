"""Editions of the national catalogue over HTTP (``submission/editions.py``).

``GET /catalogue/editions`` and ``GET /catalogue/editions/diff`` are open to read. ``POST /catalogue/editions``
imports a national list (multipart field ``file``, or the CSV/XLSX as the body with ``?filename=``) and needs a
curator's token (``insatsgraf token issue --curator``): the catalogue is national, no organisation's own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from insatsgraf.api.deps import (
    AUTH_RESPONSES,
    ApiError,
    LimitsDep,
    SettingsDep,
    StoreDep,
    error_response,
    get_write_lock,
    require_token,
)
from insatsgraf.api.submissions import _prefers_text, _upload
from insatsgraf.api.tokens import TokenInfo
from insatsgraf.errors import UserError
from insatsgraf.submission import editions
from insatsgraf.submission.ingest import LIMIT_CODES
from insatsgraf.submission.validate import ValidationFailed

router = APIRouter(tags=["catalogue"])


def _curator(token: Annotated[TokenInfo, Depends(require_token)]) -> TokenInfo:
    """A curator's token; 403 for an organisation's."""
    if not token.curator:
        raise ApiError(
            403,
            "curator-required",
            "Only a curator's token imports a catalogue edition (`insatsgraf token issue --curator`).",
            "Bara en kurators token importerar en katalogutgåva (`insatsgraf token issue --curator`).",
        )
    return token


@router.get("/catalogue/editions", summary="The catalogue's editions, oldest first")
async def get_editions(store: StoreDep, settings: SettingsDep) -> list[dict[str, object]]:
    """Every edition: name, date, file, who imported it, its number of entries and which one is current."""
    return await run_in_threadpool(editions.history, store, settings)


@router.get(
    "/catalogue/editions/diff",
    summary="Entries added, removed and changed between two editions",
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        400: error_response(
            "Unknown edition, or only one.", "unknown-edition", "no catalogue edition …", "…"
        ),
    },
)
async def get_editions_diff(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    from_: Annotated[
        str | None,
        Query(alias="from", description="An edition's name, date or stamp; default the one before."),
    ] = None,
    to: Annotated[str | None, Query(description="Another edition; default the current one.")] = None,
) -> Response:
    result = await run_in_threadpool(editions.diff, store, settings, from_, to)
    if _prefers_text(request):
        return PlainTextResponse(result.text())
    return JSONResponse(result.to_json())


@router.post(
    "/catalogue/editions",
    status_code=201,
    summary="Import a national list as the catalogue's new edition (a curator's token)",
    responses={
        **AUTH_RESPONSES,
        422: error_response(
            "An entry does not conform (duplicate or bad id, unknown kind, category or target group, reversed "
            "ages, sessions not a number): the report, by row and column. Nothing was written.",
            "validation-failed",
            "the submission does not conform: 1 violations …",
            "inrapporteringen underkändes: 1 fel …",
        ),
    },
)
async def post_edition(
    request: Request,
    token: Annotated[TokenInfo, Depends(_curator)],
    store: StoreDep,
    settings: SettingsDep,
    limits: LimitsDep,
    edition: Annotated[str | None, Query(description="The edition's name (default: the file name).")] = None,
    date: Annotated[str | None, Query(description="Date YYYY-MM-DD (default today).")] = None,
    by: Annotated[str | None, Query(description="Who imports it (kept as personal data).")] = None,
    filename: Annotated[str | None, Query(description="File name for a raw body (.csv or .xlsx).")] = None,
) -> Response:
    data, name, date, by = await _upload(request, limits.max_upload_bytes, date, by, filename)
    lock = get_write_lock(request)

    def work() -> Any:
        with lock:  # the import re-derives every organisation's mappings: no submission in between
            return editions.import_edition(store, settings, data, name, edition=edition, day=date, by=by)

    try:
        result = await run_in_threadpool(work)
    except ValidationFailed as exc:
        return JSONResponse({**exc.to_json(), "text": exc.report.text()}, status_code=422)
    except UserError as exc:
        if exc.code in LIMIT_CODES:
            raise ApiError(
                413, exc.code, exc.en, exc.sv, file=exc.file, row=exc.row, column=exc.column
            ) from exc
        raise
    return JSONResponse(result.to_json(), status_code=201)
