"""What the register and the catalogue hold: the one answer to "is this a known organisation / programme?"."""

from __future__ import annotations

import re

from insatsgraf.catalogue import rq
from insatsgraf.model import iris
from insatsgraf.sparql.store import Store

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
"""What programme and organisation ids look like (slugs, municipality codes): checked before any query."""


def known_organisation(store: Store, org: str) -> bool:
    """Is ``org`` (an id such as 0580 or 0180-bromma) an organisation of the register?"""
    if not ID_RE.match(org or ""):
        return False
    query = rq.bind(rq.read("organisation-known"), org=iris.organisation(org, store.base))
    return bool(store.query(query).boolean)


def known_programme(store: Store, programme: str) -> bool:
    """Is ``programme`` (an id such as komet) an entry of the national catalogue?"""
    if not ID_RE.match(programme or ""):
        return False
    query = rq.bind(rq.read("programme-known"), programme=iris.programme(programme, store.base))
    return bool(store.query(query).boolean)


def unit_of(store: Store, unit: str, parent: str) -> bool:
    """Is ``unit`` a unit of ``parent`` in the register (``org:unitOf``: a district of its municipality)?"""
    if not (ID_RE.match(unit or "") and ID_RE.match(parent or "")):
        return False
    query = rq.bind(
        rq.read("organisation-unit-of"),
        unit=iris.organisation(unit, store.base),
        parent=iris.organisation(parent, store.base),
    )
    return bool(store.query(query).boolean)
