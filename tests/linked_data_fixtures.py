"""Shared by the linked-data, DCAT and web tests: a store with the bundled data plus Gnesta's fixture submission.

Gnesta (0461) gets a current graph (two Komet offerings and a local one), a provenance graph (one submission,
2019-03-01) and the same offerings as a history graph, so the tests can see what is published and what is not.
"""

from __future__ import annotations

from pathlib import Path

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.rdf import read_turtle
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

HERE = Path(__file__).parent / "fixtures" / "linked_data"
ORG = "0461"
SUBMISSION_DATE = "2019-03-01"


def gnesta_store(settings: Settings | None = None) -> OxigraphStore:
    """A new in-memory store under ``settings.base`` with the bundled data and the Gnesta fixture."""
    settings = settings or Settings()
    base = settings.base
    store = OxigraphStore(None, base=base)
    load_bundled(store, settings)
    current = read_turtle(HERE / "gnesta-current.ttl", base)
    store.replace_graphs(
        {
            iris.current_graph(ORG, base): current,
            iris.submission(ORG, SUBMISSION_DATE, base): current,
            iris.graph(f"provenance/{ORG}", base): read_turtle(HERE / "gnesta-provenance.ttl", base),
        }
    )
    return store
