"""Linked data: every IRI under ``{base}id/`` answers at ``/id/…`` on this service.

Pattern (see README, Linked data): slash IRIs with direct content negotiation. ``GET /id/{path}`` answers
200 with the description in the negotiated format (HTML, Turtle, JSON-LD, N-Triples, RDF/XML) with
``Vary: Accept`` and ``Content-Location`` naming the format's document ``/doc/{path}.{ext}``; each document
URL serves one format and never negotiates. Also: ``/catalog`` (DCAT-AP-SE), ``/.well-known/void`` (VoID),
``/dumps/…`` (gzip dumps of the published graphs).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from insatsgraf.api.deps import ApiError, StoreDep, error_response, get_limits, get_settings
from insatsgraf.api.web import templates
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.publication import cube, dcat
from insatsgraf.publication import dumps as export
from insatsgraf.publication.describe import NotDescribable, describe, page_model, resource_iri
from insatsgraf.publication.dumpcache import DumpCache
from insatsgraf.publication.evidence_charts import levels_svg
from insatsgraf.publication.voidcache import VoidCache, VoidTimeout
from insatsgraf.sparql import media
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.media import negotiate
from insatsgraf.sparql.store import Store, StoreError

router = APIRouter(tags=["linked data"])

NOT_FOUND = error_response(
    "Nothing is known about this IRI (or the path cannot be one).",
    "not-found",
    "nothing is known about <https://w3id.org/insatsgraf/id/programme/x>",
    "inget är känt om <https://w3id.org/insatsgraf/id/programme/x>",
)
NOT_ACCEPTABLE = error_response(
    "No format the Accept header allows.",
    "not-acceptable",
    "no acceptable format; this resource is available as text/html, text/turtle, …",
    "inget godtagbart format; resursen finns som text/html, text/turtle, …",
    available=["text/html", "text/turtle"],
)


RdfFormat = media.Format
HTML = media.FORMATS[media.HTML]
RDF_FORMATS: tuple[RdfFormat, ...] = tuple(media.FORMATS[m] for m in media.DOCUMENT_TYPES)
"""RDF document formats, in the server's order of preference when a client accepts several equally."""
RESOURCE_FORMATS = (RDF_FORMATS[0], HTML, *RDF_FORMATS[1:])
"""Turtle first: ``*/*`` alone (curl, scripts) gets Turtle; a browser names text/html and gets the page."""
BY_EXT = {f.ext: f for f in (HTML, *RDF_FORMATS)}
RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {f.media_type: {} for f in RDF_FORMATS}},
    406: NOT_ACCEPTABLE,
}
"""The OpenAPI answers of a route that serves an RDF graph in any document format."""


def _alternates(path: str) -> list[dict[str, str]]:
    return [
        {"ext": f.ext or "", "media_type": f.media_type, "label": f.label, "href": f"/doc/{path}.{f.ext}"}
        for f in (HTML, *RDF_FORMATS)
    ]


def _link_header(path: str) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"' for a in _alternates(path))


def description_graph(store: Store, iri: str, settings: Settings) -> Graph:
    """What the service says about ``iri``: the store's triples, plus the dataset description's for its IRIs."""
    graph = describe(store, iri)
    if iri.startswith(
        tuple(
            f"{store.base}id/{k}"
            for k in ("catalog", "dataset/", "distribution/", "service/", "agent/", "contact/")
        )
    ):
        description = dcat.build_dcat(store, settings)
        subject = URIRef(iri)
        for triple in description.triples((subject, None, None)):
            graph.add(triple)
        for triple in description.triples((None, None, subject)):
            graph.add(triple)
        # the labels and types of what it links to (EU authority-table entries, the publisher, …)
        for obj in set(description.objects(subject, None)):
            for prop in (RDF.type, SKOS.prefLabel, DCTERMS.title, FOAF.name):
                for triple in description.triples((obj, prop, None)):
                    graph.add(triple)
    return graph


def _not_found(request: Request, iri: str, fmt: RdfFormat) -> Response:
    if fmt is HTML:
        return templates.TemplateResponse(request, "not_found.html", {"iri": iri}, status_code=404)
    raise ApiError(404, "not-found", f"nothing is known about <{iri}>", f"inget är känt om <{iri}>")


def render(request: Request, store: Store, path: str, fmt: RdfFormat, *, negotiated: bool) -> Response:
    """The description of ``{base}id/{path}`` in ``fmt``; 404 when the store holds nothing about it."""
    try:
        iri = resource_iri(store.base, path)
    except NotDescribable:
        return _not_found(request, f"{store.base}id/{path}", fmt)
    graph = description_graph(store, iri, get_settings(request))
    if not len(graph):
        return _not_found(request, iri, fmt)
    headers = {"Link": _link_header(path)}
    if negotiated:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = f"/doc/{path}.{fmt.ext}"
    if fmt is HTML:
        page = page_model(store, iri, graph)
        return templates.TemplateResponse(
            request,
            "resource.html",
            {"page": page, "alternates": _alternates(path), "evidence_levels": levels_svg(page.assessments)},
            headers=headers,
        )
    body = export.serialise_graph(graph, fmt)
    return Response(body, media_type=fmt.media_type, headers=headers)


def _not_acceptable(offered: Sequence[RdfFormat]) -> ApiError:
    types = ", ".join(f.media_type for f in offered)
    return ApiError(
        406,
        "not-acceptable",
        f"no acceptable format; this resource is available as {types}",
        f"inget godtagbart format; resursen finns som {types}",
        available=[f.media_type for f in offered],
    )


@router.api_route(
    "/id/{path:path}",
    methods=["GET"],
    summary="Dereference an IRI (content negotiation)",
    response_class=Response,
    responses={
        200: {
            "content": {f.media_type: {} for f in (HTML, *RDF_FORMATS)},
            "description": "The resource's description",
        },
        404: NOT_FOUND,
        406: NOT_ACCEPTABLE,
    },
)
def resource(path: str, request: Request, store: StoreDep) -> Response:
    """``/id/programme/komet`` is ``{base}id/programme/komet``: HTML for browsers, RDF for data clients."""
    fmt = negotiate(request.headers.get("accept"), RESOURCE_FORMATS)
    if fmt is None:
        raise _not_acceptable((HTML, *RDF_FORMATS))
    return render(request, store, path, fmt, negotiated=True)


def _prefers_html(request: Request) -> bool:
    """A browser names text/html explicitly; ``*/*`` alone (curl, scripts) gets Turtle."""
    return media.names_explicitly(request.headers.get("accept"), media.HTML)


@router.api_route(
    "/doc/{path:path}",
    methods=["GET"],
    summary="One format's document about an IRI",
    response_class=Response,
    responses={200: {"content": {f.media_type: {} for f in (HTML, *RDF_FORMATS)}}, 404: NOT_FOUND},
)
def document(path: str, request: Request, store: StoreDep) -> Response:
    """``/doc/programme/komet.ttl``: the description of ``{base}id/programme/komet`` as Turtle, no negotiation."""
    stem, dot, ext = path.rpartition(".")
    if not dot or ext not in BY_EXT:
        raise ApiError(
            404,
            "not-found",
            f"no document {path!r}: use /doc/<path>.{{html,ttl,jsonld,nt,rdf}}",
            f"inget dokument {path!r}: använd /doc/<sökväg>.{{html,ttl,jsonld,nt,rdf}}",
        )
    return render(request, store, stem, BY_EXT[ext], negotiated=False)


def _rdf_response(request: Request, graph: Graph, default_first: Sequence[RdfFormat]) -> Response:
    fmt = negotiate(request.headers.get("accept"), [f for f in default_first if f is not HTML])
    if fmt is None:
        raise _not_acceptable(RDF_FORMATS)
    return Response(
        export.serialise_graph(graph, fmt),
        media_type=fmt.media_type,
        headers={"Vary": "Accept"},
    )


@router.get(
    "/catalog",
    summary="DCAT-AP-SE 3.0.1 description of the dataset",
    response_class=Response,
    responses=RDF_RESPONSES,
)
def catalog(request: Request, store: StoreDep) -> Response:
    """The catalogue, dataset, distributions and SPARQL data service; a browser gets the catalogue's page."""
    if _prefers_html(request):
        return render(request, store, "catalog", HTML, negotiated=True)
    return _rdf_response(request, dcat.build_dcat(store, get_settings(request)), RDF_FORMATS)


@router.get(
    "/.well-known/void",
    summary="VoID description with counts",
    response_class=Response,
    responses={
        **RDF_RESPONSES,
        304: {"description": "`If-None-Match` names this format's ETag for the store's current version."},
        503: error_response(
            "The counts were not ready within the query timeout (`Retry-After` set; they are still being "
            "made), or a remote store could not count them (`void-unavailable`).",
            "void-timeout",
            "The dataset's statistics were not ready within 30 s; they are being counted, try again.",
            "Datamängdens statistik blev inte klar inom 30 s; den räknas fram, försök igen.",
        ),
    },
)
def void(request: Request, store: StoreDep) -> Response:
    """VoID of the published dump: triples, entities, classes, a partition per class, endpoint and dumps.

    The numbers are counted by the engine once per store version (``publication.voidcache``), within the
    endpoint's query timeout (503 past it); the ETag names format and version, so a 304 costs nothing."""
    if not isinstance(store, OxigraphStore):  # a remote store: counted each time, in its request timeout
        try:
            return _rdf_response(request, dcat.build_void(store, get_settings(request)), RDF_FORMATS)
        except StoreError as exc:  # the server's timeout, or the server unreachable: its message says which
            raise ApiError(
                503,
                "void-unavailable",
                f"The store could not count the dataset's statistics: {exc}",
                f"Databasen kunde inte räkna fram datamängdens statistik: {exc}",
                headers={"Retry-After": "10"},
            ) from exc
    fmt = negotiate(request.headers.get("accept"), [f for f in RDF_FORMATS if f is not HTML])
    if fmt is None:
        raise _not_acceptable(RDF_FORMATS)
    version = store.version
    etag = VoidCache.etag(fmt.ext or "rdf", version)
    headers = {"Vary": "Accept", "ETag": etag}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    timeout = get_limits(request).query_timeout
    try:
        counts = _void_cache(request, store).counts(version, timeout)
    except VoidTimeout as exc:
        raise _void_unavailable(timeout) from exc
    graph = dcat.build_void(store, get_settings(request), counts)
    return Response(export.serialise_graph(graph, fmt), media_type=fmt.media_type, headers=headers)


def _void_unavailable(timeout: float) -> ApiError:
    return ApiError(
        503,
        "void-timeout",
        f"The dataset's statistics were not ready within {timeout:g} s; they are being counted, try again.",
        f"Datamängdens statistik blev inte klar inom {timeout:g} s; den räknas fram, försök igen.",
        headers={"Retry-After": "10"},
    )


def _void_cache(request: Request, store: OxigraphStore) -> VoidCache:
    """The app's VoID cache over its store, made on the first VoID request."""
    return _app_cache(request, "void_cache", VoidCache, store)


@router.get("/dumps/", response_class=HTMLResponse, summary="List of the dumps")
def dumps_index(request: Request) -> HTMLResponse:
    """A page linking each dump, with its media type."""
    dumps = [
        {
            "file": f"{export.DUMP_NAME}.{f.ext}.gz",
            "href": f"/dumps/{export.DUMP_NAME}.{f.ext}.gz",
            "media_type": f.media_type,
        }
        for f in export.FORMATS.values()
    ]
    dumps.append(
        {"file": cube.CUBE_DUMP, "href": f"/dumps/{cube.CUBE_DUMP}", "media_type": "application/trig"}
    )
    return templates.TemplateResponse(request, "dumps.html", {"dumps": dumps})


@router.get(
    "/dumps/{filename}",
    summary="A gzip dump of the published graphs",
    response_class=Response,
    responses={200: {"content": {"application/gzip": {}}}, 404: NOT_FOUND},
)
def dump(filename: str, request: Request, store: StoreDep) -> Response:
    """``insatsgraf.{ttl,nt,jsonld,trig}.gz``: the file is a gzip file, so it is served as
    ``application/gzip`` (not as ``Content-Encoding``), and a download keeps its name and bytes."""
    by_file = {f"{export.DUMP_NAME}.{f.ext}.gz": name for name, f in export.FORMATS.items()}
    if filename == cube.CUBE_DUMP:  # the figures alone (publication/cube.py)
        by_file[filename] = ""
    if filename not in by_file:
        raise ApiError(
            404,
            "not-found",
            f"no dump {filename!r}; there are {', '.join(by_file)}",
            f"ingen dump {filename!r}; det finns {', '.join(by_file)}",
        )
    fmt = by_file[filename]
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if filename != cube.CUBE_DUMP and isinstance(store, OxigraphStore):
        # the engine's dump, cached per store version (publication.dumpcache)
        version = store.version
        etag = DumpCache.etag(fmt, version)
        if _matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"ETag": etag, **disposition})
        path = _dump_cache(request, store).path(fmt, version)
        return FileResponse(path, media_type="application/gzip", headers={"ETag": etag, **disposition})
    # the figures alone (small) and remote stores: through rdflib, each time
    body = export.gzip_dump(
        cube.serialise(store) if filename == cube.CUBE_DUMP else export.serialise(store, fmt)
    )
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, **disposition}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/gzip", headers=headers)


_CACHE_LOCK = threading.Lock()
_Cache = TypeVar("_Cache", DumpCache, VoidCache)


def _app_cache(
    request: Request, attribute: str, kind: Callable[[OxigraphStore], _Cache], store: OxigraphStore
) -> _Cache:
    """The app's cache of ``kind`` over its store (``app.state.{attribute}``), made on first use, anew when
    the store changed (tests swap stores)."""
    with _CACHE_LOCK:
        cache = getattr(request.app.state, attribute, None)
        if cache is None or cache.store is not store:
            cache = kind(store)
            setattr(request.app.state, attribute, cache)
        return cache


def _dump_cache(request: Request, store: OxigraphStore) -> DumpCache:
    """The app's dump cache over its store, made on the first dump request."""
    return _app_cache(request, "dump_cache", DumpCache, store)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` names this ETag (in a list, weak or strong) or is ``*``."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.api_route(
    "/def",
    methods=["GET"],
    summary="The ontology (ig: namespace document)",
    response_class=Response,
    responses={
        200: {"content": {f.media_type: {} for f in (HTML, *RDF_FORMATS)}},
        404: NOT_FOUND,
        406: NOT_ACCEPTABLE,
    },
)
def ontology(request: Request, store: StoreDep) -> Response:
    """``ig:`` terms are ``…/def#Term``: with the default base the namespace document is served here."""
    graph = store.graph(iris.graph("ontology", store.base))
    if not len(graph):
        raise ApiError(
            404,
            "not-found",
            "the ontology is not loaded (insatsgraf load)",
            "ontologin är inte inläst (insatsgraf load)",
        )
    fmt = negotiate(request.headers.get("accept"), RESOURCE_FORMATS)
    if fmt is None:
        raise _not_acceptable(RESOURCE_FORMATS)
    if fmt is HTML:
        return templates.TemplateResponse(
            request, "ontology.html", {"terms": ontology_terms(graph)}, headers={"Vary": "Accept"}
        )
    return Response(
        export.serialise_graph(graph, fmt),
        media_type=fmt.media_type,
        headers={"Vary": "Accept"},
    )


def ontology_terms(graph: Graph) -> list[dict[str, str]]:
    """Classes and properties of ``ig:`` with their labels and comments in sv and en, classes first."""
    kinds = [
        (OWL.Class, "klass / class"),
        (OWL.ObjectProperty, "objektegenskap / object property"),
        (OWL.DatatypeProperty, "dataegenskap / datatype property"),
    ]
    out = []
    for kind, kind_label in kinds:
        ig_terms = (
            t
            for t in graph.subjects(RDF.type, kind)
            if isinstance(t, URIRef) and str(t).startswith(str(iris.IG))
        )
        for term in sorted(ig_terms):
            texts = {
                f"{p}_{o.language}": str(o)
                for p, prop in (("label", RDFS.label), ("comment", RDFS.comment))
                for o in graph.objects(term, prop)
                if isinstance(o, Literal) and o.language
            }
            out.append({"id": str(term)[len(str(iris.IG)) :], "iri": str(term), "kind": kind_label, **texts})
    return out


# HEAD answers like GET; kept out of the OpenAPI description so each operation has one id.
for _path, _endpoint in (("/id/{path:path}", resource), ("/doc/{path:path}", document), ("/def", ontology)):
    router.add_api_route(_path, _endpoint, methods=["HEAD"], include_in_schema=False)
