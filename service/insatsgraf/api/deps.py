"""What every router shares: the app's settings, store, limits and tokens, the error shape, and auth.

Routes that write depend on ``require_org_writer`` (a token for the organisation in the path) or on
``require_token`` (any valid token, e.g. a harmonisation decision, whose scope ``api/harmonise.py`` checks
against the token's role and organisation).
Reads never need a token.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from insatsgraf.api.tokens import TokenInfo, TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.sparql.store import Store


@dataclass(frozen=True)
class ServiceLimits:
    """Limits of the HTTP service (``insatsgraf serve`` options; the defaults suit a laptop)."""

    query_timeout: float = 30.0
    """Seconds a SPARQL query may run before the endpoint answers 503."""
    max_rows: int = 10_000
    """Most result rows (SELECT) or triples (CONSTRUCT/DESCRIBE) one answer may hold; more → 422."""
    max_upload_bytes: int = 10 * 1024 * 1024
    """Largest submission file accepted; more → 413."""
    query_workers: int = 4
    """Queries evaluated at the same time; a query that cannot start within the timeout gets 503."""
    query_memory_mb: int = 1024
    """Address space of one query worker process (on-disk store; ``sparql.workers``); more → 503."""
    cors_origins: tuple[str, ...] = field(default=("*",))
    expose_personal_data: bool = False
    """Whether ``/sparql`` (and the query catalogue) may read the personal graphs: the names of the people who
    submitted lists or made decisions (``iris.personal_graph``). Off: they are not in any query's dataset."""


class ApiError(Exception):
    """An error the API answers with ``{"error": code, "message": {"en", "sv"}, ...extra}``."""

    def __init__(
        self, status: int, code: str, en: str, sv: str, *, headers: dict[str, str] | None = None, **extra: Any
    ):
        super().__init__(en)
        self.status, self.code, self.en, self.sv = status, code, en, sv
        self.headers = headers or {}
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": {"en": self.en, "sv": self.sv}, **self.extra}


class Message(BaseModel):
    en: str
    sv: str


class Error(BaseModel):
    """The body of every error answer (extra keys such as ``detail`` or ``report`` depend on the error)."""

    model_config = ConfigDict(extra="allow")
    error: str
    message: Message


def error_response(description: str, code: str, en: str, sv: str, **extra: Any) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry for an ``ApiError`` body, with an example."""
    example = {"error": code, "message": {"en": en, "sv": sv}, **extra}
    return {"model": Error, "description": description, "content": {"application/json": {"example": example}}}


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: error_response(
        "No token, or an unknown or revoked one (`WWW-Authenticate: Bearer`).",
        "token-required",
        "This operation writes data and needs a bearer token …",
        "Den här åtgärden skriver data och kräver en token …",
    ),
    403: error_response(
        "The token belongs to another organisation.",
        "wrong-organisation",
        "This token writes for organisation 0480, not 0580.",
        "Den här token skriver för organisation 0480, inte 0580.",
    ),
}


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "too-large",
        f"The request body is larger than the limit of {limit} bytes.",
        f"Anropets innehåll är större än gränsen på {limit} byte.",
        max_bytes=limit,
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as ``Content-Length`` or the bytes received pass ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def get_write_lock(request: Request) -> threading.Lock:
    """One writer at a time per app: a submission reads the provenance graph, then replaces it."""
    return request.app.state.write_lock  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_limits(request: Request) -> ServiceLimits:
    return request.app.state.limits  # type: ignore[no-any-return]


def get_tokens(request: Request) -> TokenRegistry:
    return request.app.state.tokens  # type: ignore[no-any-return]


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="orgToken",
    description="A write token for one organisation (`insatsgraf token issue --org ID`), or a curator's "
    "(`insatsgraf token issue --curator`) for national harmonisation decisions.",
)

_CHALLENGE = 'Bearer realm="insatsgraf"'


def require_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    tokens: Annotated[TokenRegistry, Depends(get_tokens)],
) -> TokenInfo:
    """Any valid, unrevoked token; 401 with a ``WWW-Authenticate: Bearer`` challenge otherwise."""
    if credentials is None:
        raise ApiError(
            401,
            "token-required",
            "This operation writes data and needs a bearer token: "
            "send 'Authorization: Bearer <token>' (issued by `insatsgraf token issue --org ID`).",
            "Den här åtgärden skriver data och kräver en token: "
            "skicka 'Authorization: Bearer <token>' (utfärdas med `insatsgraf token issue --org ID`).",
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    info = tokens.verify(credentials.credentials)
    if info is None:
        raise ApiError(
            401,
            "invalid-token",
            "The bearer token is unknown or revoked. Ask for a new one.",
            "Token är okänd eller återkallad. Be om en ny.",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    return info


def require_org_writer(
    org: Annotated[
        str,
        Path(description="Organisation id: a municipality code (0580) or 0180-bromma.", examples=["0580"]),
    ],
    token: Annotated[TokenInfo, Depends(require_token)],
) -> TokenInfo:
    """A valid token issued for the organisation named in the path; 403 for another organisation's token
    and for a curator's (a curator decides on names, it does not submit an organisation's list)."""
    if token.curator:
        raise ApiError(
            403,
            "wrong-organisation",
            f"A curator's token does not submit for an organisation; use a token of organisation {org}.",
            f"En kurators token lämnar inte in för en organisation; använd en token för organisation {org}.",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="insufficient_scope"'},
        )
    if token.org != org:
        raise ApiError(
            403,
            "wrong-organisation",
            f"This token writes for organisation {token.org}, not {org}.",
            f"Den här token skriver för organisation {token.org}, inte {org}.",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="insufficient_scope"'},
        )
    return token


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LimitsDep = Annotated[ServiceLimits, Depends(get_limits)]
