"""Statistics over HTTP: ``POST /statistics`` imports a table of figures; ``GET /statistics`` lists the tables.

The upload is read like a submission (multipart ``file`` or a raw CSV/XLSX body, ``api/submissions.py``).
A curator's token may import any table; an organisation's token only a table whose every figure is about
that organisation or one of its units (a municipality's districts). The library's ``prepare`` reads and
checks the whole table before the write lock; ``commit`` writes it in one transaction, so a refused table
changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

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
from insatsgraf.api.submissions import _upload
from insatsgraf.api.tokens import TokenInfo
from insatsgraf.catalogue.lookups import unit_of
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.sparql.store import Store
from insatsgraf.submission import statistics
from insatsgraf.submission.ingest import LIMIT_CODES

router = APIRouter(tags=["statistics"])


def check_scope(store: Store, token: TokenInfo, prepared: statistics.Prepared) -> None:
    """403 unless the token may write every figure of the table."""
    if token.curator:
        return
    base = store.base
    allowed_prefix = iris.organisation("", base)
    for org in sorted({str(o) for o in prepared.graph.objects(None, IG.refOrganisation)}):
        org_id = org[len(allowed_prefix) :] if org.startswith(allowed_prefix) else None
        if org_id is not None and (org_id == token.org or unit_of(store, org_id, token.org)):
            continue
        raise ApiError(
            403,
            "curator-required",
            f"The table has figures about {org_id or org}; organisation {token.org}'s token imports figures "
            "about itself and its units only. A table about several organisations needs a curator's token "
            "(insatsgraf token issue --curator).",
            f"Tabellen har nyckeltal om {org_id or org}; organisation {token.org}s token importerar bara "
            "nyckeltal om organisationen själv och dess enheter. En tabell om flera organisationer kräver en "
            "kurators token (insatsgraf token issue --curator).",
        )


@router.post(
    "/statistics",
    status_code=201,
    summary="Import a table of figures (Data Cube); replaces an earlier import of the same source and period",
    responses={
        **AUTH_RESPONSES,
        400: error_response(
            "A row is refused (which file, row and column): unknown organisation or measure, a value that is "
            "no number, a negative count, a bad period, a duplicate observation.",
            "bad-period",
            '"2017-13" is not a period …',
            '"2017-13" är ingen period …',
            file="oj-2017.csv",
            row=3,
            column="period",
        ),
        403: error_response(
            "An organisation's token, and the table has figures about another organisation.",
            "curator-required",
            "The table has figures about 0581; organisation 0580's token imports figures about itself …",
            "Tabellen har nyckeltal om 0581; organisation 0580s token importerar bara nyckeltal om …",
        ),
        413: error_response(
            "The upload or the table is over a limit.", "too-large", "The request body is larger …", "…"
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "org,period,measure,value\n0580,2019,cost-per-inhabitant,2427\n",
                },
            },
        }
    },
)
async def post_statistics(
    request: Request,
    token: Annotated[TokenInfo, Depends(require_token)],
    store: StoreDep,
    settings: SettingsDep,
    limits: LimitsDep,
    source: Annotated[
        str | None,
        Query(max_length=300, description="Where the figures come from (else the table's source column)."),
    ] = None,
    by: Annotated[str | None, Query(max_length=200, description="Who imports (provenance).")] = None,
    filename: Annotated[str | None, Query(max_length=200, description="File name for a raw body.")] = None,
) -> JSONResponse:
    """Check every row and write the table as one ``qb:DataSet`` with its history and provenance."""
    data, name, _date, by = await _upload(request, limits.max_upload_bytes, None, by, filename)
    lock = get_write_lock(request)

    def work() -> dict[str, Any]:
        prepared = statistics.prepare(store, settings, data, name, source)
        check_scope(store, token, prepared)
        with lock:
            done = statistics.commit(store, settings, prepared, by=by)
        return {**done.to_json(), "observations": prepared.observations, "title": prepared.title}

    try:
        result = await run_in_threadpool(work)
    except UserError as exc:
        status = 413 if exc.code in LIMIT_CODES else 400
        raise ApiError(
            status, exc.code, exc.en, exc.sv, file=exc.file, row=exc.row, column=exc.column
        ) from exc
    return JSONResponse(result, status_code=201)


@router.get("/statistics", summary="The statistics tables and comparison groups, with their current import")
async def get_statistics(store: StoreDep, settings: SettingsDep) -> list[dict[str, object]]:
    """Open to read: key, number of observations, imports, current file and date."""
    return await run_in_threadpool(statistics.list_tables, store, settings)
