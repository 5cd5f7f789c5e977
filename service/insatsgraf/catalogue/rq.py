"""The service's own SPARQL queries (``rq/*.rq``): read from the package, with IRIs bound as checked terms.

These are the queries the code runs for itself (page descriptions, browse lists, harmonisation, lookups),
kept as files so they can be read, run and tested as SPARQL; the public catalogue in ``queries/`` is separate.
Each file carries its ``PREFIX`` lines and runs as it is; a parameter is a ``?_name_iri`` variable (bound by
:func:`bind`) or an empty ``VALUES ?var {}`` block (filled by :func:`values`), both from ``sparql.binding``.
"""

from __future__ import annotations

from pathlib import Path

from insatsgraf.sparql import binding
from insatsgraf.sparql.binding import UNSAFE_IRI_CHARS, UnsafeIri, iri_term, values
from insatsgraf.sparql.binding import bind_iris as bind

RQ_DIR = Path(__file__).parent / "rq"

__all__ = ["RQ_DIR", "UNSAFE_IRI_CHARS", "UnsafeIri", "bind", "iri_term", "read", "values"]


def read(name: str) -> str:
    """The text of ``rq/{name}.rq`` (read once per process)."""
    return binding.read(RQ_DIR, name)
