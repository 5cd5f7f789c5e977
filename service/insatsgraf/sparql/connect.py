"""Opening a store from its spec: a directory (embedded, on disk), ``memory:``, or ``sparql+http(s)://…``."""

from __future__ import annotations

from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.store import Store

MEMORY_SPECS = ("memory:", ":memory:")


def is_directory_spec(spec: str) -> bool:
    """Is this store spec an on-disk embedded store (neither ``memory:`` nor a SPARQL endpoint)?"""
    return not spec.startswith("sparql+") and spec not in MEMORY_SPECS


def open_store(settings: Settings, spec: str | None = None, *, read_only: bool = False) -> Store:
    """Open the store named by ``spec`` (default: the settings'); ``read_only`` for an on-disk store."""
    spec = spec or settings.store
    if spec.startswith("sparql+"):
        from insatsgraf.sparql.remote import SparqlStore  # SPARQLWrapper and rdflib's Dataset: not for serve

        return SparqlStore.from_spec(spec, base=settings.base)
    if spec in MEMORY_SPECS:
        return OxigraphStore(None, base=settings.base)
    return OxigraphStore(spec, base=settings.base, read_only=read_only)
