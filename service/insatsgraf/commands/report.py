"""``insatsgraf report``: the charts page (``GET /charts``, or ``GET /charts/organisation/{id}`` with ``--org``) as
one standalone HTML file, CSS inlined."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from insatsgraf.commands.common import StoreOption, console, err_console, open_existing, reported


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    county: Annotated[
        str | None,
        typer.Option(
            "--county",
            help="County / län: its name, short name (Sörmland) or code (04); default: the charts page's "
            "(Östergötlands län).",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The HTML file to write; '-' prints it.",
        ),
    ] = Path("insatsgraf-report.html"),
    org: Annotated[
        str | None,
        typer.Option(
            "--org", help="One organisation's page instead (an id such as 0580 or 0180-bromma, or a name)."
        ),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write the charts of one county (prevention levels, coverage matrix), or with --org the page of one
    organisation (offerings, figures against the county and comparison groups, per capita), as one HTML file."""
    with reported():
        html = run_organisation_report(store, org) if org else run_report(store, county)
    if str(out) == "-":
        typer.echo(html, nl=False)
        return
    try:
        write_atomically(out, html)
    except OSError as exc:
        err_console.print(
            f"cannot write {out}: {exc.strerror} / kan inte skriva {out}: {exc.strerror}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(2) from exc
    console.print(f"wrote / skrev {out}", markup=False, highlight=False)


def run_report(store: str | None, county: str | None) -> str:
    """The standalone page; an on-disk store is opened read-only, like ``insatsgraf query`` does."""
    from insatsgraf.catalogue.queries import Catalogue
    from insatsgraf.publication.charts import DEFAULT_COUNTY, build_page, render_html

    settings, st = open_existing(store)
    try:
        page = build_page(st, Catalogue.load(settings.queries_dir), county or DEFAULT_COUNTY)
    finally:
        st.close()
    return render_html(page, standalone=True)


def run_organisation_report(store: str | None, org: str) -> str:
    """The standalone organisation page (``GET /charts/organisation/{id}``)."""
    from insatsgraf.catalogue.queries import Catalogue
    from insatsgraf.publication import organisation_charts

    settings, st = open_existing(store)
    try:
        page = organisation_charts.build_page(st, Catalogue.load(settings.queries_dir), org)
    finally:
        st.close()
    return organisation_charts.render_html(page, standalone=True)


def write_atomically(path: Path, text: str) -> None:
    """All or nothing: a failed write leaves no half file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is for sharing
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
