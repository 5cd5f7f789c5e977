"""The query catalogue: ``queries/*.rq`` with grlc headers, parameters bound safely, run on any store.

Each file starts with a plain comment saying why it exists, then grlc decorators (``#+ summary:``,
``#+ description:``, ``#+ tags:``, ``#+ defaults:``, ``#+ enumerate:``) plus three of our own
(``#+ summary_sv:``, ``#+ params:`` with a description per parameter, ``#+ example:``). Parameters follow
the BASIL convention: ``?_name_type`` is required, ``?__name_type`` optional (left a variable when not
given); the type suffix (``iri``, ``integer``, ``date``, ``string``, …) decides how a value is checked
and written. A value is never spliced in as text: it is parsed by type and written as one RDF term.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from insatsgraf.config import DEFAULT_BASE
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql.results import QueryResult, Term
from insatsgraf.sparql.store import Store

XSD = "http://www.w3.org/2001/XMLSchema#"

TYPES = ("iri", "integer", "decimal", "date", "boolean", "string", "literal")
"""Type suffixes we understand; a two-letter suffix (``_sv``, ``_en``) is a language tag."""

FORMATS = ("table", "csv", "tsv", "json")

_PARAM_RE = re.compile(r"[?$](__?[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`]+$")
_LANG_RE = re.compile(r"^[a-z]{2}$")


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
    def full_name(self) -> str:
        """The name with its type, as grlc shows it: ``org_iri``."""
        return self.var.lstrip("_")


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
        return bind(iris.rebase(self.text, base), {k.lstrip("_"): v for k, v in values.items()})

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
    return store.query(query.bind(params, base=store.base), include_history=query.include_history)


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
    params = tuple(_make_param(var, defaults, enums, descriptions) for var in _param_vars(text))
    tags = decorators.get("tags") or []
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


def _name_map(value: object) -> dict[str, Any]:
    """grlc writes ``defaults``/``enumerate`` as a list of one-key maps; accept a plain map too."""
    if isinstance(value, dict):
        return dict(value)
    out: dict[str, Any] = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            out.update(item)
    return out


def _param_vars(text: str) -> list[str]:
    """``_org_iri``, ``__from_date`` … in order of first use, outside comment lines."""
    seen: list[str] = []
    for line in _code_lines(text):
        for match in _PARAM_RE.finditer(line):
            if match.group(1) not in seen:
                seen.append(match.group(1))
    return seen


def _split_var(var: str) -> tuple[str, str]:
    """``_problem_area_iri`` → (``problem_area``, ``iri``); an unknown suffix means a plain literal."""
    body = var.lstrip("_")
    head, _, suffix = body.rpartition("_")
    if head and (suffix in TYPES or _LANG_RE.match(suffix)):
        return head, suffix
    return body, "literal"


def _make_param(
    var: str, defaults: dict[str, Any], enums: dict[str, Any], descriptions: dict[str, Any]
) -> Param:
    name, type_ = _split_var(var)
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


# -- binding -----------------------------------------------------------------------------------------


def bind(query_text: str, params: Mapping[str, str]) -> str:
    """Replace each ``?_name_type`` given in ``params`` (keyed ``name_type`` or ``name``) by a checked term.

    Values are parsed by the type in the variable's name and written by us, never copied as text, so no
    value can change the query's structure. Variables not given stay variables (an unbound optional).
    """
    by_var: dict[str, str] = {}
    for var in _param_vars(query_text):
        by_var[var.lstrip("_")] = var
        by_var.setdefault(_split_var(var)[0], var)
    terms: dict[str, str] = {}
    for key, value in params.items():
        if key not in by_var:
            raise UserError(
                f"the query has no parameter ?_{key}",
                f"frågan har ingen parameter ?_{key}",
                code="unknown-parameter",
            )
        var = by_var[key]
        name, type_ = _split_var(var)
        terms[var] = term_for(name, type_, value)
    if not terms:
        return query_text
    pattern = re.compile(
        r"[?$](" + "|".join(re.escape(v) for v in sorted(terms, key=len, reverse=True)) + r")(?![A-Za-z0-9_])"
    )
    out = []
    for line in query_text.splitlines(keepends=True):
        if line.lstrip().startswith("#"):
            out.append(line)
        else:
            out.append(pattern.sub(lambda m: terms[m.group(1)], line))
    return "".join(out)


def term_for(name: str, type_: str, value: str) -> str:
    """The SPARQL syntax of one RDF term for ``value`` read as ``type_``, or a UserError saying why not."""
    value = str(value)

    def bad(expected_en: str, expected_sv: str) -> UserError:
        return UserError(
            f"parameter {name}: {value!r} is not {expected_en}",
            f"parametern {name}: {value!r} är inte {expected_sv}",
            code="bad-parameter",
        )

    if type_ == "iri":
        if not _IRI_RE.match(value):
            raise bad(
                "an absolute IRI (e.g. https://w3id.org/insatsgraf/id/organisation/0580)",
                "en absolut IRI (t.ex. https://w3id.org/insatsgraf/id/organisation/0580)",
            )
        return f"<{value}>"
    if type_ == "integer":
        try:
            return str(int(value.strip()))
        except ValueError:
            raise bad("an integer", "ett heltal") from None
    if type_ == "decimal":
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise bad("a decimal number", "ett decimaltal") from None
        if not number.is_finite():
            raise bad("a finite decimal number", "ett ändligt decimaltal")
        return f'"{number}"^^<{XSD}decimal>'
    if type_ == "date":
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise bad("a date YYYY-MM-DD", "ett datum ÅÅÅÅ-MM-DD") from None
        return f'"{day.isoformat()}"^^<{XSD}date>'
    if type_ == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise bad("true or false", "true eller false")
        return "true" if lowered in ("true", "1") else "false"
    literal = sparql_string(value)
    if _LANG_RE.match(type_):
        return f"{literal}@{type_}"
    return literal


def sparql_string(value: str) -> str:
    """A SPARQL string literal with every character that could end or break it escaped."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _code_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            yield line


# -- output ------------------------------------------------------------------------------------------


def term_text(term: Term | None) -> str:
    """The plain value of a term (SPARQL 1.1 CSV), empty when unbound."""
    return "" if term is None else term["value"]


def term_ntriples(term: Term | None) -> str:
    """A term in N-Triples syntax (SPARQL 1.1 TSV), empty when unbound."""
    if term is None:
        return ""
    if term["type"] == "uri":
        return f"<{term['value']}>"
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    literal = sparql_string(term["value"])
    if "xml:lang" in term:
        return f"{literal}@{term['xml:lang']}"
    if term.get("datatype") == f"{XSD}integer":
        return term["value"]
    if "datatype" in term:
        return f"{literal}^^<{term['datatype']}>"
    return literal


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV: a header of variable names, plain values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow([term_text(row.get(v)) for v in result.vars])
    return buffer.getvalue()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV: ``?var`` headers, terms in N-Triples syntax."""
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    for row in result.rows:
        lines.append("\t".join(term_ntriples(row.get(v)) for v in result.vars))
    return "\n".join(lines) + "\n"


def format_result(result: QueryResult, fmt: str) -> str:
    """``csv``, ``tsv`` or ``json`` (SPARQL 1.1 Query Results JSON) text of a SELECT/ASK result."""
    if fmt == "json":
        return result.dumps()
    if fmt == "csv":
        return to_csv(result)
    if fmt == "tsv":
        return to_tsv(result)
    raise UserError(
        f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}",
        f"okänt format {fmt!r}; använd något av {', '.join(FORMATS)}",
        code="bad-parameter",
    )
