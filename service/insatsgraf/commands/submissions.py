"""Submission commands: ingest, validate, submit, history, diff, template. Thin layers over the library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from insatsgraf.commands.common import StoreOption, console, err_console, open_or_exit, settings_for
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql.connect import is_directory_spec
from insatsgraf.sparql.store import Store, StoreError
from insatsgraf.submission.validate import ValidationFailed


class Format(StrEnum):
    text = "text"
    json = "json"


FileArg = Annotated[Path, typer.Argument(help="A CSV (UTF-8 or Windows-1252, , or ;), XLSX or Turtle file.")]
OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation id, e.g. 0580 or 0180-bromma.")]
FormatOption = Annotated[Format, typer.Option("--format", help="text for people, json for machines.")]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("validate")(validate)
    app.command("submit")(submit)
    app.command("history")(history)
    app.command("diff")(diff)
    app.command("template")(template)


def _fail(exc: UserError, fmt: Format = Format.text) -> typer.Exit:
    """Print a user error (the report for a failed validation) and choose the exit code: 1 invalid, 2 unreadable."""
    if fmt is Format.json:
        console.print_json(json.dumps(exc.to_json(), ensure_ascii=False))
    else:
        err_console.print(exc.text(), markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1 if isinstance(exc, ValidationFailed) else 2)


@contextmanager
def _loaded(store: str | None, fmt: Format) -> Iterator[tuple[Settings, Store]]:
    """The loaded store for one command, closed after it; a user error or a refused write is reported (exit
    1 or 2) with nothing changed."""
    settings, st = _open_loaded(store)
    try:
        yield settings, st
    except UserError as exc:
        raise _fail(exc, fmt) from exc
    except StoreError as exc:  # the store refused the one write: nothing was changed
        err_console.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from exc
    finally:
        st.close()


def _open_loaded(store: str | None) -> tuple[Settings, Store]:
    """Open the store and check the bundled reference data is there (validation needs the registers).

    A store directory that does not exist is an error, not created: these commands need a loaded store.
    """
    spec = settings_for(store).store
    if is_directory_spec(spec) and not Path(spec).is_dir():
        err_console.print(
            f"no store at {spec}: run `insatsgraf load` first (or pass --store) / "
            f"ingen databas i {spec}: kör `insatsgraf load` först (eller ange --store)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    settings, st = open_or_exit(store)
    if iris.graph("organisations", settings.base) not in st.graph_names():
        err_console.print(
            f"the store at {spec} has no organisation register: run `insatsgraf load` first / "
            f"databasen i {spec} saknar organisationsregistret: kör `insatsgraf load` först"
        )
        raise typer.Exit(2)
    return settings, st


def ingest(
    file: FileArg,
    org: OrgOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the Turtle here (default: print it).")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Record this submission date (YYYY-MM-DD) in the file.")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Turn a spreadsheet into Turtle (no validation, nothing written to the store)."""
    from insatsgraf.submission.lists import ingest_to_turtle

    settings = settings_for(store)
    try:
        text, graph = ingest_to_turtle(file, org, settings, issued=date)
    except UserError as exc:
        raise _fail(exc) from exc
    if out is None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out} ({len(graph)} triples)")


def validate(
    file: FileArg, org: OrgOption = None, format: FormatOption = Format.text, store: StoreOption = None
) -> None:
    """Validate a spreadsheet or Turtle file with the SHACL shapes: exit 0 conforms, 1 does not, 2 unreadable."""
    from insatsgraf.submission.lists import check_org
    from insatsgraf.submission.validate import validate_file

    with _loaded(store, format) as (settings, st):
        if org is not None:
            check_org(st, settings, org)
        report = validate_file(file, st, settings, org=org)
    if format is Format.json:
        console.print_json(report.dumps())
    else:
        console.print(report.text(), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if report.conforms else 1)


def submit(
    file: FileArg,
    org: OrgOption = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Submission date YYYY-MM-DD (default today).")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who submits (a name), recorded in the provenance.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Submit even though the file name starts with another organisation's id than --org.",
        ),
    ] = False,
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Validate a file and make it the organisation's current data, keeping the previous one in history.

    A file whose name starts with another organisation's id (0486-… with --org 0580) is refused unless --force.
    """
    from insatsgraf.submission.lists import submit_file
    from insatsgraf.submission.naming import check_file_name

    with _loaded(store, format) as (settings, st):
        check_file_name(file.name, org, settings, force=force)
        result = submit_file(st, settings, file, org, date, by)
    if format is Format.json:
        console.print_json(json.dumps(result.to_json(), ensure_ascii=False))
        return
    console.print(
        f"accepted / godkänd: {result.submission} ({result.offerings} offerings, {result.triples} triples)",
        soft_wrap=True,
    )
    if result.report.warnings:
        console.print(result.report.text(), markup=False, highlight=False, soft_wrap=True)


def history(
    org: Annotated[str, typer.Option("--org", help="Organisation id.")],
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """List an organisation's accepted submissions, oldest first."""
    from insatsgraf.submission.lists import check_org
    from insatsgraf.submission.lists import history as run_history

    with _loaded(store, format) as (settings, st):
        check_org(st, settings, org)
        rows = run_history(st, org, settings)
    if format is Format.json:
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        console.print(f"organisation {org} has no submissions / har inga inrapporteringar")
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        console.print(
            f"{mark} {str(row['submission']).rsplit('/', 1)[-1]}  {row['offerings']} offerings  "
            f"{row['file']}  sha256 {str(row['sha256'])[:12]}  {row['by'] or ''}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def diff(
    org: Annotated[str, typer.Option("--org", help="Organisation id.")],
    from_: Annotated[
        str | None, typer.Option("--from", help="Date (or date-n) of the older submission.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Date (or date-n) of the newer one (default: current).")
    ] = None,
    format: FormatOption = Format.text,
    store: StoreOption = None,
) -> None:
    """Offerings added, removed and changed between two submissions (default: the last two)."""
    from insatsgraf.submission.lists import check_org
    from insatsgraf.submission.lists import diff as run_diff

    with _loaded(store, format) as (settings, st):
        check_org(st, settings, org)
        result = run_diff(st, org, from_, to, settings)
    if format is Format.json:
        console.print_json(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        console.print(result.text(), markup=False, highlight=False, soft_wrap=True)


def template(
    out: Annotated[Path, typer.Option("--out", help="Where to write the template (.xlsx).")],
    store: StoreOption = None,
) -> None:
    """Write the XLSX submission template: headers, an explanation sheet and drop-down lists."""
    from insatsgraf.submission.template import write_template

    settings = settings_for(store)
    write_template(out, settings)
    console.print(f"wrote {out}")
