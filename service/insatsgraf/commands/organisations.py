"""``insatsgraf organisations add|import|list|history``: the register, and organisations registered while
the service runs (``submission/register.py``). Thin layers over the library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from insatsgraf.commands.common import StoreOption, console
from insatsgraf.commands.submissions import Format, FormatOption, _loaded

organisations_app = typer.Typer(
    help="The organisation register: list it, register providers, schools, civil-society organisations, "
    "districts and administrations (add, import), and see the registrations (history).",
    no_args_is_help=True,
)

ByOption = Annotated[
    str | None, typer.Option("--by", envvar="INSATSGRAF_USER", help="Who registers (PROV-O).")
]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Date of the registration (YYYY-MM-DD; today).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(organisations_app, name="organisations")


@organisations_app.command("list")
def list_(
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="Only this kind: kommun, region, stadsdelsforvaltning, skola, …"),
    ] = None,
    county: Annotated[
        str | None, typer.Option("--county", help="Only this county: name, short name or code.")
    ] = None,
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """List the register's organisations (bundled and registered), by id."""
    from insatsgraf.submission.register import list_organisations

    with _loaded(store, format) as (settings, st):
        rows = list_organisations(st, settings, kind, county)
    if format is Format.json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("id", "name", "kind", "part_of", "county", "source", title=f"{len(rows)} organisations")
    for row in rows:
        table.add_row(row["id"], row["name"], row["kind"], row["part_of"], row["county"], row["source"])
    console.print(table)


@organisations_app.command("add")
def add(
    id_: Annotated[str, typer.Option("--id", help="The new id: a-z, digits, hyphens (0580-skola-ekholmen).")],
    name: Annotated[str, typer.Option("--name", help="The name, in Swedish.")],
    kind: Annotated[
        str, typer.Option("--kind", help="skola, privat-utforare, civilsamhalle, forvaltning, …")
    ],
    part_of: Annotated[
        str | None, typer.Option("--part-of", help="Id of the organisation it belongs to (e.g. 0580).")
    ] = None,
    county: Annotated[str | None, typer.Option("--county", help="County: name, short name or code.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note (English).")] = None,
    by: ByOption = None,
    date: DateOption = None,
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Register one organisation (checked by the register's shapes; a history entry and PROV record)."""
    from insatsgraf.submission.register import register_one

    fields = {
        "id": id_,
        "name": name,
        "kind": kind,
        "part_of": part_of or "",
        "county": county or "",
        "note": note or "",
    }
    with _loaded(store, format) as (settings, st):
        result = register_one(st, settings, fields, by=by, day=date)
    _done(result.to_json(), format)


@organisations_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX with the columns of organisations.csv.")],
    by: ByOption = None,
    date: DateOption = None,
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Register every row of a file (id, name, kind, part_of, county, note): all or nothing."""
    from insatsgraf.submission.register import read_file, register_file

    with _loaded(store, format) as (settings, st):
        data, name = read_file(file, settings)
        result = register_file(st, settings, data, name, by=by, day=date)
    _done(result.to_json(), format)


@organisations_app.command("history")
def history(format: FormatOption = Format.text, store: StoreOption = None) -> None:
    """Every registration, oldest first (* = the current state of the registered organisations)."""
    from insatsgraf.submission.register import history as run_history

    with _loaded(store, format) as (settings, st):
        rows = run_history(st, settings)
    if format is Format.json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        console.print(
            f"{mark} {str(row['submission']).rsplit('/', 1)[-1]}  {row['file']}  {row['generated']}  {row['by'] or ''}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _done(result: dict[str, object], fmt: Format) -> None:
    if fmt is Format.json:
        console.print_json(json.dumps(result, ensure_ascii=False))
        return
    ids = result["registered"]
    assert isinstance(ids, list)
    console.print(
        f"registered / registrerade {len(ids)}: {', '.join(ids)} ({result['submission']})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
