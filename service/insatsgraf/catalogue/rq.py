"""The service's own SPARQL queries (``rq/*.rq``): read from the package, with IRIs bound as checked terms.

These are the queries the code runs for itself (page descriptions, browse lists, harmonisation), kept as
files so they can be read, run and tested as SPARQL; the public catalogue in ``queries/`` is separate.
Each file carries its ``PREFIX`` lines and runs as it is; a parameter is a ``?_name_iri`` variable
(bound by :func:`bind`, through the catalogue's binder) or an empty ``VALUES ?var {}`` block (filled by
:func:`values`). Every IRI is checked first, so no value can end the IRI early and change the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from insatsgraf.catalogue import queries
from insatsgraf.errors import UserError

RQ_DIR = Path(__file__).parent / "rq"

UNSAFE_IRI_CHARS = '<>"{}|\\^` \n'
"""Characters that could end an IRI written as ``<…>`` early (or split it), so they are refused."""


class UnsafeIri(ValueError):
    """A value that cannot be written as one IRI term (a character that could end it, or not absolute)."""


@cache
def read(name: str) -> str:
    """The text of ``rq/{name}.rq`` (read once per process)."""
    return (RQ_DIR / f"{name}.rq").read_text(encoding="utf-8")


def iri_term(value: str) -> str:
    """``<value>`` for an absolute IRI; ``UnsafeIri`` for anything that could end the term early."""
    if any(c in value for c in UNSAFE_IRI_CHARS):
        raise UnsafeIri(value)
    try:
        return queries.term_for("iri", "iri", value)
    except UserError:
        raise UnsafeIri(value) from None


def bind(text: str, **iris: str) -> str:
    """``text`` with each ``?_{name}_iri`` given as ``name=…`` replaced by the checked IRI term."""
    for value in iris.values():
        iri_term(value)
    return queries.bind(text, {f"{name}_iri": value for name, value in iris.items()})


def values(text: str, var: str, iris: Iterable[str]) -> str:
    """``text`` with its one empty ``VALUES ?{var} {}`` block filled with the checked IRI terms."""
    block = re.compile(r"VALUES\s+\?" + re.escape(var) + r"\s*\{\s*\}")
    lines = text.splitlines(keepends=True)
    found = [i for i, line in enumerate(lines) if not line.lstrip().startswith("#") and block.search(line)]
    if len(found) != 1 or len(block.findall(lines[found[0]])) != 1:
        raise ValueError(f"the query has no single empty VALUES ?{var} {{}} block to fill")
    terms = " ".join(iri_term(i) for i in iris)
    lines[found[0]] = block.sub(lambda _: f"VALUES ?{var} {{ {terms} }}", lines[found[0]])
    return "".join(lines)
