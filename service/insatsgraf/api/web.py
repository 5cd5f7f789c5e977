"""HTML pages for people: the SPARQL editor at ``/`` (YASGUI, with the query catalogue as tabs), browse
pages for programmes and organisations, and the static assets (served from the package, no CDN).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from insatsgraf.api.deps import ApiError, StoreDep
from insatsgraf.catalogue import rq
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.publication.describe import local_href
from insatsgraf.sparql.store import Store

PACKAGE = Path(__file__).resolve().parents[1]
STATIC_DIR = PACKAGE / "static"
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))

router = APIRouter(tags=["web"])

STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",
}


def catalogue_tabs(store: Store, settings: Settings) -> tuple[list[dict[str, str]], list[str]]:
    """One editor tab per catalogue query (its title, its text with the example values bound), and the
    names of query files whose header does not parse (the catalogue tests report those; the page still works).
    """
    from insatsgraf.catalogue.queries import CatalogueQuery

    tabs, broken = [], []
    for path in sorted(settings.queries_dir.glob("*.rq")):
        try:
            query = CatalogueQuery.from_file(path)
        except UserError:
            broken.append(path.name)
            continue
        try:
            text = query.bind(None, base=store.base)
        except UserError:  # a required parameter without an example: show the query unbound
            text = query.text
        tabs.append(
            {
                "name": query.name,
                "title_sv": query.summary_sv or query.summary,
                "title_en": query.summary,
                "query": text,
            }
        )
    return tabs, broken


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


@router.get("/", response_class=HTMLResponse, summary="SPARQL editor with the query catalogue")
def home(request: Request, store: StoreDep) -> HTMLResponse:
    tabs, broken = catalogue_tabs(store, _settings(request))
    # `</` must not close the script element that carries the JSON.
    queries_json = json.dumps(tabs, ensure_ascii=False).replace("</", "<\\/")
    return templates.TemplateResponse(
        request,
        "home.html",
        {"queries": tabs, "queries_json": queries_json, "broken": broken, "base": store.base},
    )


def programme_rows(store: Store) -> list[dict[str, Any]]:
    """Catalogue entries with their labels and how many offerings (and organisations) use each."""
    rows = []
    for row in store.query(rq.read("browse-programmes")).rows:
        iri = row["p"]["value"]
        rows.append(
            {
                "href": local_href(iri, store.base),
                "iri": iri,
                "label_sv": row.get("labelSv", {}).get("value") or iri.rsplit("/", 1)[-1],
                "label_en": row.get("labelEn", {}).get("value", ""),
                "offerings": int(row["offerings"]["value"]),
                "organisations": int(row["organisations"]["value"]),
            }
        )
    return rows


def organisation_rows(store: Store) -> list[dict[str, Any]]:
    """Organisations with their kind and how many offerings and distinct programmes they report."""
    rows = []
    for row in store.query(rq.read("browse-organisations")).rows:
        iri = row["o"]["value"]
        rows.append(
            {
                "href": local_href(iri, store.base),
                "iri": iri,
                "label": row.get("label", {}).get("value") or iri.rsplit("/", 1)[-1],
                "id": row.get("ident", {}).get("value", ""),
                "type": row.get("kind", {}).get("value", ""),
                "offerings": int(row["offerings"]["value"]),
                "programmes": int(row["programmes"]["value"]),
            }
        )
    return rows


@router.get("/browse/programmes", response_class=HTMLResponse, summary="Programmes with offering counts")
def browse_programmes(request: Request, store: StoreDep) -> HTMLResponse:
    return templates.TemplateResponse(request, "browse_programmes.html", {"rows": programme_rows(store)})


@router.get(
    "/browse/organisations", response_class=HTMLResponse, summary="Organisations with offering counts"
)
def browse_organisations(request: Request, store: StoreDep) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "browse_organisations.html", {"rows": organisation_rows(store)}
    )


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> FileResponse:
    """Files under ``static/`` only (no ``..`` escapes); one week of caching for the vendored assets."""
    target = (STATIC_DIR / path).resolve()
    if not target.is_file() or STATIC_DIR not in target.parents:
        raise ApiError(404, "not-found", f"no static file {path!r}", f"ingen statisk fil {path!r}")
    media_type = STATIC_TYPES.get(target.suffix, STATIC_TYPES[""])
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "public, max-age=604800"})
