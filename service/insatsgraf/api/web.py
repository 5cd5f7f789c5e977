"""HTML pages for people: the SPARQL editor at ``/`` (YASGUI, with the query catalogue as tabs), browse
pages for programmes and organisations, the API docs at ``/docs`` (Swagger UI) and the static assets
(served from the package, no CDN).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from insatsgraf.api.deps import ApiError, StoreDep
from insatsgraf.catalogue import rq
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.publication.describe import local_href
from insatsgraf.sparql.media import project_prefixes
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
    ".png": "image/png",
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
                "query": without_header(text),
            }
        )
    return tabs, broken


def without_header(text: str) -> str:
    """The query without its leading comment block (the ``#+`` header and the ``# Why:`` lines), so the editor
    opens on the PREFIX lines and the query; comments further down stay."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), 0)
    return "".join(lines[start:])


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


def _text(row: dict[str, Any], var: str, default: str = "") -> str:
    return str(row.get(var, {}).get("value", "")) or default


def _listing(store: Store, sparql: str, var: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(IRI, the row, its common fields: local link and IRI) for each row of a browse query."""
    out = []
    for row in store.query(sparql).rows:
        iri = row[var]["value"]
        out.append((iri, row, {"href": local_href(iri, store.base), "iri": iri}))
    return out


def programme_rows(store: Store) -> list[dict[str, Any]]:
    """Catalogue entries with their labels and how many offerings (and organisations) use each."""
    return [
        {
            **common,
            "label_sv": _text(row, "labelSv", iri.rsplit("/", 1)[-1]),
            "label_en": _text(row, "labelEn"),
            "offerings": int(_text(row, "offerings", "0")),
            "organisations": int(_text(row, "organisations", "0")),
        }
        for iri, row, common in _listing(store, rq.read("browse-programmes"), "p")
    ]


def organisation_rows(store: Store) -> list[dict[str, Any]]:
    """Organisations with their kind and how many offerings and distinct programmes they report."""
    return [
        {
            **common,
            "label": _text(row, "label", iri.rsplit("/", 1)[-1]),
            "id": _text(row, "ident"),
            "type": _text(row, "kind"),
            "offerings": int(_text(row, "offerings", "0")),
            "programmes": int(_text(row, "programmes", "0")),
        }
        for iri, row, common in _listing(store, rq.read("browse-organisations"), "o")
    ]


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


@router.get("/prefixes.json", include_in_schema=False)
def prefixes(store: StoreDep) -> JSONResponse:
    """The project's prefixes as ``{prefix: namespace}``, in prefix.cc's shape: YASGUI's prefix completion reads
    them here (``prefixCcApi``) instead of asking prefix.cc."""
    return JSONResponse(project_prefixes(store.base), headers={"Cache-Control": "public, max-age=3600"})


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> HTMLResponse:
    """The OpenAPI description in Swagger UI, from the vendored files (``static/swagger-ui/SOURCE.md``)."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title="insatsgraf – API",
        swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
    )


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> FileResponse:
    """Files under ``static/`` only (no ``..`` escapes); one week of caching for the vendored assets."""
    target = (STATIC_DIR / path).resolve()
    if not target.is_file() or STATIC_DIR not in target.parents:
        raise ApiError(404, "not-found", f"no static file {path!r}", f"ingen statisk fil {path!r}")
    media_type = STATIC_TYPES.get(target.suffix, STATIC_TYPES[""])
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "public, max-age=604800"})
