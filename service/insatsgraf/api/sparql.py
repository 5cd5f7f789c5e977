"""The SPARQL 1.1 Protocol endpoint ``/sparql``: read-only, with a query timeout and a result-row limit.

Protocol: https://www.w3.org/TR/sparql11-protocol/ — query by GET, POST form and POST direct; the dataset
by ``default-graph-uri``/``named-graph-uri``; answers by ``Accept``. What this endpoint decides:

* updates (an ``update`` parameter, ``application/sparql-update``, or a query text that is an update)
  → 403: the graph changes only through submissions and decisions, which validate and record provenance;
* a syntax error → 400 with the parser's message; a wrong or missing media type → 415;
  several ``query`` parameters or none → 400; ``SERVICE`` (federated query) → 400, the server fetches no URLs;
* more than ``ServiceLimits.max_rows`` rows (or triples) → 422 rather than a silently cut answer;
* a query still running after ``ServiceLimits.query_timeout`` seconds → 503, and so is one that passes its
  worker's memory cap (``ServiceLimits.query_memory_mb``). With an on-disk store each query runs in a worker
  process (``sparql.workers``) that is killed at the timeout and replaced; with an in-memory store (tests) in
  a thread that stops at its next row. At most ``ServiceLimits.query_workers`` queries run together.

SERVICE and updates are recognised on the query's parse (``sparql.parse``), never on a text scan.

Without dataset parameters the default graph is the union of all graphs except the submission history
(as ``Store.query``), unless the query names its own with ``FROM``/``FROM NAMED``.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from insatsgraf.api.deps import ApiError, ServiceLimits, error_response, get_limits, get_store, read_body
from insatsgraf.sparql import media as formats
from insatsgraf.sparql.store import (
    Answer,
    BadDatasetIri,
    Dataset,
    DatasetNotSupported,
    Limits,
    PersonalDataHidden,
    QueryIsUpdate,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    ResultsAs,
    ServiceNotAllowed,
    TooManyRows,
    Written,
)
from insatsgraf.sparql.workers import AsyncEvaluator, Evaluator, evaluator_for

router = APIRouter(tags=["sparql"])

T = TypeVar("T")


class QueryRunner:
    """Runs blocking query work in daemon threads, at most ``workers`` at once, each within a timeout."""

    def __init__(self, workers: int):
        self._slots = threading.BoundedSemaphore(workers)

    async def run(self, work: Callable[[threading.Event, float], T], timeout: float) -> T:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        cancel = threading.Event()
        deadline = time.monotonic() + timeout

        def settle(value: Any, error: BaseException | None) -> None:
            if not done.done():
                done.set_exception(error) if error is not None else done.set_result(value)

        def deliver(value: Any, error: BaseException | None) -> None:
            """Hand the outcome to the request; after a timeout its event loop may be gone, and so is the asker."""
            if not loop.is_closed():
                try:
                    loop.call_soon_threadsafe(settle, value, error)
                except RuntimeError:  # closed between the check and the call
                    pass

        def target() -> None:
            if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
                deliver(None, QueryTimeout())
                return
            try:
                value = work(cancel, deadline)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting request, which re-raises it
                deliver(None, exc)
            else:
                deliver(value, None)
            finally:
                self._slots.release()

        threading.Thread(target=target, name="sparql-query", daemon=True).start()
        try:
            return await asyncio.wait_for(asyncio.shield(done), timeout)
        except TimeoutError:
            cancel.set()
            done.add_done_callback(lambda late: late.cancelled() or late.exception())  # nobody awaits it now
            raise QueryTimeout from None


def get_runner(request: Request) -> QueryRunner:
    state = request.app.state
    if getattr(state, "query_runner", None) is None:
        state.query_runner = QueryRunner(state.limits.query_workers)
    return state.query_runner  # type: ignore[no-any-return]


def get_evaluator(request: Request) -> Evaluator:
    """The store's worker processes (on-disk embedded store), else the store itself; made on first use."""
    state = request.app.state
    if getattr(state, "evaluator", None) is None:
        limits: ServiceLimits = state.limits
        state.evaluator = evaluator_for(
            state.store,
            limits.query_workers,
            limits.query_memory_mb,
            expose_personal=limits.expose_personal_data,
        )
    return state.evaluator  # type: ignore[no-any-return]


async def run_query(
    request: Request, sparql: str, dataset: Dataset | None = None, *, for_spreadsheets: bool = False
) -> Answer | Written:
    """Evaluate ``sparql`` for a request: limits applied, errors turned into API errors. Relative IRIs in
    the query resolve against the URL it was sent to (without the query string), as the Oxigraph server's.

    Query workers write a SELECT or ASK answer in the results format the request accepts (``Written``:
    ``respond`` sends it as it is), so the rows are not read and written again in this process."""
    evaluator = get_evaluator(request)
    limits: ServiceLimits = get_limits(request)
    dataset = dataset or Dataset()
    if dataset.base_iri is None:
        dataset = replace(dataset, base_iri=str(request.url.replace(query="", fragment="")))
    if limits.expose_personal_data:
        dataset = replace(dataset, expose_personal=True)
    results_media = formats.negotiate(request.headers.get("accept"), formats.RESULT_TYPES)
    results_as = ResultsAs(results_media, for_spreadsheets) if results_media else None

    def evaluate(cancel: threading.Event, deadline: float) -> Answer | Written:
        return evaluator.evaluate_as(sparql, dataset, Limits(limits.max_rows, deadline, cancel), results_as)

    try:
        if isinstance(evaluator, AsyncEvaluator):  # worker processes: awaited here, no thread
            deadline = time.monotonic() + limits.query_timeout
            answer = await evaluator.evaluate_async(
                sparql, dataset, Limits(limits.max_rows, deadline), results_as
            )
            if answer is not None:
                return answer
        return await get_runner(request).run(evaluate, limits.query_timeout)
    except ServiceNotAllowed as exc:
        raise ApiError(
            400,
            "service-not-allowed",
            "Federated queries (SERVICE) are not allowed: this endpoint fetches no other URLs.",
            "Federerade frågor (SERVICE) är inte tillåtna: tjänsten hämtar inga andra URL:er.",
            detail=str(exc),
        ) from exc
    except QueryIsUpdate as exc:
        raise _update_refused() from exc
    except QuerySyntaxError as exc:
        raise ApiError(
            400,
            "bad-query",
            f"The query does not parse: {exc}",
            f"Frågan går inte att tolka: {exc}",
            detail=str(exc),
        ) from exc
    except PersonalDataHidden as exc:
        raise ApiError(
            403,
            "personal-data",
            f"This endpoint does not publish personal data (who submitted or decided): {exc}.",
            f"Den här tjänsten publicerar inte personuppgifter (vem som lämnade in eller beslutade): {exc}.",
        ) from exc
    except BadDatasetIri as exc:
        raise ApiError(
            400, "bad-graph-iri", str(exc), str(exc).replace("not an absolute IRI", "inte en absolut IRI")
        ) from exc
    except DatasetNotSupported as exc:
        raise ApiError(
            400,
            "dataset-not-supported",
            "default-graph-uri and named-graph-uri need the embedded store; use FROM / FROM NAMED.",
            "default-graph-uri och named-graph-uri kräver den inbyggda databasen; använd FROM / FROM NAMED.",
        ) from exc
    except QueryTimeout as exc:
        raise ApiError(
            503,
            "query-timeout",
            f"The query did not finish within {limits.query_timeout:g} s. Narrow it "
            "(more specific patterns, LIMIT) or run it against a dump.",
            f"Frågan blev inte klar inom {limits.query_timeout:g} s. Avgränsa den "
            "(mer specifika mönster, LIMIT) eller kör den mot en dump.",
            headers={"Retry-After": "10"},
        ) from exc
    except QueryOutOfMemory as exc:
        raise ApiError(
            503,
            "query-memory",
            f"The query needed more than the {limits.query_memory_mb} MB a query may use and was stopped. "
            "Narrow it (more specific patterns, fewer variables to sort or group) or run it against a dump.",
            f"Frågan behövde mer än de {limits.query_memory_mb} MB en fråga får använda och stoppades. "
            "Avgränsa den (mer specifika mönster, färre variabler att sortera eller gruppera) eller kör den "
            "mot en dump.",
            detail=str(exc),
        ) from exc
    except TooManyRows as exc:
        raise ApiError(
            422,
            "too-many-rows",
            f"The answer has more than {limits.max_rows} rows (or triples). "
            "Add LIMIT and OFFSET to page through it, or download a dump.",
            f"Svaret har fler än {limits.max_rows} rader (eller tripplar). "
            "Lägg till LIMIT och OFFSET för att bläddra, eller hämta en dump.",
            max_rows=limits.max_rows,
        ) from exc


def _update_refused() -> ApiError:
    return ApiError(
        403,
        "update-refused",
        "This endpoint is read-only: SPARQL Update is refused. Data changes through "
        "POST /organisations/{id}/submissions and harmonisation decisions.",
        "Den här tjänsten är skrivskyddad: SPARQL Update tas inte emot. Data ändras genom "
        "POST /organisations/{id}/submissions och harmoniseringsbeslut.",
    )


def respond(
    answer: Answer | Written, accept: str | None, base: str, *, for_spreadsheets: bool = False
) -> Response:
    """Serialise an answer in the format the client accepts best, or 406 (``for_spreadsheets``: see
    ``media.write_results``); a ``Written`` one is already in that format."""
    if isinstance(answer, Written):
        return Response(
            answer.body, media_type=formats.CONTENT_TYPES[answer.media_type], headers={"Vary": "Accept"}
        )
    offered = formats.GRAPH_TYPES if isinstance(answer, list) else formats.RESULT_TYPES
    media = formats.negotiate(accept, offered)
    if media is None:
        raise ApiError(
            406,
            "not-acceptable",
            f"None of the accepted types ({accept}) is available here; offered: {', '.join(offered)}.",
            f"Ingen av de accepterade typerna ({accept}) finns här; tillgängliga: {', '.join(offered)}.",
            offered=offered,
        )
    if isinstance(answer, list):
        body = formats.write_triples(answer, media, base)
    else:
        body = formats.write_results(answer, media, for_spreadsheets=for_spreadsheets)
    return Response(body, media_type=formats.CONTENT_TYPES[media], headers={"Vary": "Accept"})


# -- the protocol --------------------------------------------------------------------------------


def _one_query(values: list[str]) -> str:
    if len(values) > 1:
        raise ApiError(
            400,
            "several-queries",
            "Send exactly one 'query' parameter, not several.",
            "Skicka exakt en 'query'-parameter, inte flera.",
        )
    if not values or not values[0].strip():
        raise ApiError(
            400,
            "no-query",
            "No query: send 'query' (GET or POST form) or POST the query as application/sparql-query.",
            "Ingen fråga: skicka 'query' (GET eller POST-formulär) eller POST:a frågan som "
            "application/sparql-query.",
        )
    return values[0]


def _dataset(params: dict[str, list[str]]) -> Dataset:
    return Dataset(params.get("default-graph-uri", []), params.get("named-graph-uri", []))


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "not-utf8", f"The {what} is not UTF-8: {exc}.", f"{what} är inte UTF-8: {exc}."
        ) from exc


_MEDIA_TYPES: dict[str, dict[str, Any]] = {
    formats.JSON: {
        "schema": {"type": "object"},
        "example": {
            "head": {"vars": ["programme", "label"]},
            "results": {
                "bindings": [
                    {
                        "programme": {
                            "type": "uri",
                            "value": "https://w3id.org/insatsgraf/id/programme/komet",
                        },
                        "label": {"type": "literal", "value": "Komet", "xml:lang": "sv"},
                    }
                ]
            },
        },
    },
    formats.XML: {"schema": {"type": "string"}},
    formats.CSV: {
        "schema": {"type": "string"},
        "example": "programme,label\r\nhttps://w3id.org/insatsgraf/id/programme/komet,Komet\r\n",
    },
    formats.TSV: {"schema": {"type": "string"}},
    formats.TURTLE: {
        "schema": {"type": "string"},
        "example": "@prefix ig: <https://w3id.org/insatsgraf/def#> .\n"
        "<https://w3id.org/insatsgraf/id/programme/komet> a ig:Programme .\n",
    },
    formats.NTRIPLES: {"schema": {"type": "string"}},
    formats.JSONLD: {"schema": {"type": "array", "items": {"type": "object"}}},
    formats.RDFXML: {"schema": {"type": "string"}},
}

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "SELECT/ASK: SPARQL results as JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE: Turtle, "
        "N-Triples, JSON-LD or RDF/XML — chosen by `Accept` (q-values honoured).",
        "content": _MEDIA_TYPES,
    },
    400: error_response(
        "No query, several, a syntax error (with the parser's message), SERVICE, or a bad graph IRI.",
        "bad-query",
        "The query does not parse: error at 1:8: expected …",
        "Frågan går inte att tolka: error at 1:8: expected …",
        detail="error at 1:8: expected …",
    ),
    403: error_response(
        "An update: the endpoint is read-only.",
        "update-refused",
        "This endpoint is read-only: SPARQL Update is refused. …",
        "Den här tjänsten är skrivskyddad: SPARQL Update tas inte emot. …",
    ),
    406: error_response(
        "No acceptable format for this kind of answer.",
        "not-acceptable",
        "None of the accepted types (image/png) is available here; …",
        "…",
    ),
    422: error_response(
        "The answer has more rows (or triples) than the limit.",
        "too-many-rows",
        "The answer has more than 10000 rows (or triples). Add LIMIT and OFFSET …",
        "Svaret har fler än 10000 rader (eller tripplar). …",
        max_rows=10000,
    ),
    503: error_response(
        "The query ran longer than the timeout (`Retry-After` set), or past its memory cap (`query-memory`).",
        "query-timeout",
        "The query did not finish within 30 s. …",
        "Frågan blev inte klar inom 30 s. …",
    ),
}

EXAMPLE_QUERY = (
    "PREFIX ig: <https://w3id.org/insatsgraf/def#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "SELECT ?programme ?label WHERE {\n  ?programme a ig:Programme ; skos:prefLabel ?label .\n"
    '  FILTER(lang(?label) = "sv")\n} ORDER BY ?label LIMIT 10'
)


def _query_parameter(
    name: str, description: str, *, many: bool, example: str | None = None
) -> dict[str, Any]:
    """A query parameter for the OpenAPI description only: the handlers read the query string themselves
    (``request.query_params``), so FastAPI need not extract and validate it on every request (issue 16)."""
    schema: dict[str, Any] = {"type": "array", "items": {"type": "string"}} if many else {"type": "string"}
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description}
    parameter["schema"] = schema
    if example is not None:
        parameter["example"] = example
    return parameter


_DATASET_PARAMETERS = [
    _query_parameter("default-graph-uri", "A graph of the default graph (repeatable).", many=True),
    _query_parameter("named-graph-uri", "A named graph the query may use (repeatable).", many=True),
]


@router.get(
    "/sparql",
    summary="SPARQL query (GET)",
    responses=RESPONSES,
    response_class=Response,
    openapi_extra={
        "parameters": [
            _query_parameter("query", "The SPARQL 1.1 query.", many=False, example=EXAMPLE_QUERY),
            *_DATASET_PARAMETERS,
        ]
    },
)
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via GET. Reads only; no token needed. CORS is open for browser tools."""
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    if "update" in params:
        raise _update_refused()
    sparql = _one_query(params.get("query", []))
    answer = await run_query(request, sparql, _dataset(params))
    return respond(answer, request.headers.get("accept"), get_store(request).base)


_POST_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["query"],
                "properties": {
                    "query": {"type": "string", "example": EXAMPLE_QUERY},
                    "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
        "application/sparql-query": {"schema": {"type": "string"}, "example": EXAMPLE_QUERY},
    },
}


@router.post(
    "/sparql",
    summary="SPARQL query (POST form or direct)",
    responses={
        **RESPONSES,
        413: error_response(
            "The body is larger than the upload limit.",
            "too-large",
            "The request body is larger than 10485760 bytes.",
            "Anropets innehåll är större än 10485760 byte.",
            max_bytes=10485760,
        ),
        415: error_response(
            "Not a form or application/sparql-query (or not UTF-8).",
            "unsupported-media-type",
            "POST a form (application/x-www-form-urlencoded) or application/sparql-query.",
            "…",
        ),
    },
    response_class=Response,
    openapi_extra={"requestBody": _POST_BODY, "parameters": _DATASET_PARAMETERS},
)
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 Protocol query via POST: a form with ``query``, or the query itself as
    ``application/sparql-query`` (dataset parameters then in the URL). Updates are refused with 403."""
    limits: ServiceLimits = get_limits(request)
    content_type = request.headers.get("content-type", "")
    media, _, params_text = content_type.partition(";")
    media = media.strip().lower()
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", params_text, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8", "us-ascii"):
        raise _unsupported(f"charset {charset.group(1)} (only UTF-8 is accepted)")
    url_params = {k: request.query_params.getlist(k) for k in request.query_params}
    if media == "application/x-www-form-urlencoded":
        body = _decode(await read_body(request, limits.max_upload_bytes), "form")
        params = parse_qs(body, keep_blank_values=True)
        if "update" in params:
            raise _update_refused()
        sparql = _one_query(params.get("query", []))
        dataset = (
            _dataset(params)
            if ("default-graph-uri" in params or "named-graph-uri" in params)
            else _dataset(url_params)
        )
    elif media == "application/sparql-query":
        sparql = _one_query([_decode(await read_body(request, limits.max_upload_bytes), "query")])
        dataset = _dataset(url_params)
    elif media == "application/sparql-update":
        raise _update_refused()
    else:
        raise _unsupported(f"'{media or 'no Content-Type'}'")
    answer = await run_query(request, sparql, dataset)
    return respond(answer, request.headers.get("accept"), get_store(request).base)


def _unsupported(what: str) -> ApiError:
    return ApiError(
        415,
        "unsupported-media-type",
        f"Cannot read {what}: POST a form (application/x-www-form-urlencoded) with 'query', "
        "or the query as application/sparql-query, in UTF-8.",
        f"Kan inte läsa {what}: POST:a ett formulär (application/x-www-form-urlencoded) med "
        "'query', eller frågan som application/sparql-query, i UTF-8.",
    )
