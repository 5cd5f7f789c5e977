"""App factory. The app is a thin layer over the library functions the CLI calls too."""

from __future__ import annotations

from fastapi import FastAPI

from insatsgraf import __version__
from insatsgraf.config import Settings
from insatsgraf.store import Store, open_store


def create_app(settings: Settings | None = None, store: Store | None = None, *, load_bundled: bool = False) -> FastAPI:
    """Build the app. ``store`` defaults to the one the settings name; ``load_bundled`` (re)loads data/ttl first."""
    settings = settings or Settings()
    store = store if store is not None else open_store(settings)
    if load_bundled:
        from insatsgraf.loader import load_bundled as _load

        _load(store, settings)
    app = FastAPI(
        title="insatsgraf",
        version=__version__,
        description="A knowledge graph of the interventions (insatser) Swedish social services offer: "
        "SPARQL 1.1 endpoint, query catalogue, submissions, harmonisation and linked data.",
    )
    app.state.settings = settings
    app.state.store = store

    from insatsgraf.api import harmonise, linked_data, queries, sparql, submissions, web

    for module in (sparql, queries, submissions, harmonise, linked_data, web):
        app.include_router(module.router)
    return app
