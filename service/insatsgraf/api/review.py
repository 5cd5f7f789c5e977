"""The review queue over HTTP: ``GET /harmonise/review`` (JSON) and the page ``GET /harmonise`` (HTML).

Both list :func:`~insatsgraf.harmonisation.review.review_queue`, like ``insatsgraf harmonise review``. The
page lets a person holding a token accept, reject or map each proposal; its script (``static/harmonise.js``)
posts to the existing ``POST /harmonise/decisions`` of ``api/harmonise.py`` and then reloads the queue.

``/harmonise`` also answers the proposals (JSON or CSV, ``api/harmonise.py``). The page's route is a
:class:`PageRoute`: it matches only requests that prefer ``text/html`` (over JSON and CSV) in ``Accept``
and carry no ``format`` parameter (a browser's navigation), so every other request falls through to the
proposals route, which keeps its meaning. This router must therefore be included before the harmonisation
router (``create_app`` does).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from insatsgraf.api.deps import SettingsDep, StoreDep, error_response
from insatsgraf.api.web import organisation_rows, templates
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.harmonisation.matcher import VARIANT_KINDS, Catalogue
from insatsgraf.harmonisation.review import QueueItem, queue_json, review_queue
from insatsgraf.sparql import media
from insatsgraf.sparql.store import Store

_OFFERED = ["application/json", "text/csv", media.HTML]
"""What ``/harmonise`` answers, the proposals first: the page only when ``Accept`` ranks HTML strictly higher."""


def wants_page(scope: Scope) -> bool:
    """A browser's navigation: ``Accept`` names ``text/html`` above JSON and CSV, and there is no ``format``.

    ``*/*`` alone (curl, scripts, ``fetch``) and a tie with ``application/json`` get the proposals.
    """
    headers = dict(scope.get("headers") or [])
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "format" in query:
        return False
    return media.negotiate(headers.get(b"accept", b"").decode("latin-1"), _OFFERED) == media.HTML


class PageRoute(APIRoute):
    """A route that steps aside (no match) for requests that do not ask for a page."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE and not wants_page(scope):
            return Match.NONE, {}
        return match, child_scope


router = APIRouter(tags=["harmonisation"])
pages = APIRouter(tags=["web"], route_class=PageRoute)

_EXAMPLE = {
    "org": None,
    "total": 1,
    "items": [
        {
            "key": "kommet",
            "name": "Kommet",
            "names": ["Kommet", "KOMMET"],
            "organisations": ["0480", "0481"],
            "shared_by": 2,
            "candidates": [
                {
                    "programme": "komet",
                    "label": "Komet",
                    "relation": "same",
                    "variant_kind": "same",
                    "score": 90.9,
                    "status": "review",
                    "basis": "fuzzy",
                    "organisations": ["0480", "0481"],
                    "why": [
                        {"code": "fuzzy-below-auto", "en": "A similar spelling …", "sv": "En liknande …"}
                    ],
                }
            ],
            "why": [{"code": "fuzzy-below-auto", "en": "A similar spelling …", "sv": "En liknande …"}],
        }
    ],
}

OrgQuery = Annotated[
    str | None, Query(description="Organisation id; its districts too.", examples=["0580"], max_length=64)
]


@router.get(
    "/harmonise/review",
    summary="The review queue: names waiting for a person, most shared first",
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        400: error_response(
            "Unknown organisation.",
            "unknown-org",
            "unknown organisation '9999': use an id from organisations.csv …",
            "okänd organisation '9999': använd ett id från organisations.csv …",
        ),
    },
)
async def review(
    store: StoreDep,
    settings: SettingsDep,
    org: OrgQuery = None,
    limit: Annotated[int | None, Query(ge=1, description="Return the first N names.")] = None,
) -> dict[str, Any]:
    """Names with a proposal under review (status ``review``), grouped by normalised name, ordered by how
    many organisations they wait in: the names as written, the organisations, the candidates (programme,
    label, relation, variant kind, score, status, basis) and why they wait (``why``: code, en, sv). Decide
    with ``POST /harmonise/decisions``. ``total`` counts every name, ``items`` holds at most ``limit``.
    """
    items = await run_in_threadpool(review_queue, store, settings, org)
    return queue_json(items, org, limit)


def page_context(store: Store, settings: Settings, org: str | None) -> tuple[dict[str, Any], int]:
    """What ``harmonise.html`` shows, and the status (400 for an unknown organisation)."""
    organisations = {r["id"]: r["label"] for r in organisation_rows(store) if r["id"]}
    entries = Catalogue.from_store(store).entries
    programmes = sorted(((e.id, e.label_sv) for e in entries.values()), key=lambda p: p[1].casefold())
    context: dict[str, Any] = {
        "org": org or "",
        "organisations": organisations,
        "programmes": programmes,
        "kinds": VARIANT_KINDS,
        "items": [],
        "error": None,
    }
    try:
        items: list[QueueItem] = review_queue(store, settings, org or None)
    except UserError as exc:
        context["error"] = exc
        return context, 400
    context["items"] = items
    return context, 200


@pages.get("/harmonise", response_class=HTMLResponse, include_in_schema=False)
async def harmonise_page(request: Request, store: StoreDep, settings: SettingsDep) -> HTMLResponse:
    """The queue as a page, with accept/reject/map buttons for a person holding a token."""
    org = request.query_params.get("org") or None
    context, status = await run_in_threadpool(page_context, store, settings, org)
    return templates.TemplateResponse(
        request, "harmonise.html", context, status_code=status, headers={"Vary": "Accept"}
    )


router.include_router(pages)
