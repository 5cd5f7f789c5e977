"""Routes of this concern; filled in by the issue that owns it."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
