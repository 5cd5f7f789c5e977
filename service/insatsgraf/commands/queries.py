"""``insatsgraf queries`` lists the catalogue; ``insatsgraf query NAME|FILE.rq`` runs one query."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from insatsgraf.commands.common import (
    StoreOption,
    console,
    open_existing,
    reported,
    settings_for,
)
from insatsgraf.config import DEFAULT_BASE
from insatsgraf.errors import UserError

if TYPE_CHECKING:  # the catalogue (rdflib) only in the commands that read it
    from insatsgraf.catalogue.queries import CatalogueQuery
    from insatsgraf.sparql.results import QueryResult


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("queries")(list_queries)
    app.command("query")(query)


def list_queries() -> None:
    """List the query catalogue: name, title (en/sv) and parameters with their defaults."""
    from insatsgraf.catalogue.queries import Catalogue

    catalogue = Catalogue.load(settings_for(None).queries_dir)
    table = Table(title=f"{len(catalogue)} queries / frågor")
    table.add_column("name / namn", style="bold", overflow="fold")
    table.add_column("title / titel", overflow="fold")
    table.add_column("parameters / parametrar", overflow="fold")
    for q in catalogue:
        params = "\n".join(
            f"{p.name} ({p.type}) = {p.default}" if p.default else f"{p.name} ({p.type})" for p in q.params
        )
        title = q.summary if q.summary_sv == q.summary else f"{q.summary}\n[dim]{q.summary_sv}[/dim]"
        table.add_row(q.name, title, params or "–")
    console.print(table)


def query(
    name: Annotated[str, typer.Argument(help="A catalogue query name (`insatsgraf queries`) or a .rq file.")],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="key=value, repeatable; the key is the parameter name (org, county, …); org=0580, "
            "programme=komet, county=Sörmland or county=04 work as well as IRIs.",
        ),
    ] = None,
    format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="table, csv, tsv or json (SPARQL 1.1 Query Results JSON).",
        ),
    ] = OutputFormat.table,
    store: StoreOption = None,
) -> None:
    """Run one catalogue query (or a .rq file with the same header conventions) and print the result."""
    from insatsgraf.catalogue.queries import format_result, run_query

    with reported():
        params = parse_params(param or [])
        selected = resolve_query(name)
        settings, st = open_existing(store)
        with st:
            result = run_query(st, selected, params)
    if format is OutputFormat.table:
        print_table(selected, result, settings.base)
    else:
        typer.echo(format_result(result, format.value), nl=False)


def parse_params(items: list[str]) -> dict[str, str]:
    """``["org=https://…", "county=Östergötlands län"]`` → a dict; a missing ``=`` is a user error."""
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(
                f"--param {item!r}: write key=value",
                f"--param {item!r}: skriv nyckel=värde",
                code="bad-parameter",
            )
        params[key.strip()] = value
    return params


def resolve_query(name: str) -> CatalogueQuery:
    """A path to a ``.rq`` file, or a name in the catalogue."""
    from insatsgraf.catalogue.queries import Catalogue, CatalogueQuery

    path = Path(name)
    if name.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise UserError(f"no such file: {name}", f"filen finns inte: {name}", file=name, code="not-found")
        return CatalogueQuery.from_file(path)
    return Catalogue.load(settings_for(None).queries_dir).get(name)


def print_table(selected: CatalogueQuery, result: QueryResult, base: str = DEFAULT_BASE) -> None:
    if result.kind == "ask":
        console.print(str(result.boolean).lower())
        return
    if result.kind == "graph":
        assert result.graph is not None
        typer.echo(result.graph.serialize(format="turtle"))
        return
    headers, rows = table_view(selected, result, base)
    table = Table(
        title=selected.summary_sv if selected.summary_sv != selected.summary else selected.summary,
        caption=f"{len(result.rows)} rows / rader",
    )
    for header in headers:
        table.add_column(Text(header), overflow="fold")
    for line in rows:
        table.add_row(*(Text(cell) for cell in line))  # Text: a value is never read as rich markup
    console.print(table)


def table_view(
    selected: CatalogueQuery, result: QueryResult, base: str = DEFAULT_BASE
) -> tuple[list[str], list[list[str]]]:
    """What the table shows: a ``?xLabel`` column instead of ``?x`` beside it (the IRI when a row has no
    label), and for a ``#+ pivot:`` query one line per ``rows`` value with a column per ``columns`` value."""
    from insatsgraf.catalogue.queries import term_text

    table = [{var: term_text(row.get(var)) for var in result.vars} for row in result.rows]
    labelled = {var for var in result.vars if f"{var}Label" in result.vars}

    def shown(row: dict[str, str], var: str) -> str:
        if var in labelled:
            return row.get(f"{var}Label") or _short(row.get(var, ""), base)
        return _short(row.get(var, ""), base)

    pivot = selected.pivot
    if pivot and {pivot.rows, pivot.columns, pivot.value} <= set(result.vars):
        down, across = pivot.rows, pivot.columns
        if len({row.get(across, "") for row in table}) > len({row.get(down, "") for row in table}):
            down, across = across, down  # the longer side goes down the page: a terminal is narrow
        lines: dict[str, dict[str, str]] = {}
        line_names: dict[str, str] = {}
        columns: dict[str, str] = {}
        for row in table:
            key, column = row.get(down, ""), row.get(across, "")
            line_names.setdefault(key, shown(row, down))
            columns.setdefault(column, shown(row, across))
            lines.setdefault(key, {})[column] = row.get(pivot.value, "")
        order = sorted(columns, key=lambda c: columns[c].casefold())
        headers = [f"{down} × {across}", *(columns[c] for c in order)]
        down_order = sorted(lines, key=lambda k: line_names[k].casefold())
        return headers, [[line_names[k], *(lines[k].get(c, "–") for c in order)] for k in down_order]
    visible = [var for var in result.vars if not (var.endswith("Label") and var[: -len("Label")] in labelled)]
    return visible, [[shown(row, var) for var in visible] for row in table]


def _short(value: str, base: str) -> str:
    """IRIs under the base as ``id:…`` and ontology terms as ``ig:…``, so tables fit a terminal."""
    from insatsgraf.model.iris import IG

    if value.startswith(f"{base}id/"):
        return "id:" + value[len(base) + 3 :]
    if value.startswith(str(IG)):
        return "ig:" + value[len(str(IG)) :]
    return value
