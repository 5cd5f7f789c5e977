"""Submission commands: ingest, validate, submit, history, diff, template. Thin layers over the library."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from insatsgraf.commands.common import StoreOption, console, err_console, open_or_exit, settings_for
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.store import StoreError

if TYPE_CHECKING:  # the submission stage (rdflib, pyshacl) only in the commands that run it
    from insatsgraf.sparql.store import Store
    from insatsgraf.submission.lists import SubmitResult


def _invalid(exc: UserError) -> bool:
    """A failed validation (exit 1), not an unreadable file (exit 2)."""
    from insatsgraf.submission.validate import ValidationFailed

    return isinstance(exc, ValidationFailed)


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
    return typer.Exit(1 if _invalid(exc) else 2)


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
    from insatsgraf.model import iris
    from insatsgraf.sparql.connect import is_directory_spec

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


SUBMITTABLE = (".csv", ".xlsx", ".ttl")
"""The files a directory given to ``submit`` contributes (hidden files and others are left out)."""


def submit(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="CSV (UTF-8 or Windows-1252, , or ;), XLSX or Turtle files, or directories of them "
            "(their .csv, .xlsx and .ttl files, by name)."
        ),
    ],
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
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="Review state recorded on the submission: utkast, 'skickad för bekräftelse' or bekräftad "
            "(with --by: who confirmed).",
        ),
    ] = None,
) -> None:
    """Validate a file and make it the organisation's current data, keeping the previous one in history.

    A file whose name starts with another organisation's id (0486-… with --org 0580) is refused unless --force.
    Several files (or a directory) are submitted in one go, each on its own: a refused file changes nothing
    and does not stop the others; a summary lists the refusals, and the exit code is 1 or 2 if any was refused.
    """
    if len(files) == 1 and not files[0].is_dir():
        submit_one(files[0], org, date, by, force, format, store, state=state)
        return
    if state is not None:
        err_console.print("--state applies to one file / --state gäller en fil", markup=False)
        raise typer.Exit(2)
    paths = expand_files(files)
    settings, st = _open_loaded(store)
    try:
        outcomes = submit_many(
            st, settings, paths, org, date, by, force=force, show_progress=format is Format.text
        )
    finally:
        st.close()
    report_many(outcomes, format)
    raise typer.Exit(max((o.exit_code for o in outcomes), default=0))


def submit_one(
    file: Path,
    org: str | None,
    date: str | None,
    by: str | None,
    force: bool,
    format: Format,
    store: str | None,
    *,
    state: str | None = None,
) -> None:
    """One file, reported in full (the validation report on a refusal)."""
    from insatsgraf.submission.lists import submit_file
    from insatsgraf.submission.naming import check_file_name

    with _loaded(store, format) as (settings, st):
        check_file_name(file.name, org, settings, force=force)
        result = submit_file(st, settings, file, org, date, by, state=state)
    if format is Format.json:
        console.print_json(json.dumps(result.to_json(), ensure_ascii=False))
        return
    console.print(
        f"accepted / godkänd: {result.submission} ({result.offerings} offerings, {result.triples} triples)",
        soft_wrap=True,
    )
    if result.report.warnings:
        console.print(result.report.text(), markup=False, highlight=False, soft_wrap=True)


def expand_files(files: list[Path]) -> list[Path]:
    """The files given, a directory replaced by its submittable files sorted by name; each once."""
    out: list[Path] = []
    for path in files:
        if path.is_dir():
            out.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in SUBMITTABLE and not p.name.startswith(".")
                )
            )
        else:
            out.append(path)
    return list(dict.fromkeys(out))


@dataclass
class Outcome:
    """What became of one file of a bulk submission: its result, or the error that refused it."""

    file: Path
    result: SubmitResult | None = None
    error: UserError | None = None

    @property
    def exit_code(self) -> int:
        if self.error is None:
            return 0
        return 1 if _invalid(self.error) else 2

    def to_json(self) -> dict[str, object]:
        if self.result is not None:
            return {**self.result.to_json(), "file": str(self.file), "accepted": True}
        assert self.error is not None
        return {**self.error.to_json(), "file": str(self.file), "accepted": False}


def submit_many(
    st: Store,
    settings: Settings,
    paths: list[Path],
    org: str | None = None,
    date: str | None = None,
    by: str | None = None,
    *,
    force: bool = False,
    show_progress: bool = False,
) -> list[Outcome]:
    """Submit each file in this one process, each in its own write (all of the file or none of it): a refused
    file is recorded and the next one goes on. ``show_progress`` draws a bar on stderr.

    While one list is written (``commit``, in a writer thread: the store works outside the GIL), the next is
    read and validated (``prepare``); lists are written in their order, so two lists of one organisation
    follow each other in its history. One catalogue serves the batch (a list changes no programme, label or
    decision) and the embedded store flushes once at the end (``OxigraphStore.batch``)."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from insatsgraf.harmonisation.matcher import Catalogue
    from insatsgraf.sparql.embedded import OxigraphStore
    from insatsgraf.submission.ingest import read_source
    from insatsgraf.submission.lists import commit, prepare
    from insatsgraf.submission.naming import check_file_name

    outcomes: list[Outcome] = []
    pending: list[tuple[Outcome, Future[SubmitResult]]] = []
    catalogue = Catalogue.from_store(st)
    batch = st.batch() if isinstance(st, OxigraphStore) else nullcontext()

    def refuse(outcome: Outcome, exc: UserError | StoreError) -> None:
        if isinstance(exc, UserError):
            outcome.error = exc if exc.file else _with_file(exc, outcome.file.name)
        else:  # the store refused this file's one write: this file changed nothing
            outcome.error = UserError(
                f"the store refused the write: {exc}",
                f"databasen avvisade skrivningen: {exc}",
                file=outcome.file.name,
                code="store-error",
            )

    def settle() -> None:
        """Wait for the oldest write and record how it went."""
        outcome, future = pending.pop(0)
        try:
            outcome.result = future.result()
        except (UserError, StoreError) as exc:
            refuse(outcome, exc)
        progress.advance(task)

    with (
        batch,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[file]}"),
            console=err_console,
            disable=not show_progress,
            transient=True,
        ) as progress,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="insatsgraf-commit") as writer,
    ):
        task = progress.add_task("submit / lämnar in", total=len(paths), file="")
        try:
            for path in paths:
                progress.update(task, file=path.name)
                outcome = Outcome(path)
                outcomes.append(outcome)
                try:
                    check_file_name(path.name, org, settings, force=force)
                    data, name = read_source(path, None, settings)
                    prepared = prepare(st, settings, data, name, org, date, by)
                except UserError as exc:
                    refuse(outcome, exc)
                    progress.advance(task)
                    continue
                while len(pending) >= 2:  # at most one list validated ahead of the one being written
                    settle()
                pending.append((outcome, writer.submit(commit, st, prepared, settings, catalogue=catalogue)))
                while pending and pending[0][1].done():
                    settle()
        finally:
            while pending:
                settle()
    return outcomes


def _with_file(exc: UserError, name: str) -> UserError:
    """The error with the file it is about (an error raised before the file was read names none)."""
    exc.file = name
    return exc


def report_many(outcomes: list[Outcome], format: Format) -> None:
    """JSON: one object per file. Text: the count, then a table of the refused files and why."""
    if format is Format.json:
        console.print_json(json.dumps([o.to_json() for o in outcomes], ensure_ascii=False))
        return
    accepted = [o for o in outcomes if o.result is not None]
    refused = [o for o in outcomes if o.error is not None]
    offerings = sum(o.result.offerings for o in accepted if o.result is not None)
    console.print(
        f"accepted / godkända: {len(accepted)} of / av {len(outcomes)} files / filer "
        f"({offerings} offerings / insatser); refused / avvisade: {len(refused)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if not refused:
        return
    table = Table(title="refused / avvisade", title_justify="left")
    table.add_column("file / fil", overflow="fold")
    table.add_column("reason / orsak", overflow="fold")
    for outcome in refused:
        assert outcome.error is not None
        reason = outcome.error.en if not outcome.error.sv else f"{outcome.error.en}\n{outcome.error.sv}"
        table.add_row(Text(str(outcome.file)), Text(reason))
    console.print(table)


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
            f"{row['file']}  sha256 {str(row['sha256'])[:12]}  {row['by'] or ''}"
            + (f"  [{row['state_label']} {row['generated']}]" if row.get("state_label") else ""),
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
