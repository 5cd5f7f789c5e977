"""Evidence assessments over HTTP: a curator posts the table of registry ratings; anyone reads them.

``POST /evidence`` takes the file like a submission (``multipart/form-data`` with ``file`` and optional
``by``, or the raw CSV/XLSX body with ``?filename=``) and needs a curator's token (``insatsgraf token issue
--curator``): ratings hold for the national catalogue, not for one organisation. The file is checked in
full (``submission/evidence.py``) before the one write; a refused file is 400 with file, row and column, and
changes nothing. ``GET /evidence`` lists the assessments, ``GET /evidence/history`` the imports.
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
from insatsgraf.api.submissions import XLSX, _upload
from insatsgraf.api.tokens import TokenInfo
from insatsgraf.errors import UserError
from insatsgraf.submission import curated, evidence
from insatsgraf.submission.ingest import LIMIT_CODES

router = APIRouter(tags=["evidence"])

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "CSV or XLSX."},
                    "by": {"type": "string", "description": "Who imports (recorded as prov:Agent)."},
                },
            }
        },
        "text/csv": {
            "schema": {"type": "string"},
            "example": "programme,registry,rating,date,url\nmst,cebc,1,2020-01-15,https://www.cebc4cw.org/\n",
        },
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}

CollectionQuery = Annotated[
    str,
    Query(
        description="The collection the file replaces; another name adds a collection.",
        examples=["assessments"],
        max_length=80,
    ),
]


def require_curator(token: Annotated[TokenInfo, Depends(require_token)]) -> TokenInfo:
    """403 unless a curator's token: assessments are national data, no organisation's."""
    if not token.curator:
        raise ApiError(
            403,
            "curator-required",
            f"Evidence assessments hold for the national catalogue and need a curator's token (insatsgraf "
            f"token issue --curator); this token is organisation {token.org}'s.",
            f"Evidensbedömningar gäller den nationella katalogen och kräver en kurators token (insatsgraf "
            f"token issue --curator); den här token tillhör organisation {token.org}.",
        )
    return token


@router.post(
    "/evidence",
    status_code=201,
    summary="Import evidence assessments (a curator's token): replaces the collection, keeps history",
    responses={
        400: error_response(
            "A row that does not check out: which file, row and column, and what to do. Nothing was written.",
            "rating-not-in-scale",
            '"Model Plus" is not a level of cebc\'s scale; its levels are 1, 2, 3, NR, 4, 5 …',
            '"Model Plus" är ingen nivå på cebcs skala; nivåerna är 1, 2, 3, NR, 4, 5 …',
            file="bedomningar.csv",
            row=3,
            column="rating",
        ),
        **AUTH_RESPONSES,
        403: error_response(
            "Not a curator's token.",
            "curator-required",
            "Evidence assessments hold for the national catalogue and need a curator's token …",
            "Evidensbedömningar gäller den nationella katalogen och kräver en kurators token …",
        ),
        413: error_response(
            "The upload or the file is over a limit.", "too-large", "The request body is larger …", "…"
        ),
    },
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def post_evidence(
    request: Request,
    token: Annotated[TokenInfo, Depends(require_curator)],
    store: StoreDep,
    settings: SettingsDep,
    limits: LimitsDep,
    collection: CollectionQuery = evidence.DEFAULT_KEY,
    by: Annotated[str | None, Query(description="Who imports (recorded in the provenance).")] = None,
    filename: Annotated[
        str | None, Query(description="File name for a raw body.", examples=["bedomningar.csv"])
    ] = None,
) -> JSONResponse:
    """Check every row (programme in the catalogue, registry known, rating on that registry's scale, date not
    in the future, http(s) links) and make the file the collection's current data, in one write."""
    data, name, _date, by = await _upload(request, limits.max_upload_bytes, None, by, filename)
    lock = get_write_lock(request)

    def work() -> curated.Imported:
        curated.Collection("evidence", collection)
        graph, raw, checked = evidence.parse(data, name, store, settings)
        with lock:
            return evidence.save(store, settings, graph, raw, checked, key=collection, by=by)

    try:
        done = await run_in_threadpool(work)
    except UserError as exc:
        if exc.code in LIMIT_CODES:
            raise ApiError(
                413, exc.code, exc.en, exc.sv, file=exc.file, row=exc.row, column=exc.column
            ) from exc
        raise
    return JSONResponse(done.to_json(), status_code=201)


@router.get("/evidence", summary="Every evidence assessment, newest first, with its crosswalk level")
async def get_evidence(store: StoreDep) -> list[dict[str, Any]]:
    """Programme, registry, rating (on the registry's scale) and its crosswalk level, date, link, and the
    optional outcome, direction, population and note."""
    return await run_in_threadpool(evidence.assessments, store)


@router.get("/evidence/history", summary="The imports of an evidence collection, oldest first")
async def get_history(
    store: StoreDep, settings: SettingsDep, collection: CollectionQuery = evidence.DEFAULT_KEY
) -> list[dict[str, object]]:
    """File, checksum, date and whether it is current (who imported it only where the store shows it)."""
    return await run_in_threadpool(
        curated.history, store, curated.Collection("evidence", collection), settings.base
    )
