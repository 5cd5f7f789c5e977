"""``insatsgraf statistics``: import a table of figures (the Data Cube), list the tables, define a comparison group."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from insatsgraf.commands.common import StoreOption, console, open_existing, open_or_exit, reported

statistics_app = typer.Typer(
    help="Figures beside the offerings (RDF Data Cube): import a table, list the tables, define a comparison "
    "group such as R9.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(statistics_app, name="statistics")


@statistics_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV or XLSX: org, period, measure, value (+ optional columns).")
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="Where the figures come from, e.g. 'Socialstyrelsen, Öppna jämförelser'."
        ),
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who imports (recorded in the provenance).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    store: StoreOption = None,
) -> None:
    """Check every row (file, row and column named on a fault) and write the table as one qb:DataSet, replacing
    an earlier import of the same source and period; nothing is written when any row is refused."""
    from insatsgraf.submission import statistics

    settings, st = open_or_exit(store)
    try:
        with reported():
            done = statistics.import_table(st, settings, file, source=source, by=by)
    finally:
        st.close()
    if as_json:
        typer.echo(json.dumps(done.to_json(), ensure_ascii=False))
        return
    replaced = f" (replaces / ersätter {done.previous})" if done.previous else ""
    console.print(
        f"imported / importerade {done.collection.key}: {done.triples} triples / tripler{replaced}",
        markup=False,
        highlight=False,
    )


@statistics_app.command("group")
def group(
    name: Annotated[str, typer.Argument(help="The group's name, e.g. R9.")],
    org: Annotated[list[str], typer.Option("--org", help="A member (id or name); repeat for each.")],
    by: Annotated[str | None, typer.Option("--by", help="Who records it.")] = None,
    store: StoreOption = None,
) -> None:
    """Record (or replace) a comparison group: a named set of organisations of the register."""
    from insatsgraf.submission import statistics

    settings, st = open_or_exit(store)
    try:
        with reported():
            done = statistics.define_group(st, settings, name, org, by=by)
    finally:
        st.close()
    console.print(f"recorded / registrerade {done.collection.key}", markup=False, highlight=False)


@statistics_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
    store: StoreOption = None,
) -> None:
    """The statistics tables and comparison groups in the store, with their current import."""
    from insatsgraf.submission import statistics

    with reported():
        settings, st = open_existing(store)
        try:
            rows = statistics.list_tables(st, settings)
        finally:
            st.close()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("key / nyckel", "observations", "imports / importer", "file / fil", "date / datum")
    for row in rows:
        table.add_row(
            str(row["key"]), str(row["observations"]), str(row["imports"]), str(row["file"]), str(row["date"])
        )
    console.print(table)
