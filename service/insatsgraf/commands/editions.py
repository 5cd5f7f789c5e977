"""``insatsgraf catalogue import|history|diff``: editions of the national catalogue (``submission/editions.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from insatsgraf.commands.common import (
    StoreOption,
    console,
    err_console,
    open_existing,
    open_or_exit,
    reported,
)
from insatsgraf.commands.submissions import Format, FormatOption
from insatsgraf.errors import UserError

catalogue_app = typer.Typer(
    help="Editions of the national catalogue: import, history, diff.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(catalogue_app, name="catalogue")


@catalogue_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="A CSV or XLSX list, one entry per row (columns of programmes.csv).")
    ],
    edition: Annotated[
        str | None, typer.Option("--edition", help="The edition's name (default: the file name).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who imports it (kept as personal data).")] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="The edition's date, YYYY-MM-DD (default today).")
    ] = None,
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Make a national list the catalogue's new edition; dropped entries stay, deprecated; mappings re-derived."""
    from insatsgraf.submission.editions import import_edition

    settings, st = open_or_exit(store)
    try:
        result = import_edition(st, settings, file, edition=edition, day=date, by=by)
    except UserError as exc:
        if format is Format.json:
            console.print_json(json.dumps(exc.to_json(), ensure_ascii=False))
        else:
            err_console.print(exc.text(), markup=False, highlight=False, soft_wrap=True)
        from insatsgraf.submission.validate import ValidationFailed

        raise typer.Exit(1 if isinstance(exc, ValidationFailed) else 2) from exc
    finally:
        st.close()
    if format is Format.json:
        console.print_json(json.dumps(result.to_json(), ensure_ascii=False))
        return
    console.print(
        f"edition {result.edition}: {result.entries} entries, {result.deprecated} kept as deprecated, "
        f"{result.mappings} mapping graphs derived ({result.imported.submission})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@catalogue_app.command("history")
def history(format: FormatOption = Format.text, store: StoreOption = None) -> None:
    """List the catalogue's editions, oldest first (* = current)."""
    from insatsgraf.submission.editions import history as run_history

    with reported():
        settings, st = open_existing(store)
        try:
            rows = run_history(st, settings)
        finally:
            st.close()
    if format is Format.json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        console.print(
            f"{mark} {str(row['submission']).rsplit('/', 1)[-1]}  {row['edition']}  {row['entries']} entries"
            f" ({row['deprecated']} deprecated)  {row['file']}  {row['by'] or ''}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@catalogue_app.command("diff")
def diff(
    older: Annotated[
        str | None, typer.Argument(help="An edition: its name, date or stamp (default: the one before).")
    ] = None,
    newer: Annotated[str | None, typer.Argument(help="Another edition (default: the current one).")] = None,
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Entries added, removed and changed (with which fields) between two editions (default: the last two)."""
    from insatsgraf.submission.editions import diff as run_diff

    with reported():
        settings, st = open_existing(store)
        try:
            result = run_diff(st, settings, older, newer)
        finally:
            st.close()
    if format is Format.json:
        console.print_json(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        console.print(result.text(), markup=False, highlight=False, soft_wrap=True)
