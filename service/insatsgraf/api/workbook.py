"""``GET /organisations/{org}/workbook.xlsx``: the confirm-your-list workbook (``submission/workbook.py``).

Open to read, like an organisation's history: it holds the organisation's current list, which is public. The
filled workbook goes back through ``POST /organisations/{org}/submissions`` (with ``state=bekräftad``).
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from insatsgraf.api.deps import ApiError, SettingsDep, StoreDep, error_response
from insatsgraf.errors import UserError
from insatsgraf.submission.workbook import workbook_bytes

router = APIRouter(tags=["submissions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/organisations/{org}/workbook.xlsx",
    summary="The organisation's list as a pre-filled workbook to confirm",
    responses={
        200: {"content": {XLSX: {}}, "description": "The workbook (XLSX)."},
        404: error_response(
            "The organisation is not in the register.",
            "unknown-organisation",
            'unknown organisation "9999" …',
            'okänd organisation "9999" …',
        ),
    },
    response_class=Response,
)
async def get_workbook(org: str, store: StoreDep, settings: SettingsDep) -> Response:
    """One row per current offering (status `erbjuds`), names in the drop-downs, the service's mapping beside
    the `program` column and the cells to check highlighted; without a list, the entries its county runs."""
    try:
        data = await run_in_threadpool(workbook_bytes, store, settings, org)
    except UserError as exc:
        if exc.code == "unknown-organisation":
            raise ApiError(404, exc.code, exc.en, exc.sv) from exc
        raise
    headers = {"Content-Disposition": f'attachment; filename="{org}-bekrafta.xlsx"'}
    return Response(data, media_type=XLSX, headers=headers)
