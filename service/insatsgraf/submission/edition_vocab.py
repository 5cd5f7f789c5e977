"""The words a spreadsheet cell may use, with the store's current catalogue edition (``editions.py``).

``model.vocab`` reads the bundled files; once an imported edition is current, its entries (ids, names) are
what a ``program`` cell and the workbook's drop-downs name. One small query per call says which edition is
current; the vocabulary of an imported edition is built once per edition (record and checksum) and kept.
"""

from __future__ import annotations

from insatsgraf.catalogue import rq
from insatsgraf.config import Settings
from insatsgraf.model import iris, vocab
from insatsgraf.sparql.store import Store

BUNDLED_FILE = "catalogue.ttl"
_CACHE: dict[tuple[int, str, str, str], vocab.Vocabulary] = {}
_CACHE_SIZE = 8


def current(store: Store, settings: Settings) -> vocab.Vocabulary:
    """``vocab.load(settings)``, with the programmes of the store's edition when an import is current."""
    bundled = vocab.load(settings)
    name = iris.graph("catalogue", settings.base)
    rows = store.query(rq.bind(rq.read("catalogue-edition"), catalogue=name)).rows
    if not rows or rows[0].get("file", {}).get("value", BUNDLED_FILE) == BUNDLED_FILE:
        return bundled
    key = (
        id(bundled),
        rows[0]["edition"]["value"],
        rows[0].get("sha256", {}).get("value", ""),
        settings.base,
    )
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        found = _CACHE[key] = vocab.with_catalogue(bundled, store.graph(name), settings.base)
    return found
