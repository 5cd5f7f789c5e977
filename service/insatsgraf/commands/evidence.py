"""``insatsgraf evidence``: import a curator's table of registry ratings, list the assessments, their history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from insatsgraf.commands.common import StoreOption, console
from insatsgraf.commands.submissions import Format, FormatOption, _loaded

evidence_app = typer.Typer(
    help="Evidence assessments: registry ratings of catalogue programmes (import, list, history).",
    no_args_is_help=True,
)

CollectionOption = Annotated[
    str,
    typer.Option(
        "--collection", help="The collection the file replaces (default: assessments); another name adds one."
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


@evidence_app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or XLSX: programme,registry,rating,date,url[,outcome,direction,population,note,registry_page]."
        ),
    ],
    by: Annotated[
        str | None, typer.Option("--by", envvar="INSATSGRAF_USER", help="Who imports (recorded, PROV-O).")
    ] = None,
    collection: CollectionOption = "assessments",
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Check every row (programme in the catalogue, registry known, rating on its scale, date, links) and store
    the file as one collection, with history; the first bad cell is reported (exit 2) and nothing is written."""
    from insatsgraf.submission import evidence

    with _loaded(store, format) as (settings, st):
        done = evidence.import_file(st, settings, file, key=collection, by=by)
    if format is Format.json:
        console.print_json(json.dumps(done.to_json(), ensure_ascii=False))
        return
    console.print(
        f"imported / importerade {file.name}: {done.triples} triples into evidence/{done.collection.key} "
        f"({done.submission.rsplit('/', 1)[-1]})",
        markup=False,
        highlight=False,
    )


@evidence_app.command("list")
def list_(format: FormatOption = Format.text, store: StoreOption = None) -> None:
    """Every assessment in the store, newest first, with its crosswalk level."""
    from insatsgraf.submission import evidence

    with _loaded(store, format) as (_settings, st):
        rows = evidence.assessments(st)
    if format is Format.json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        console.print("no assessments / inga bedömningar: import some with `insatsgraf evidence import FILE`")
        return
    table = Table("programme", "registry", "rating", "crosswalk", "date", "url", "outcome", "direction")
    for row in rows:
        table.add_row(*(row.get(c) or "" for c in evidence.LIST_COLUMNS))
    console.print(table)


@evidence_app.command("history")
def history(
    collection: CollectionOption = "assessments",
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Every import of a collection, oldest first (* = current)."""
    from insatsgraf.submission import curated

    with _loaded(store, format) as (settings, st):
        rows = curated.history(st, curated.Collection("evidence", collection), settings.base)
    if format is Format.json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        console.print(
            f"{mark} {str(row['submission']).rsplit('/', 1)[-1]}  {row['file']}  sha256 "
            f"{str(row['sha256'])[:12]}  {row['by'] or ''}",
            markup=False,
            highlight=False,
        )
