"""Commands for the knowledge model: build the catalogue from CSV, load the bundled data, run the reasoner."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from insatsgraf.commands.common import StoreOption, console, err_console, open_or_exit, reported, settings_for
from insatsgraf.errors import UserError
from insatsgraf.sparql.store import StoreError


def register(app: typer.Typer) -> None:
    app.command("build-catalogue")(build_catalogue)
    app.command("load")(load)
    app.command("reason")(reason)


def build_catalogue(
    domain: Annotated[
        Path | None,
        typer.Option(
            help="Folder with programmes.csv and organisations.csv (default: INSATSGRAF_DOMAIN or data/reference)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default data/ttl).")] = None,
) -> None:
    """Generate data/ttl/catalogue.ttl and organisations.ttl from the CSV files in data/reference."""
    from insatsgraf.model.reference import write_all

    settings = settings_for(None)
    with reported():
        written = write_all(domain or settings.domain, out or settings.data_dir)
    for path, count in written.items():
        console.print(f"wrote {path} ({count} triples)")


def load(
    store: StoreOption = None,
    examples: Annotated[
        bool,
        typer.Option(
            "--examples",
            help="Also submit the fictional example municipalities in data/examples (for demos; "
            "not real data).",
        ),
    ] = False,
) -> None:
    """(Re)load the bundled ontology, vocabularies, catalogue, organisations and submissions into the store."""
    from rich.progress import BarColumn, Progress, TextColumn

    from insatsgraf.submission.bundled import load_bundled, load_steps

    settings, st = open_or_exit(store)
    total = load_steps(settings, examples=examples)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}")
    ) as bar:
        task = bar.add_task("loading", total=total)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=f"loading {name}")

        try:
            counts = load_bundled(st, settings, progress=step, examples=examples)
        except (StoreError, UserError) as exc:
            err_console.print(
                f"[red]error:[/red] loading stopped: {exc}\n"
                "Each graph that was written is complete; run `insatsgraf load` again when fixed."
            )
            raise typer.Exit(2) from exc
    st.close()
    console.print(f"loaded {sum(counts.values())} triples into {len(counts)} graphs at {settings.store}")


def reason(
    data: Annotated[
        list[Path] | None, typer.Argument(help="Extra Turtle files to reason over with the bundled data.")
    ] = None,
) -> None:
    """Check the ontology and bundled data with the HermiT reasoner (needs Java); list what it inferred."""
    from insatsgraf.model.reasoning import ReasoningError, check_consistency
    from insatsgraf.submission.bundled import bundled_graphs, bundled_submissions

    settings = settings_for(None)
    files = [path for _, path in bundled_graphs(settings)] + bundled_submissions(settings) + list(data or [])
    try:
        report = check_consistency(files[0], files[1:], base=settings.base)
    except ReasoningError as exc:
        err_console.print(f"[red]HermiT refused the input:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"consistent: {report.consistent}; inferred class memberships: {len(report.inferred)}")
    for line in report.inferred:
        console.print(f"  {line}")
    if not report.consistent:
        raise typer.Exit(1)
