"""Submissions over HTTP: an organisation posts its list; history, one submission, and diffs are open to read.

``POST /organisations/{org}/submissions`` takes the file as ``multipart/form-data`` (field ``file``, with
optional ``date`` and ``by``) or as the raw body (``text/csv``, XLSX or ``text/turtle``; ``date``/``by``/
``filename`` then in the URL). It needs a bearer token of that organisation. The library's ``submit`` reads,
validates and replaces the organisation's graphs in one transaction, so a refused file changes nothing.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from insatsgraf.api.deps import (
    AUTH_RESPONSES,
    ApiError,
    LimitsDep,
    SettingsDep,
    StoreDep,
    error_response,
    get_write_lock,
    read_body,
    require_org_writer,
)
from insatsgraf.api.tokens import TokenInfo
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql import media as formats
from insatsgraf.submission.ingest import LIMIT_CODES
from insatsgraf.submission.lists import check_org, commit, diff, history, prepare
from insatsgraf.submission.naming import check_file_name
from insatsgraf.submission.validate import ValidationFailed

router = APIRouter(tags=["submissions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RAW_TYPES = {"text/csv": ".csv", XLSX: ".xlsx", "text/turtle": ".ttl", "application/octet-stream": ""}
"""Raw-body uploads and the file-name extension that tells the ingester what it reads."""


class SubmissionInfo(BaseModel):
    """One accepted submission (the provenance record)."""

    submission: str = Field(examples=["https://w3id.org/insatsgraf/id/submission/0580/2021-06-01"])
    date: str = Field(examples=["2021-06-01"])
    file: str = Field(examples=["0580-linkoping-2021.csv"])
    sha256: str
    by: str | None = Field(None, examples=["Anna Andersson"])
    generated: str = Field(examples=["2026-11-26T00:00:00+00:00"])
    previous: str | None = None
    offerings: int = Field(examples=[42])
    current: bool
    state: str | None = Field(
        None, description="Review state (review-state notation).", examples=["confirmed"]
    )
    state_label: str | None = Field(None, examples=["bekräftad"])


class Accepted(BaseModel):
    """What ``POST …/submissions`` answers with 201 (``Location`` points at the submission)."""

    submission: str = Field(examples=["https://w3id.org/insatsgraf/id/submission/0580/2021-06-01"])
    org: str = Field(examples=["0580"])
    date: str = Field(examples=["2021-06-01"])
    offerings: int = Field(examples=[42])
    triples: int = Field(examples=[640])
    previous: str | None = None
    report: dict[str, Any] = Field(description="The SHACL report (warnings only, since it conforms).")


class ChangeModel(BaseModel):
    property: str = Field(examples=["numberOfSessions"])
    removed: list[str] = Field(examples=[["20"]])
    added: list[str] = Field(examples=[["8"]])


class OfferingChangeModel(BaseModel):
    offering: str = Field(examples=["https://w3id.org/insatsgraf/id/offering/0580/komet"])
    name: str = Field(examples=["Komet"])
    changes: list[ChangeModel]


class DiffModel(BaseModel):
    org: str
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    added: list[OfferingChangeModel]
    removed: list[OfferingChangeModel]
    changed: list[OfferingChangeModel]


def _org_known(store: Any, settings: Any, org: str) -> None:
    """404 for an organisation that is not in the register."""
    try:
        check_org(store, settings, org)
    except UserError as exc:
        raise ApiError(404, "unknown-organisation", exc.en, exc.sv) from exc


def _no_submission(exc: UserError) -> ApiError:
    return ApiError(404, exc.code, exc.en, exc.sv)


def _prefers_text(request: Request) -> bool:
    return (
        formats.negotiate(request.headers.get("accept"), ["application/json", "text/plain"]) == "text/plain"
    )


async def _replayed_form(request: Request, body: bytes) -> Any:
    """Parse a multipart body already read (and size-checked) by handing it to a fresh ``Request``."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, receive).form()
    except StarletteHTTPException as exc:
        raise ApiError(
            400,
            "bad-multipart",
            f"The multipart body cannot be read: {exc.detail}",
            f"Multipart-innehållet går inte att läsa: {exc.detail}",
        ) from exc


async def _upload(
    request: Request, limit: int, date: str | None, by: str | None, filename: str | None
) -> tuple[bytes, str, str | None, str | None]:
    """(data, file name, date, by) from a multipart form or a raw body."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    body = await read_body(request, limit)
    if media == "multipart/form-data":
        form = await _replayed_form(request, body)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(
                400, "no-file", "The form has no file field 'file'.", "Formuläret saknar filfältet 'file'."
            )
        data = await upload.read()
        date = date or _field(form, "date")
        by = by or _field(form, "by")
        return data, filename or upload.filename or "upload", date, by
    if media not in RAW_TYPES:
        raise ApiError(
            415,
            "unsupported-media-type",
            f"Cannot read '{media or 'no Content-Type'}': send multipart/form-data with a 'file' field, "
            "or the file itself as text/csv, XLSX or text/turtle.",
            f"Kan inte läsa '{media or 'ingen Content-Type'}': skicka multipart/form-data med fältet "
            "'file', eller filen själv som text/csv, XLSX eller text/turtle.",
        )
    if not filename and not RAW_TYPES[media]:
        raise ApiError(
            400,
            "no-filename",
            "application/octet-stream needs ?filename=… (its extension says the format).",
            "application/octet-stream kräver ?filename=… (filändelsen anger formatet).",
        )
    return body, filename or f"upload{RAW_TYPES[media]}", date, by


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "CSV, XLSX or Turtle."},
                    "date": {
                        "type": "string",
                        "format": "date",
                        "description": "The submission's date (default today).",
                    },
                    "by": {"type": "string", "description": "Who submits (a name, recorded as prov:Agent)."},
                },
            }
        },
        "text/csv": {
            "schema": {"type": "string"},
            "example": "insats,program,malgrupp\nMiniMaria,mini-maria,unga\n",
        },
        XLSX: {"schema": {"type": "string", "format": "binary"}},
        "text/turtle": {"schema": {"type": "string"}},
    },
}

_REPORT_EXAMPLE = {
    "conforms": False,
    "file": "0580.csv",
    "violations": 1,
    "warnings": 0,
    "results": [
        {
            "severity": "Violation",
            "message_sv": "alder_fran ska vara ett heltal",
            "message_en": "alder_fran must be an integer",
            "focus": "https://w3id.org/insatsgraf/id/offering/0580/komet",
            "row": 3,
            "column": "alder_fran",
        }
    ],
}


@router.post(
    "/organisations/{org}/submissions",
    status_code=201,
    response_model=Accepted,
    summary="Submit an organisation's list (replaces its current data)",
    responses={
        201: {
            "description": "Accepted: now the organisation's current data. `Location` names the submission.",
            "headers": {
                "Location": {
                    "schema": {"type": "string"},
                    "description": "/organisations/{org}/submissions/{stamp}",
                }
            },
        },
        400: error_response(
            "The file cannot be read (which file, row and column), or its name starts with another "
            "organisation's id (`file-name-mismatch`, unless `force=true`).",
            "unreadable",
            "cannot read the file …",
            "kan inte läsa filen …",
            file="0580.csv",
            row=None,
            column=None,
        ),
        **AUTH_RESPONSES,
        404: error_response(
            "The organisation is not in the register.",
            "unknown-organisation",
            'unknown organisation "9999" …',
            'okänd organisation "9999" …',
        ),
        413: error_response(
            "The upload is larger than the limit, or the file is over one of the submission limits (README, "
            "Limits): `too-large`, `too-many-rows`, `too-many-cells`, `too-many-columns`, `too-slow`.",
            "too-large",
            "The request body is larger than the limit of 10485760 bytes.",
            "Anropets innehåll är större än gränsen på 10485760 byte.",
            max_bytes=10485760,
        ),
        415: error_response(
            "Neither multipart/form-data nor a CSV, XLSX or Turtle body.",
            "unsupported-media-type",
            "Cannot read 'image/png': …",
            "Kan inte läsa 'image/png': …",
        ),
        422: {
            **error_response(
                "The file does not conform to the shapes: the SHACL report as JSON (`report`) and as "
                "readable text (`text`; or the text alone with `Accept: text/plain`). Nothing was "
                "written.",
                "validation-failed",
                "the submission does not conform: 1 violations …",
                "inrapporteringen underkändes: 1 fel …",
                report=_REPORT_EXAMPLE,
                text="underkänd / does not conform (1 fel/violations, 0 varningar/warnings) …",
            )
        },
    },
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def post_submission(
    request: Request,
    org: str,
    token: Annotated[TokenInfo, Depends(require_org_writer)],
    store: StoreDep,
    settings: SettingsDep,
    limits: LimitsDep,
    date: Annotated[
        str | None,
        Query(description="Date YYYY-MM-DD (default: the file's, else today).", examples=["2021-06-01"]),
    ] = None,
    by: Annotated[str | None, Query(description="Who submits (recorded in the provenance).")] = None,
    filename: Annotated[
        str | None,
        Query(
            description="File name for a raw body (its extension tells the format).",
            examples=["0580-linkoping-2021.csv"],
        ),
    ] = None,
    force: Annotated[
        bool,
        Query(
            description="Submit even though the file name starts with another organisation's id "
            "(`0486-strangnas-2024.xlsx` posted to 0580 is refused otherwise, 400 `file-name-mismatch`)."
        ),
    ] = False,
    state: Annotated[
        str | None,
        Query(
            description="Review state recorded on the submission: utkast, skickad för bekräftelse or bekräftad "
            "(400 `bad-state` otherwise).",
            examples=["bekräftad"],
        ),
    ] = None,
) -> Response:
    """Validate the file with SHACL and, if it conforms, make it the organisation's current data, keeping the
    previous one as history. Needs `Authorization: Bearer <token>` of this organisation. A file whose name
    starts with another organisation's id is refused unless `force=true`."""
    data, name, date, by = await _upload(request, limits.max_upload_bytes, date, by, filename)
    check_file_name(name, org, settings, force=force, how="force=true")
    lock = get_write_lock(request)

    def work() -> Any:
        # Reading and validating (bounded by settings.limits, time included) runs before the lock, so a
        # refused or slow file never makes another organisation's submission wait; the lock covers the commit.
        prepared = prepare(store, settings, data, name, org, date, by, state=state)
        with lock:
            return commit(store, prepared, settings)

    try:
        result = await run_in_threadpool(work)
    except ValidationFailed as exc:
        if _prefers_text(request):
            return PlainTextResponse(exc.report.text(), status_code=422)
        return JSONResponse({**exc.to_json(), "text": exc.report.text()}, status_code=422)
    except UserError as exc:
        if exc.code == "unknown-organisation":
            raise ApiError(404, exc.code, exc.en, exc.sv) from exc
        if exc.code in LIMIT_CODES:  # the ingester's limits (INSATSGRAF_MAX_FILE_MB, settings.limits)
            raise ApiError(
                413, exc.code, exc.en, exc.sv, file=exc.file, row=exc.row, column=exc.column
            ) from exc
        raise
    stamp = result.submission.rsplit("/", 1)[-1]
    return JSONResponse(
        result.to_json(), status_code=201, headers={"Location": f"/organisations/{org}/submissions/{stamp}"}
    )


_NOT_FOUND = error_response(
    "Unknown organisation, or no such submission.",
    "no-submission",
    "organisation 0580 has no submission dated 2020-01-01 …",
    "organisation 0580 har ingen inrapportering daterad 2020-01-01 …",
)


@router.get(
    "/organisations/{org}/submissions",
    response_model=list[SubmissionInfo],
    summary="An organisation's submissions, oldest first",
    responses={404: _NOT_FOUND},
)
async def get_history(org: str, store: StoreDep, settings: SettingsDep) -> list[dict[str, object]]:
    """Every accepted submission with its date, file, checksum, submitter, number of offerings and which
    one is current. Open to read."""
    _org_known(store, settings, org)
    return await run_in_threadpool(history, store, org, settings)


@router.get(
    "/organisations/{org}/submissions/diff",
    response_model=DiffModel,
    response_model_by_alias=True,
    summary="What changed between two submissions",
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Offerings added, removed and changed (JSON, or text with `Accept: text/plain`).",
        },
        400: error_response("A date that is not a date.", "bad-date", "…", "…"),
        404: _NOT_FOUND,
    },
)
async def get_diff(
    request: Request,
    org: str,
    store: StoreDep,
    settings: SettingsDep,
    from_: Annotated[
        str | None,
        Query(
            alias="from",
            description="Date or stamp (2021-06-01, 2021-06-01-2); default: the one before `to`.",
            examples=["2021-06-01"],
        ),
    ] = None,
    to: Annotated[str | None, Query(description="Date or stamp; default: the current submission.")] = None,
) -> Response:
    """Offerings added, removed and changed between two submissions (default: the last two)."""
    _org_known(store, settings, org)
    try:
        result = await run_in_threadpool(diff, store, org, from_, to, settings)
    except UserError as exc:
        raise _no_submission(exc) from exc
    if _prefers_text(request):
        return PlainTextResponse(result.text())
    return JSONResponse(result.to_json())


_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(-\d+)?$")


@router.get(
    "/organisations/{org}/submissions/{stamp}",
    response_model=SubmissionInfo,
    summary="One submission (its record, or its data as RDF)",
    responses={
        200: {
            "content": {t: {"schema": {"type": "string"}} for t in formats.GRAPH_TYPES},
            "description": "The record as JSON, or the submitted data as RDF by `Accept`.",
        },
        404: _NOT_FOUND,
    },
)
async def get_submission(
    request: Request, org: str, stamp: str, store: StoreDep, settings: SettingsDep
) -> Response:
    """The provenance record of one submission (``stamp`` = its date, ``-2``… for a second one that day), or
    with an RDF ``Accept`` (Turtle, N-Triples, JSON-LD, RDF/XML) the data it held."""
    _org_known(store, settings, org)
    iri = iris.submission(org, stamp, settings.base)
    rows = await run_in_threadpool(history, store, org, settings) if _STAMP.match(stamp) else []
    row = next((r for r in rows if r["submission"] == iri), None)
    if row is None:
        raise ApiError(
            404,
            "no-submission",
            f"organisation {org} has no submission {stamp}.",
            f"organisation {org} har ingen inrapportering {stamp}.",
        )
    media = formats.negotiate(request.headers.get("accept"), ["application/json", *formats.GRAPH_TYPES])
    if media in formats.GRAPH_TYPES:
        graph = await run_in_threadpool(store.graph, iri)
        body = formats.write_triples(formats.graph_triples(graph), media, settings.base)
        return Response(body, media_type=formats.CONTENT_TYPES[media], headers={"Vary": "Accept"})
    return JSONResponse(row, headers={"Vary": "Accept"})
