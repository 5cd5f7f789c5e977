"""Load the bundled data (``ontology/`` and ``data/ttl/``) into a store, each file in its named graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Graph

from insatsgraf import iris
from insatsgraf.config import Settings
from insatsgraf.rdfio import read_turtle
from insatsgraf.store import Store

Progress = Callable[[str], None]


def bundled_graphs(settings: Settings) -> list[tuple[str, Path]]:
    """(graph name, file) for every bundled file outside the submissions, in load order."""
    base = settings.base
    pairs = [
        (iris.graph("ontology", base), settings.ontology_dir / "insatsgraf.ttl"),
        (iris.graph("vocabularies", base), settings.data_dir / "vocabularies.ttl"),
        (iris.graph("catalogue", base), settings.data_dir / "catalogue.ttl"),
        (iris.graph("organisations", base), settings.data_dir / "organisations.ttl"),
        (iris.graph("decisions", base), settings.data_dir / "decisions.ttl"),
    ]
    return [(name, path) for name, path in pairs if path.exists()]


def bundled_submissions(settings: Settings) -> list[Path]:
    """Bundled submissions (``data/ttl/submissions/*.ttl``), oldest first by file name."""
    return sorted((settings.data_dir / "submissions").glob("*.ttl"))


def load_bundled(store: Store, settings: Settings, progress: Progress | None = None) -> dict[str, int]:
    """(Re)load the reference graphs, then replay the bundled submissions. Returns triples per graph."""
    counts: dict[str, int] = {}
    graphs: dict[str, Graph | None] = {}
    for name, path in bundled_graphs(settings):
        if progress:
            progress(path.name)
        graphs[name] = read_turtle(path, settings.base)
        counts[name] = len(graphs[name])  # type: ignore[arg-type]
    store.replace_graphs(graphs)
    for path in bundled_submissions(settings):
        if progress:
            progress(path.name)
        counts.update(_load_submission(store, settings, path))
    return counts


def _load_submission(store: Store, settings: Settings, path: Path) -> dict[str, int]:
    """Replay one bundled submission through the same path as ``insatsgraf submit`` when it exists."""
    try:
        from insatsgraf.submissions import load_bundled_submission
    except ImportError:  # submissions module not there yet: load the file as the current graph
        graph = read_turtle(path, settings.base)
        org = path.stem.split("-")[0]
        name = iris.current_graph(org, settings.base)
        store.replace_graphs({name: graph})
        return {name: len(graph)}
    return load_bundled_submission(store, settings, path)
