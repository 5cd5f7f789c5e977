"""The register over HTTP: ``GET /organisations`` lists it (open), ``POST /organisations`` registers one
organisation and ``POST /organisations/import`` a CSV/XLSX file of them, both with a curator's token
(``insatsgraf token issue --curator``): the register is shared by every organisation, so an organisation's
own token may not change it. The work is ``submission/register.py``'s, as for ``insatsgraf organisations``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

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
from insatsgraf.submission import register as reg

router = APIRouter(tags=["organisations"])

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    403: error_response(
        "The token is an organisation's: registering organisations needs a curator's token.",
        "curator-required",
        "Registering organisations changes the shared register and needs a curator's token …",
        "Att registrera organisationer ändrar det gemensamma registret och kräver en kurators token …",
    ),
    422: error_response(
        "Refused, nothing written: every problem (`problems`) with its file, row and column: a bad or "
        "duplicate id, an id of the bundled register, an unknown kind, part_of or county, a missing name.",
        "duplicate-id",
        "the registration was refused, nothing was written: …",
        "registreringen avvisades, inget skrevs: …",
        problems=[],
    ),
}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV or XLSX: id, name, kind, part_of, county, note.",
                    },
                    "date": {"type": "string", "format": "date", "description": "Date (default today)."},
                    "by": {"type": "string", "description": "Who registers (personal data)."},
                },
            }
        },
        "text/csv": {
            "schema": {"type": "string"},
            "example": "id,name,kind,part_of,county,note\n0580-ekholmsskolan,Ekholmsskolan,skola,0580,,\n",
        },
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}


class NewOrganisation(BaseModel):
    """One organisation to register: the columns of ``organisations.csv``."""

    id: str = Field(max_length=63, examples=["0580-skola-ekholmen"])
    name: str = Field(max_length=200, examples=["Ekholmsskolan"])
    kind: str = Field(max_length=40, description="One of " + ", ".join(reg.KIND_LABELS), examples=["skola"])
    part_of: str = Field("", max_length=63, examples=["0580"])
    county: str = Field("", max_length=60, examples=["Östergötland"])
    note: str = Field("", max_length=2000)
    by: str | None = Field(None, max_length=200, description="Who registers (kept as personal data).")
    date: str | None = Field(None, max_length=10, examples=["2024-05-01"])


def require_curator(token: Annotated[TokenInfo, Depends(require_token)]) -> TokenInfo:
    """A curator's token; 403 for an organisation's."""
    if not token.curator:
        raise ApiError(
            403,
            "curator-required",
            f"Registering organisations changes the shared register and needs a curator's token "
            f"(insatsgraf token issue --curator); this token is organisation {token.org}'s.",
            f"Att registrera organisationer ändrar det gemensamma registret och kräver en kurators token "
            f"(insatsgraf token issue --curator); den här token tillhör organisation {token.org}.",
        )
    return token


@router.get("/organisations", summary="The organisation register (bundled and registered), by id")
async def get_organisations(
    store: StoreDep,
    settings: SettingsDep,
    kind: Annotated[
        str | None, Query(max_length=40, description="Only this kind, e.g. kommun, skola.")
    ] = None,
    county: Annotated[
        str | None, Query(max_length=60, description="Only this county: name, short name or code.")
    ] = None,
) -> list[dict[str, str]]:
    """Every organisation and unit: id, name, kind (``kommun,region`` for Gotland), part_of, county and
    source (`bundled`: data/ttl/organisations.ttl; `registered`: added with POST /organisations)."""
    return await run_in_threadpool(reg.list_organisations, store, settings, kind, county)


@router.post(
    "/organisations",
    status_code=201,
    summary="Register one organisation (a curator's token)",
    responses=WRITE_RESPONSES,
)
async def post_organisation(
    request: Request,
    body: NewOrganisation,
    store: StoreDep,
    settings: SettingsDep,
    token: Annotated[TokenInfo, Depends(require_curator)],
) -> JSONResponse:
    """Check the organisation with the register's shapes and add it, with a history entry and PROV record."""
    fields = body.model_dump(exclude={"by", "date"})
    lock = get_write_lock(request)

    def work() -> dict[str, object]:
        with lock:
            return reg.register_one(store, settings, fields, by=body.by, day=body.date).to_json()

    return await _answer(work)


@router.post(
    "/organisations/import",
    status_code=201,
    summary="Register every organisation of a CSV/XLSX file (a curator's token): all or nothing",
    responses=WRITE_RESPONSES,
    openapi_extra={"requestBody": IMPORT_BODY},
)
async def post_organisations_file(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    limits: LimitsDep,
    token: Annotated[TokenInfo, Depends(require_curator)],
    date: Annotated[str | None, Query(description="Date YYYY-MM-DD (default today).")] = None,
    by: Annotated[str | None, Query(max_length=200, description="Who registers.")] = None,
    filename: Annotated[str | None, Query(max_length=200, description="File name for a raw body.")] = None,
) -> JSONResponse:
    """The file (multipart field ``file``, or the body as text/csv or XLSX) has the columns of
    organisations.csv: id, name, kind, part_of, county, note."""
    data, name, date, by = await _upload(request, limits.max_upload_bytes, date, by, filename)
    lock = get_write_lock(request)

    def work() -> dict[str, object]:
        with lock:
            return reg.register_file(store, settings, data, name, by=by, day=date).to_json()

    return await _answer(work)


async def _answer(work: Any) -> JSONResponse:
    try:
        result = await run_in_threadpool(work)
    except reg.RegistrationRefused as exc:
        return JSONResponse(exc.to_json(), status_code=422)
    return JSONResponse(result, status_code=201)
