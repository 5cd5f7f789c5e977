"""The query catalogue over HTTP: ``GET /queries`` lists it, ``GET /queries/{name}?param=…`` runs one.

Each catalogue query gets its own route with its own parameters (as grlc does), so the OpenAPI description
documents every question with its parameters, defaults and allowed values. Answers use the same formats,
limits and errors as ``/sparql``.
"""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from insatsgraf.api.deps import ApiError, error_response, get_store
from insatsgraf.api.sparql import RESPONSES, Dataset, respond, run_query
from insatsgraf.catalogue.queries import Catalogue, CatalogueQuery, bind_query, history_in_dataset
from insatsgraf.catalogue.resolve import COUNTY, EXAMPLES, ORGANISATION, PARTNER_KIND, PROGRAMME
from insatsgraf.config import DEFAULT_BASE

router = APIRouter(tags=["queries"])
"""Only the generic routes; ``build_router`` adds one route per catalogue query."""


class ParamInfo(BaseModel):
    name: str = Field(examples=["org"])
    type: str = Field(
        description="iri, integer, decimal, date, boolean, string/literal or a language tag.",
        examples=["iri"],
    )
    required: bool = Field(description="True when the query cannot run without it (no default).")
    default: str | None = Field(None, examples=["https://w3id.org/insatsgraf/id/organisation/0580"])
    description: str = ""
    enum: list[str] = Field(default_factory=list, description="Allowed values, when the query lists them.")


class QueryInfo(BaseModel):
    name: str = Field(examples=["municipality-profile"])
    summary: str
    summary_sv: str
    description: str
    tags: list[str]
    parameters: list[ParamInfo]
    url: str = Field(
        description="Where to run it (add parameters as ?name=value).",
        examples=["/queries/municipality-profile"],
    )
    sparql: str = Field(description="The query text with its grlc header.")


def get_catalogue(request: Request) -> Catalogue:
    """The catalogue the app was built with."""
    return request.app.state.catalogue  # type: ignore[no-any-return]


def query_info(query: CatalogueQuery) -> QueryInfo:
    params = [
        ParamInfo(
            name=p.name,
            type=p.type,
            required=p.required and p.default is None,
            default=p.default,
            description=p.description,
            enum=list(p.enum),
        )
        for p in query.params
    ]
    return QueryInfo(
        name=query.name,
        summary=query.summary,
        summary_sv=query.summary_sv,
        description=query.description,
        tags=list(query.tags),
        parameters=params,
        url=f"/queries/{query.name}",
        sparql=query.text,
    )


@router.get("/queries", summary="List the query catalogue", response_model=list[QueryInfo])
async def list_queries(request: Request) -> list[QueryInfo]:
    """Every catalogue question: its title (en, sv), description, tags, parameters and where to run it."""
    return [query_info(q) for q in get_catalogue(request)]


async def run_catalogue_query(request: Request, query: CatalogueQuery, params: dict[str, str]) -> Response:
    """Resolve short forms and bind the parameters (a bad or unknown value is a 400 saying which, with the
    values that exist) and answer like ``/sparql``."""
    store = get_store(request)
    if any(query.param(key).kind for key in params):  # a short form is looked up in the store
        text = await run_in_threadpool(bind_query, store, query, params)
    else:  # the text alone (well under a millisecond): the same work as /sparql from here on
        text = bind_query(store, query, params)
    # (checked as its template: one parse for every value it is asked with, see sparql.parse.check_bound)
    dataset = Dataset(include_history=history_in_dataset(store, query), checked_as=query.template(store.base))
    answer = await run_query(request, text, dataset, for_spreadsheets=True)
    return respond(answer, request.headers.get("accept"), store.base, for_spreadsheets=True)


_PARAM_TYPES: dict[str, type] = {"integer": int}


def _endpoint(query: CatalogueQuery) -> Any:
    """A route function whose signature declares the query's own parameters (for validation and OpenAPI)."""
    names: dict[str, str] = {}
    signature = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    for index, param in enumerate(query.params):
        py_name = f"param_{index}"
        names[py_name] = param.name
        required = param.required and param.default is None
        extra = {"enum": list(param.enum)} if param.enum else None
        doc = param.description or param.name
        if param.kind:
            doc = f"{doc}. Write {EXAMPLES[param.kind][0].format(base=DEFAULT_BASE)}"
        marker = Query(
            alias=param.name,
            description=f"{doc} ({param.type})",
            examples=[param.default] if param.default else None,
            json_schema_extra=extra,
        )
        kind = _PARAM_TYPES.get(param.type, str)
        annotation = Annotated[kind if required else kind | None, marker]  # type: ignore[valid-type]
        signature.append(
            inspect.Parameter(
                py_name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation,
                default=inspect.Parameter.empty if required else None,
            )
        )

    async def endpoint(request: Request, **values: Any) -> Response:
        params = {names[k]: str(v) for k, v in values.items() if v is not None}
        return await run_catalogue_query(request, query, params)

    endpoint.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    endpoint.__name__ = "query_" + query.name.replace("-", "_")
    return endpoint


_BAD_PARAM_EXAMPLES = {
    ORGANISATION: (
        "no organisation '9999'; known: 0180-bromma (Bromma), …",
        "ingen organisation '9999'; kända: …",
    ),
    PROGRAMME: (
        "no programme 'komt'; closest: komet (Komet), …",
        "inget program 'komt'; närmast: komet (Komet), …",
    ),
    COUNTY: ("no county 'Sörmlnd'; closest: 04 (Södermanlands län), …", "inget län 'Sörmlnd'; närmast: …"),
    PARTNER_KIND: ("no partner kind 'polsen'; known: police, …", "ingen typ av part 'polsen'; kända: …"),
}


def _bad_param(query: CatalogueQuery) -> dict[str, Any]:
    """The 400 entry, its example for the query's own first parameter (an organisation, programme, county)."""
    description = (
        "A parameter is missing, its value does not fit its type or list (bad-parameter), or it names no "
        "organisation, programme or county the store knows (unknown-value, with the closest values)."
    )
    for param in query.params:
        if param.kind:
            en, sv = _BAD_PARAM_EXAMPLES[param.kind]
            return error_response(
                description,
                "unknown-value",
                f"parameter {param.name}: {en}",
                f"parametern {param.name}: {sv}",
                column=param.name,
            )
    first = query.params[0].name if query.params else "name"
    return error_response(
        description,
        "bad-parameter",
        f"query {query.name} needs the parameter {first}",
        f"frågan {query.name} behöver parametern {first}",
        column=first,
    )


def build_router(catalogue: Catalogue) -> APIRouter:
    """The generic routes plus one ``GET /queries/{name}`` per catalogue query."""
    built = APIRouter(tags=["queries"])
    built.include_router(router)
    for query in catalogue:
        description = query.description or query.summary
        if query.summary_sv and query.summary_sv != query.summary:
            description = f"{description}\n\n*{query.summary_sv}*"
        built.add_api_route(
            f"/queries/{query.name}",
            _endpoint(query),
            methods=["GET"],
            summary=query.summary,
            description=f"{description}\n\n{query.why}" if query.why else description,
            response_class=Response,
            responses={**RESPONSES, 400: _bad_param(query)},
            operation_id=f"query_{query.name}",
        )

    @built.get("/queries/{name}", include_in_schema=False)
    async def unknown_query(name: str) -> Response:
        raise ApiError(
            404,
            "unknown-query",
            f"No query named {name!r} in the catalogue; GET /queries lists them.",
            f"Det finns ingen fråga {name!r} i katalogen; GET /queries listar dem.",
        )

    return built
