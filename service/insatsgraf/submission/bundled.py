"""Load the bundled data (``ontology/`` and ``data/ttl/``) into a store, each file in its named graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Graph

from insatsgraf.config import Settings
from insatsgraf.harmonisation import decisions, mapping
from insatsgraf.model import iris
from insatsgraf.model.rdf import read_turtle
from insatsgraf.sparql.store import Store
from insatsgraf.submission import statistics
from insatsgraf.submission.editions import NATIONAL, load_bundled_edition
from insatsgraf.submission.lists import load_bundled_submission, replay

Progress = Callable[[str], None]


def bundled_graphs(settings: Settings) -> list[tuple[str, Path]]:
    """(graph name, file) for every bundled file outside the submissions, in load order."""
    base = settings.base
    pairs = [
        (iris.graph("ontology", base), settings.ontology_dir / "insatsgraf.ttl"),
        (iris.graph("vocabularies", base), settings.data_dir / "vocabularies.ttl"),
        (iris.graph("partner-kinds", base), settings.data_dir / "partner-kinds.ttl"),
        (iris.graph("catalogue", base), settings.data_dir / "catalogue.ttl"),
        (iris.graph("organisations", base), settings.data_dir / "organisations.ttl"),
        (iris.graph("decisions", base), settings.data_dir / "decisions.ttl"),
        (iris.graph("evidence-scales", base), settings.data_dir / "evidence-scales.ttl"),  # issue 17
        (iris.graph("statistics-structure", base), settings.data_dir / "statistics-structure.ttl"),
    ]
    return [(name, path) for name, path in pairs if path.exists()]


def bundled_submissions(settings: Settings) -> list[Path]:
    """Bundled submissions (``data/ttl/submissions/*.ttl``), oldest first by file name."""
    return sorted((settings.data_dir / "submissions").glob("*.ttl"))


EXAMPLE_AGENT = "insatsgraf exempeldata (fiktiv) / example data (fictional)"
"""Who the example submissions say submitted them, so nobody mistakes them for an organisation's own list."""


def bundled_statistics(settings: Settings, *, examples: bool = False) -> list[Path]:
    """Statistics tables (``data/reference/statistics/*.csv``, comparison groups first), and with ``examples``
    the fictional ones (``data/examples/statistics/*.csv``)."""
    folders = [settings.domain / "statistics", *([settings.examples_dir / "statistics"] if examples else [])]
    found = [p for folder in folders for p in sorted(folder.glob("*.csv"))]
    return sorted(found, key=lambda p: (p.name != statistics.GROUPS_FILE, found.index(p)))


def example_submissions(settings: Settings) -> list[Path]:
    """Fictional example spreadsheets (``data/examples/<org>-<name>-<YYYY-MM-DD>.csv``), by organisation and date."""
    return sorted(settings.examples_dir.glob("*.csv"))


def load_steps(settings: Settings, *, examples: bool = False) -> int:
    """How many times ``load_bundled`` reports progress: each bundled file, submission, example and statistics
    table, and the mapping step (the command's progress bar counts to it)."""
    return (
        len(bundled_graphs(settings))
        + len(bundled_submissions(settings))
        + (len(example_submissions(settings)) if examples else 0)
        + len(bundled_statistics(settings, examples=examples))
        + 1
    )


def load_bundled(
    store: Store, settings: Settings, progress: Progress | None = None, *, examples: bool = False
) -> dict[str, int]:
    """(Re)load the reference graphs, replay the bundled submissions and, if asked, the fictional examples.

    Returns triples per graph written. Each step is one transaction; replaying a file already submitted
    is skipped, so loading twice changes nothing. Last, every organisation's mapping graph is derived again
    (the catalogue or the decisions file may have changed while the submissions did not).
    """
    counts: dict[str, int] = {}
    graphs: dict[str, Graph | None] = {}
    catalogue = NATIONAL.graph(settings.base)  # an edition with history (editions.py), not a plain graph
    for name, path in bundled_graphs(settings):
        if progress:
            progress(path.name)
        if name == catalogue:
            continue
        graphs[name] = read_turtle(path, settings.base)
        if path == decisions.bundled_path(settings):
            # the decisions graph holds the deployment's own decisions too (beside its store)
            graphs[name] = decisions.to_graph(decisions.read_all(settings, settings.base), settings.base)
        counts[name] = len(graphs[name])  # type: ignore[arg-type]
    store.replace_graphs(graphs)
    counts.update(load_bundled_edition(store, settings))
    for path in bundled_submissions(settings):
        if progress:
            progress(path.name)
        counts.update(load_bundled_submission(store, settings, path))
    for path in example_submissions(settings) if examples else []:
        if progress:
            progress(path.name)
        counts.update(_load_example(store, settings, path))
    for path in bundled_statistics(settings, examples=examples):  # figures: after the offerings they name
        if progress:
            progress(path.name)
        counts.update(statistics.load_bundled_file(store, settings, path))
    if progress:
        progress("mappings")
    graphs = mapping.derive(store)
    store.replace_graphs(graphs)
    counts.update({name: len(g) for name, g in graphs.items() if g is not None})
    return counts


def _load_example(store: Store, settings: Settings, path: Path) -> dict[str, int]:
    """Submit one example spreadsheet with the organisation and date its file name gives."""
    org, day = path.stem.split("-", 1)[0], path.stem[-10:]
    result = replay(store, settings, path, org, day, EXAMPLE_AGENT)
    return {} if result is None else {result.submission: result.triples}
