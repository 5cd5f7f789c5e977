"""Options and helpers every command shares.

The command modules import rdflib, pyshacl, FastAPI and the stages that use them inside the commands that
need them, so ``insatsgraf --help`` (and every start) skips them (``tests/test_cli_start.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.store import StoreError

if TYPE_CHECKING:
    from insatsgraf.sparql.store import Store

console = Console()
err_console = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="INSATSGRAF_STORE",
        help="Store: a directory, 'memory:' or sparql+http://host/sparql.",
    ),
]


def settings_for(store: str | None) -> Settings:
    settings = Settings()
    return settings.with_(store=store) if store else settings


def open_or_exit(store: str | None, *, read_only: bool = False) -> tuple[Settings, Store]:
    """Open the store or print why not and exit 2."""
    from insatsgraf.sparql.connect import open_store

    settings = settings_for(store)
    try:
        return settings, open_store(settings, read_only=read_only)
    except StoreError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def open_existing(store: str | None) -> tuple[Settings, Store]:
    """Open a store that must already hold data; an on-disk one read-only, so it never blocks a writer.

    Raises ``UserError`` when the directory is not there (rather than creating an empty store).
    """
    from insatsgraf.sparql.connect import is_directory_spec

    settings = settings_for(store)
    on_disk = is_directory_spec(settings.store)
    if on_disk and not Path(settings.store).is_dir():
        raise UserError(
            f"no store at {settings.store}: run `insatsgraf load` first",
            f"ingen databas i {settings.store}: kör `insatsgraf load` först",
            code="no-store",
        )
    return open_or_exit(store, read_only=on_disk)


@contextmanager
def reported() -> Iterator[None]:
    """A user error or a store failure becomes its message on stderr and exit 2, not a traceback."""
    try:
        yield
    except UserError as exc:
        err_console.print(exc.text(), markup=False, highlight=False)
        raise typer.Exit(2) from exc
    except StoreError as exc:
        err_console.print(f"error / fel: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from exc
