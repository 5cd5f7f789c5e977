"""The HTTP service: ``create_app`` builds a FastAPI app over a store; routers live beside this file."""

from insatsgraf.api.app import create_app

__all__ = ["create_app"]
