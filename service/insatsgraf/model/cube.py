"""The figures as an RDF Data Cube: namespaces, and the IRIs of tables, observations, periods and age bands.

One ``qb:DataStructureDefinition`` (``data/ttl/statistics-structure.ttl``) is shared by every table; each
imported table is a ``qb:DataSet`` ``{base}id/cube/{key}`` and its observations ``{base}id/cube/{key}/{hash}``,
the hash of the observation's dimension values (so a re-import mints the same IRIs).
"""

from __future__ import annotations

import hashlib

from rdflib import Namespace

from insatsgraf.config import DEFAULT_BASE
from insatsgraf.model import iris

QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")

PREFIXES = {
    "qb": QB,
    "sdmx-dimension": SDMX_DIMENSION,
    "sdmx-attribute": SDMX_ATTRIBUTE,
    "sdmx-measure": SDMX_MEASURE,
}


def structure(base: str = DEFAULT_BASE) -> str:
    """The one data structure definition of the figures."""
    return f"{base}id/structure/figures"


def non_negative(base: str = DEFAULT_BASE) -> str:
    """The SKOS collection of the measures whose values cannot be negative."""
    return f"{base}id/collection/measures-without-negative-values"


def dataset(key: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/cube/{key}"


def observation(key: str, dimensions: tuple[str, ...], base: str = DEFAULT_BASE) -> str:
    digest = hashlib.sha1("\n".join(dimensions).encode("utf-8")).hexdigest()[:12]
    return f"{dataset(key, base)}/{digest}"


def period(notation: str, base: str = DEFAULT_BASE) -> str:
    """``2019`` (a calendar year) or ``2019-01-01/2019-06-30`` → ``{base}id/period/2019-01-01_2019-06-30``."""
    return f"{base}id/period/{notation.replace('/', '_')}"


def age_band(low: int, high: int, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/age-band/{low}-{high}"


def group(slug: str, base: str = DEFAULT_BASE) -> str:
    """A comparison group (``org:OrganizationalCollaboration``), e.g. ``{base}id/group/r9``."""
    return f"{base}id/group/{slug}"


def total(base: str = DEFAULT_BASE) -> str:
    """The code of a dimension a table does not break its figures down by."""
    return iris.concept("total", "total", base)
