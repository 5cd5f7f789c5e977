"""The query catalogue: ``queries/*.rq`` with grlc headers, parameters bound safely, run on any store.

Each file starts with a plain comment saying why it exists, then grlc decorators (``#+ summary:``,
``#+ description:``, ``#+ tags:``, ``#+ defaults:``, ``#+ enumerate:``) plus three of our own
(``#+ summary_sv:``, ``#+ params:`` with a description per parameter, ``#+ example:``). Parameters follow
the BASIL convention: ``?_name_type`` is required, ``?__name_type`` optional (left a variable when not
given); the type suffix (``iri``, ``integer``, ``date``, ``string``, …) decides how a value is checked
and written. A value is never spliced in as text: it is parsed by type and written as one RDF term.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from insatsgraf.catalogue import resolve
from insatsgraf.config import DEFAULT_BASE
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql import media
from insatsgraf.sparql.binding import bind, param_vars, split_var
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.results import QueryResult, Term
from insatsgraf.sparql.store import Store

XSD = "http://www.w3.org/2001/XMLSchema#"


FORMATS = ("table", "csv", "tsv", "json")
_MEDIA = {"csv": media.CSV, "tsv": media.TSV, "json": media.JSON}
"""The CLI's result formats and the SPARQL 1.1 Query Results format each is (written by ``sparql.media``)."""


@dataclass(frozen=True)
class Param:
    """One query parameter, from a ``?_name_type`` variable of the query text."""

    var: str
    """The variable as written, without ``?``: ``_org_iri``."""
    name: str
    """The short name used in calls (``--param org=…``, ``?org=…``): ``org``."""
    type: str
    """``iri``, ``integer``, ``decimal``, ``date``, ``boolean``, ``string``/``literal`` or a language tag."""
    required: bool
    default: str | None = None
    description: str = ""
    enum: tuple[str, ...] = ()

    @property
    def kind(self) -> str | None:
        """``organisation``, ``programme`` or ``county`` when the parameter takes short forms (resolve.py)."""
        return resolve.kind_of(self.name, self.type, self.description)

    @property
    def full_name(self) -> str:
        """The name with its type, as grlc shows it: ``org_iri``."""
        return self.var.lstrip("_")


@dataclass(frozen=True)
class Pivot:
    """``#+ pivot: {rows: organisation, columns: programme, value: offerings}``: how a table shows the rows.

    The table view (``insatsgraf query``, format ``table``) is a matrix with one line per value of ``rows``,
    one column per value of ``columns`` and ``value`` in the cells; csv, tsv and json stay the plain rows.
    """

    rows: str
    columns: str
    value: str


@dataclass(frozen=True)
class CatalogueQuery:
    name: str
    path: Path
    text: str
    why: str
    summary: str
    summary_sv: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    example: str
    decorators: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def pivot(self) -> Pivot | None:
        """The ``#+ pivot:`` decorator (checked when the header is read), or None."""
        return _pivot(self.decorators.get("pivot"), self.name)

    @property
    def include_history(self) -> bool:
        """Queries tagged ``history`` read the submission history graphs (``GRAPH ?g``)."""
        return "history" in self.tags

    def param(self, key: str) -> Param:
        for p in self.params:
            if key in (p.name, p.full_name):
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise UserError(
            f"query {self.name} has no parameter {key!r} (its parameters: {known})",
            f"frågan {self.name} har ingen parameter {key!r} (dess parametrar: {known})",
            code="unknown-parameter",
        )

    def template(self, base: str = DEFAULT_BASE) -> str:
        """The query text moved to ``base``, its parameters still variables: what ``bind`` binds, and what the
        endpoint checks in place of each bound text (``sparql.parse.check_bound``)."""
        return iris.rebase(self.text, base)

    def bind(self, params: Mapping[str, str] | None = None, *, base: str = DEFAULT_BASE) -> str:
        """The query text moved to ``base``, with the given values (or the defaults) bound as RDF terms."""
        values: dict[str, str] = {}
        for key, value in (params or {}).items():
            values[self.param(key).var] = value
        for p in self.params:
            if p.var not in values and p.default is not None:
                values[p.var] = iris.rebase(p.default, base) if p.type == "iri" else p.default
            if p.var not in values and p.required:
                raise UserError(
                    f"query {self.name} needs the parameter {p.name} ({p.type})",
                    f"frågan {self.name} behöver parametern {p.name} ({p.type})",
                    code="missing-parameter",
                )
            if p.enum and p.var in values and values[p.var] not in p.enum:
                raise UserError(
                    f"{p.name} must be one of {', '.join(p.enum)}",
                    f"{p.name} måste vara något av {', '.join(p.enum)}",
                    code="bad-parameter",
                )
        return bind(self.template(base), {k.lstrip("_"): v for k, v in values.items()})

    @classmethod
    def from_file(cls, path: Path) -> CatalogueQuery:
        return parse_query(path.read_text(encoding="utf-8"), name=path.stem, path=path)


@dataclass
class Catalogue:
    queries: dict[str, CatalogueQuery]

    @classmethod
    def load(cls, queries_dir: Path) -> Catalogue:
        """Every ``*.rq`` in the folder, by file name without ``.rq``."""
        found = sorted(Path(queries_dir).glob("*.rq"))
        return cls({p.stem: CatalogueQuery.from_file(p) for p in found})

    def __iter__(self) -> Iterator[CatalogueQuery]:
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def names(self) -> list[str]:
        return list(self.queries)

    def get(self, name: str) -> CatalogueQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise UserError(
                f"no query named {name!r} in the catalogue; `insatsgraf queries` lists them",
                f"det finns ingen fråga {name!r} i katalogen; `insatsgraf queries` listar dem",
                code="unknown-query",
            ) from None

    def run(self, store: Store, name: str, params: Mapping[str, str] | None = None) -> QueryResult:
        return run_query(store, self.get(name), params)


def run_query(store: Store, query: CatalogueQuery, params: Mapping[str, str] | None = None) -> QueryResult:
    """Bind and run one query; history queries see the submission history graphs."""
    return store.query(bind_query(store, query, params), include_history=history_in_dataset(store, query))


def history_in_dataset(store: Store, query: CatalogueQuery) -> bool:
    """Whether the store must be asked to add the history graphs to the query's dataset.

    The catalogue's history queries read those graphs through ``GRAPH`` (``tests/test_queries_catalogue.py``
    checks it). Every named graph, history included, is in the embedded store's dataset, so there they need
    nothing added; adding ~300 history graphs to the default graph made them about 2× slower than the same
    text on ``/sparql``. A remote store lists the graphs of a dataset, so it is asked."""
    return query.include_history and not isinstance(store, OxigraphStore)


def bind_query(store: Store, query: CatalogueQuery, params: Mapping[str, str] | None = None) -> str:
    """The query text for ``store``: short forms resolved (:func:`resolve_params`), then bound."""
    return query.bind(resolve_params(store, query, params), base=store.base)


def resolve_params(store: Store, query: CatalogueQuery, params: Mapping[str, str] | None) -> dict[str, str]:
    """The given values with each organisation, programme or county short form (``0486``, ``komet``,
    ``Sörmland``, ``04``) replaced by the IRI or county name the query compares; see ``resolve.py``."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        param = query.param(key)
        kind = param.kind
        if kind:
            out[key] = resolve.resolve(store, kind, param.name, value)
        elif param.type == "iri" and not resolve.is_absolute_iri(value):
            example = iris.rebase(param.default or next(iter(param.enum), f"{DEFAULT_BASE}id/…"), store.base)
            raise UserError(
                f"parameter {param.name}: {value!r} is not an absolute IRI (e.g. {example})",
                f"parametern {param.name}: {value!r} är inte en absolut IRI (t.ex. {example})",
                column=param.name,
                code="bad-parameter",
            )
        else:
            out[key] = value
    return out


# -- parsing the header ------------------------------------------------------------------------------


def parse_query(text: str, *, name: str, path: Path | None = None) -> CatalogueQuery:
    """Read the header comments and the parameters of one query text."""
    why: list[str] = []
    decorator_lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+"):
            decorator_lines.append(stripped[2:].removeprefix(" "))
        elif stripped.startswith("#"):
            if not decorator_lines:
                why.append(stripped.lstrip("#").strip())
        elif stripped:
            break
    where = str(path or name)
    try:
        decorators = yaml.safe_load("\n".join(decorator_lines)) or {}
    except yaml.YAMLError as exc:
        raise UserError(
            f"the #+ header is not valid YAML: {exc}",
            f"#+-huvudet är inte giltig YAML: {exc}",
            file=where,
            code="bad-query",
        ) from exc
    if not isinstance(decorators, dict):
        raise UserError(
            "the #+ header must be YAML key: value lines",
            "#+-huvudet måste vara YAML-rader nyckel: värde",
            file=where,
            code="bad-query",
        )
    defaults = _name_map(decorators.get("defaults"))
    enums = _name_map(decorators.get("enumerate"))
    descriptions = _name_map(decorators.get("params"))
    params = tuple(_make_param(var, defaults, enums, descriptions) for var in param_vars(text))
    tags = decorators.get("tags") or []
    _pivot(decorators.get("pivot"), where)
    return CatalogueQuery(
        name=name,
        path=path or Path(f"{name}.rq"),
        text=text,
        why=" ".join(w for w in why if w),
        summary=str(decorators.get("summary", name)),
        summary_sv=str(decorators.get("summary_sv", decorators.get("summary", name))),
        description=" ".join(str(decorators.get("description", "")).split()),
        tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
        params=params,
        example=str(decorators.get("example", "")).strip(),
        decorators=decorators,
    )


def _pivot(value: object, where: str) -> Pivot | None:
    if value is None:
        return None
    keys = ("rows", "columns", "value")
    if not isinstance(value, dict) or any(not isinstance(value.get(k), str) for k in keys):
        raise UserError(
            "#+ pivot: must name rows, columns and value, e.g. {rows: organisation, columns: programme, "
            "value: offerings}",
            "#+ pivot: måste ange rows, columns och value, t.ex. {rows: organisation, columns: programme, "
            "value: offerings}",
            file=where,
            code="bad-query",
        )
    return Pivot(*(str(value[k]).lstrip("?") for k in keys))


def _name_map(value: object) -> dict[str, Any]:
    """grlc writes ``defaults``/``enumerate`` as a list of one-key maps; accept a plain map too."""
    if isinstance(value, dict):
        return dict(value)
    out: dict[str, Any] = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            out.update(item)
    return out


def _make_param(
    var: str, defaults: dict[str, Any], enums: dict[str, Any], descriptions: dict[str, Any]
) -> Param:
    name, type_ = split_var(var)
    full = var.lstrip("_")

    def lookup(table: dict[str, Any]) -> Any:
        return table.get(name, table.get(full))

    default = lookup(defaults)
    enum = lookup(enums) or []
    return Param(
        var=var,
        name=name,
        type=type_,
        required=not var.startswith("__"),
        default=None if default is None else str(default),
        description=" ".join(str(lookup(descriptions) or "").split()),
        enum=tuple(str(e) for e in enum),
    )


# -- output ------------------------------------------------------------------------------------------


def term_text(term: Term | None) -> str:
    """The plain value of a term (SPARQL 1.1 CSV), empty when unbound."""
    return "" if term is None else term["value"]


def format_result(result: QueryResult, fmt: str) -> str:
    """``csv``, ``tsv`` or ``json`` (SPARQL 1.1 Query Results JSON) text of a SELECT/ASK result."""
    if fmt in _MEDIA:
        return media.write_results(result, _MEDIA[fmt], for_spreadsheets=True).decode("utf-8")
    raise UserError(
        f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}",
        f"okänt format {fmt!r}; använd något av {', '.join(FORMATS)}",
        code="bad-parameter",
    )
