"""Request-scoped access to the app's settings and store (set by ``create_app``)."""

from __future__ import annotations

from fastapi import Request

from insatsgraf.config import Settings
from insatsgraf.store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]
