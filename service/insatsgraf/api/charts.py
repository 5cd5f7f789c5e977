"""``GET /charts``: the chart page of one county (offerings per prevention level, coverage matrix), and
``GET /charts/organisation/{org}``: the page of one organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from insatsgraf.api.deps import ApiError, StoreDep, error_response
from insatsgraf.publication.charts import DEFAULT_COUNTY, TEMPLATES, build_page, page_context
from insatsgraf.publication.describe import local_href
from insatsgraf.publication.evidence_charts import share_section
from insatsgraf.publication.organisation_charts import build_page as organisation_charts_page
from insatsgraf.publication.organisation_charts import page_context as organisation_context

templates = Jinja2Templates(directory=str(TEMPLATES))

router = APIRouter(tags=["web"])


_UNKNOWN_COUNTY = error_response(
    "The county names no county of the register (not a county name, short name or code).",
    "unknown-value",
    "parameter county: no county 'Sörmlnd'; closest: 04 (Södermanlands län). …",
    "parametern county: inget län 'Sörmlnd'; närmast: 04 (Södermanlands län). …",
    column="county",
)


@router.get(
    "/charts",
    response_class=HTMLResponse,
    summary="Charts of one county: prevention levels, coverage",
    responses={400: _UNKNOWN_COUNTY},
)
def charts(
    request: Request,
    store: StoreDep,
    county: Annotated[
        str,
        Query(
            max_length=200,
            description="County / län: its name (ig:county), short name (Sörmland) or SCB code (04).",
        ),
    ] = DEFAULT_COUNTY,
) -> HTMLResponse:
    """A county without data gets the page saying so (200), not an error: it is a fair question; a value that
    names no county is a 400 (``unknown-value``) listing the counties."""
    page = build_page(store, request.app.state.catalogue, county)
    context = page_context(page, link=lambda iri: local_href(iri, store.base))
    context["evidence_share"] = share_section(  # issue 17
        store, request.app.state.catalogue, page.county, link=lambda iri: local_href(iri, store.base)
    )
    return templates.TemplateResponse(request, "charts.html", context)


@router.get(
    "/charts/organisation/{org}",
    response_class=HTMLResponse,
    summary="Charts of one organisation: offerings, figures against county and groups, per capita",
    responses={
        400: error_response(
            "The id names no organisation of the register.",
            "unknown-value",
            "parameter org: no organisation '9999'; …",
            "parametern org: ingen organisation '9999'; …",
            column="org",
        )
    },
)
def organisation_charts(request: Request, store: StoreDep, org: str) -> HTMLResponse:
    """The organisation page (``publication/organisation_charts.py``): an id (0580, 0180-bromma) or a name."""
    if len(org) > 200:
        raise ApiError(
            400, "unknown-value", "The organisation id is too long.", "Organisationens id är för långt."
        )
    page = organisation_charts_page(store, request.app.state.catalogue, org)
    context = organisation_context(page, link=lambda iri: local_href(iri, store.base))
    return templates.TemplateResponse(request, "charts_organisation.html", context)
