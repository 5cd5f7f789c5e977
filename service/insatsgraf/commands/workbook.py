"""``insatsgraf workbook --org ID``: the confirm-your-list workbook (``submission/workbook.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from insatsgraf.commands.common import StoreOption, console, open_existing, reported


def register(app: typer.Typer) -> None:
    app.command("workbook")(workbook)


def workbook(
    org: Annotated[str, typer.Option("--org", help="Organisation id, e.g. 0580.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write it (default {org}-bekrafta.xlsx).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write an organisation's current list as a pre-filled XLSX to confirm; send it back with `submit`."""
    from insatsgraf.submission.workbook import write_workbook

    with reported():
        settings, st = open_existing(store)
        try:
            path = write_workbook(st, settings, org, out or Path(f"{org}-bekrafta.xlsx"))
        finally:
            st.close()
    console.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
