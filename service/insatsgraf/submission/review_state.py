"""The confirm-your-list round: review states of a submission and the workbook's ``status`` column.

A FoU unit drafts a list (``utkast``), sends it for confirmation (``skickad för bekräftelse``) and the
organisation confirms it (``bekräftad``): ``ig:reviewState`` on the ``ig:Submission`` in its provenance
record, a concept of the scheme ``review-state`` (``data/ttl/vocabularies.ttl``); who and when are the
record's ``prov:wasAttributedTo`` and ``prov:generatedAtTime``. The workbook (``workbook.py``) has one
``status`` per row: ``erbjuds`` (still offered), ``erbjuds inte längre`` (left out of the new list) or ``ny``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import vocab
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import read_turtle

SCHEME = "review-state"
OFFERED, WITHDRAWN, NEW = "erbjuds", "erbjuds inte längre", "ny"
STATUS_WORDS = (OFFERED, WITHDRAWN, NEW)
"""The workbook's ``status`` words, in the order its drop-down shows them."""


def concept(word: str, settings: Settings) -> str:
    """The review state a word names (``bekräftad``, ``Confirmed``, ``confirmed``), or a ``UserError``."""
    found = vocab.load(settings).concept(SCHEME, word)
    if found is None:
        names = ", ".join(labels(settings).values())
        raise UserError(
            f'"{word[:40]}" is not a review state; use one of: {names}',
            f'"{word[:40]}" är inget granskningsläge; använd ett av: {names}',
            column="state",
            code="bad-state",
        )
    return str(found)


def labels(settings: Settings) -> dict[str, str]:
    """Notation → the Swedish word (lower case), in the scheme's order."""
    path = settings.data_dir / "vocabularies.ttl"
    return dict(_labels(path, settings.base, path.stat().st_mtime))


@lru_cache(maxsize=4)
def _labels(path: Path, base: str, stamp: float) -> tuple[tuple[str, str], ...]:
    graph = read_turtle(path, base)
    out = []
    for node in graph.subjects(SKOS.notation, None):
        if str(node).endswith(
            tuple(f"/{SCHEME}/{n}" for n in ("draft", "sent-for-confirmation", "confirmed"))
        ):
            sv = [str(o) for o in graph.objects(node, SKOS.prefLabel) if getattr(o, "language", None) == "sv"]
            out.append((str(graph.value(node, SKOS.notation)), sv[0].lower() if sv else ""))
    order = ("draft", "sent-for-confirmation", "confirmed")
    return tuple(sorted(out, key=lambda pair: order.index(pair[0])))


def of(prov: Graph, submission: Node, settings: Settings | None = None) -> dict[str, str | None]:
    """``state`` (the notation) and ``state_label`` (the Swedish word) of one record; ``None`` when unset."""
    found = prov.value(submission, IG.reviewState)
    if not isinstance(found, URIRef):
        return {"state": None, "state_label": None}
    notation = str(found).rsplit("/", 1)[-1]
    return {"state": notation, "state_label": labels(settings or Settings()).get(notation, notation)}


def keep_row(row: dict[str, str], number: int, name: str) -> bool:
    """Whether a workbook row goes into the new list: ``erbjuds inte längre`` and an empty status do not."""
    status = vocab.normalise(row.get("status", ""))
    if not status:
        return "status" not in row  # a file without the column: every row; the workbook: only a chosen status
    if status in (OFFERED, NEW):
        return True
    if status == WITHDRAWN:
        return False
    words = ", ".join(STATUS_WORDS)
    raise UserError(
        f'unknown status "{row["status"][:40]}": write {words}',
        f'okänd status "{row["status"][:40]}": skriv {words}',
        file=name,
        row=number,
        column="status",
        code="bad-status",
    )
