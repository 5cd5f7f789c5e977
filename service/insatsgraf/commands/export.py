"""``insatsgraf export``: the published data as a dump, or its DCAT-AP-SE / VoID description."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from insatsgraf.commands.common import StoreOption, console, err_console, open_or_exit

FORMAT_HELP = "ttl | nt | jsonld | trig (data, trig keeps graph names) | dcat (DCAT-AP-SE) | void (VoID)."


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    format: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "ttl",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (default: stdout).")
    ] = None,
    include_history: Annotated[
        bool, typer.Option(help="Add every accepted submission's history graph.")
    ] = False,
    include_internal: Annotated[bool, typer.Option(help="Add the decisions and provenance graphs.")] = False,
    store: StoreOption = None,
) -> None:
    """Export the published graphs (no history, decisions or provenance unless asked for)."""
    from insatsgraf.publication import dcat
    from insatsgraf.publication.dumps import DESCRIPTIONS, EXPORT_FORMATS, unknown_format, write_dump

    if format not in EXPORT_FORMATS:
        err_console.print(f"[red]error:[/red] {unknown_format(format)}")
        raise typer.Exit(2)
    # Read-only, so an export can run while `insatsgraf serve` holds the store; the process ends right after,
    # so the store is not closed (closing flushes, which a read-only store refuses).
    settings, st = open_or_exit(store, read_only=True)
    flags = {"include_history": include_history, "include_internal": include_internal}
    if out is None:
        if format in DESCRIPTIONS:
            typer.echo(dcat.description_turtle(st, format, settings).decode("utf-8"), nl=False)
        else:
            sys.stdout.flush()
            write_dump(st, format, sys.stdout.buffer, **flags)  # streamed: a national dump is not held
            sys.stdout.buffer.flush()
        return
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("wb") as f:
            if format in DESCRIPTIONS:
                f.write(dcat.description_turtle(st, format, settings))
            else:
                write_dump(st, format, f, **flags)
        tmp.replace(out)  # never a half-written file under the final name
    finally:
        tmp.unlink(missing_ok=True)
    console.print(f"wrote {out} ({out.stat().st_size} bytes, {format})", highlight=False)
