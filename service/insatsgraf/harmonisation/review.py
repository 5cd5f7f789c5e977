"""The review queue: what waits for a person, most shared names first.

Built only on :func:`~insatsgraf.harmonisation.matcher.propose` (decisions already applied): an
(organisation, name) pair waits when one of its proposals has status ``review``. Pairs are grouped by the
folded name (``matcher.fold``: "Kommet" and "KOMMET" are one item), so one decision (global by default)
settles the name for every organisation using it; items are ordered by how many organisations they wait
in (a name used by twelve municipalities before a one-off), ties by the folded name. Each item lists the
names as written, the organisations, every candidate of the waiting pairs (an ``auto`` one included, so the
reviewer sees the whole choice) and why it waits, in Swedish and English, read from basis, score and status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape
from rich.table import Table

from insatsgraf.config import Settings
from insatsgraf.harmonisation.matcher import Proposal, Thresholds, fold, propose
from insatsgraf.sparql.store import Store


@dataclass(frozen=True)
class Why:
    """One reason a name waits for a person: a stable code and a sentence in each language."""

    code: str
    en: str
    sv: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "en": self.en, "sv": self.sv}


@dataclass(frozen=True)
class Candidate:
    """One programme a waiting name may denote, as the matcher proposed it."""

    programme: str
    label: str
    relation: str
    """same | variant."""
    variant_kind: str
    """same, own-variant, local-adaptation or like: what accepting it records."""
    score: float
    """The highest score over the organisations it is proposed for."""
    status: str
    """review, or auto when another candidate of the same name is what waits."""
    basis: str
    """How the matcher found it (``Proposal.basis``): label, fuzzy, variant, split:…, …+submission."""
    organisations: tuple[str, ...]
    why: tuple[Why, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "label": self.label,
            "relation": self.relation,
            "variant_kind": self.variant_kind,
            "score": self.score,
            "status": self.status,
            "basis": self.basis,
            "organisations": list(self.organisations),
            "why": [w.to_json() for w in self.why],
        }


@dataclass(frozen=True)
class QueueItem:
    """A name (however it is written) that waits for a person, in every organisation where it waits."""

    key: str
    """The folded name (``matcher.fold``): what decisions are keyed by."""
    names: tuple[str, ...]
    """The name as each organisation wrote it, most used first."""
    organisations: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    why: tuple[Why, ...] = field(default=())

    @property
    def name(self) -> str:
        """The spelling to show and to decide on (decisions are keyed by the folded name anyway)."""
        return self.names[0]

    @property
    def shared_by(self) -> int:
        return len(self.organisations)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "names": list(self.names),
            "organisations": list(self.organisations),
            "shared_by": self.shared_by,
            "candidates": [c.to_json() for c in self.candidates],
            "why": [w.to_json() for w in self.why],
        }


def review_queue(
    store: Store,
    settings: Settings | None = None,
    org: str | None = None,
    thresholds: Thresholds | None = None,
) -> list[QueueItem]:
    """What waits for a person in the store (or in one organisation and its districts), most shared first.

    Raises ``UserError`` (code ``unknown-org``) for an organisation that is not in the register.
    """
    return build_queue(propose(store, settings, org, thresholds), thresholds)


def build_queue(proposals: Iterable[Proposal], thresholds: Thresholds | None = None) -> list[QueueItem]:
    """Group the waiting (organisation, name) pairs of ``proposals`` by folded name and order them."""
    th = thresholds or Thresholds()
    pairs: dict[tuple[str, str], list[Proposal]] = {}
    for p in proposals:
        pairs.setdefault((p.org, p.insats), []).append(p)
    groups: dict[str, list[Proposal]] = {}
    for found in pairs.values():
        if any(p.status == "review" for p in found):
            for p in found:
                groups.setdefault(fold(p.insats), []).append(p)
    items = [_item(key, found, th) for key, found in groups.items()]
    return sorted(items, key=lambda i: (-i.shared_by, i.key, i.name))


def queue_json(items: list[QueueItem], org: str | None = None, limit: int | None = None) -> dict[str, Any]:
    """The queue as the CLI (``--format json``) and ``GET /harmonise/review`` answer it."""
    shown = items if limit is None else items[:limit]
    return {"org": org, "total": len(items), "items": [i.to_json() for i in shown]}


def _item(key: str, found: list[Proposal], th: Thresholds) -> QueueItem:
    spellings: dict[str, set[str]] = {}
    for p in found:
        spellings.setdefault(p.insats, set()).add(p.org)
    names = sorted(spellings, key=lambda n: (-len(spellings[n]), n))
    merged: dict[tuple[str, str, str, str, str], list[Proposal]] = {}
    for p in found:
        if p.programme:
            merged.setdefault((p.programme, p.relation, p.variant_kind, p.status, p.basis), []).append(p)
    candidates = [
        Candidate(
            programme=programme,
            label=ps[0].label,
            relation=relation,
            variant_kind=kind or ("same" if relation == "same" else "own-variant"),
            score=max(p.score for p in ps),
            status=status,
            basis=basis,
            organisations=tuple(sorted({p.org for p in ps})),
            why=_why(ps[0], max(p.score for p in ps), th) if status == "review" else (),
        )
        for (programme, relation, kind, status, basis), ps in merged.items()
    ]
    candidates.sort(key=lambda c: (c.status != "review", -c.score, c.programme, c.relation))
    why: list[Why] = []
    for c in candidates:
        why.extend(w for w in c.why if w not in why)
    if len({c.programme for c in candidates}) > 1:
        why.append(
            Why(
                "several-candidates",
                "Several programmes could be meant: accept the right one, reject the others.",
                "Flera program kan avses: godta det rätta, avvisa de andra.",
            )
        )
    return QueueItem(
        key=key,
        names=tuple(names),
        organisations=tuple(sorted({p.org for p in found})),
        candidates=tuple(candidates),
        why=tuple(why),
    )


_KINDS_SV = {
    "own-variant": "egen variant",
    "local-adaptation": "lokal anpassning",
    "like": "liknande",
    "same": "samma",
}


def _why(p: Proposal, score: float, th: Thresholds) -> tuple[Why, ...]:
    """Why one ``review`` proposal waits, from its basis (``…+submission`` adds the submitter's word)."""
    basis, said, _ = p.basis.partition("+submission")
    stated_too = bool(said) or basis == "submission"
    out: list[Why] = []
    label = p.label or p.programme
    if basis == "submission":
        out.append(
            Why(
                "submission-only",
                f"Only the submission's program column names {label}; the name itself does not.",
                f"Bara inlämningens programkolumn anger {label}; namnet självt gör det inte.",
            )
        )
    elif stated_too and p.relation == "variant":
        kind = p.variant_kind or "own-variant"
        out.append(
            Why(
                "submission-says-variant",
                f"The submission says it is a variant ({kind}) while the name matches {label} itself: "
                "is it the programme or a variant of it?",
                f"Inlämningen säger att det är en variant ({_KINDS_SV.get(kind, kind)}) medan namnet "
                f"stämmer med {label}: är det programmet eller en variant av det?",
            )
        )
    base = basis.removeprefix("split:")
    if basis.startswith("split:"):
        out.append(
            Why(
                "split-cell",
                "The cell names several things and not every part matched a programme.",
                "Cellen nämner flera saker och alla delar matchade inte ett program.",
            )
        )
    elif base == "fuzzy" and score < th.auto:
        out.append(
            Why(
                "fuzzy-below-auto",
                f"A similar spelling (score {score:.0f}), below the automatic threshold of {th.auto:.0f}.",
                f"En liknande stavning (poäng {score:.0f}), under gränsen {th.auto:.0f} för automatisk koppling.",
            )
        )
    elif base == "fuzzy":
        out.append(
            Why(
                "fuzzy-close",
                f"A similar spelling, but another programme scores within {th.margin:.0f} points.",
                f"En liknande stavning, men ett annat program ligger inom {th.margin:.0f} poäng.",
            )
        )
    elif base == "variant":
        out.append(
            Why(
                "uncertain-variant",
                f"Says it is a variant ({p.variant_kind}) of something that is not exactly a programme's "
                f"name; the nearest is {label}.",
                f"Säger att det är en variant ({_KINDS_SV.get(p.variant_kind, p.variant_kind)}) av något som "
                f"inte exakt är ett programs namn; närmast är {label}.",
            )
        )
    elif base == "contains":
        out.append(
            Why(
                "contains-label",
                f"A name of {label} appears inside a longer name.",
                f"Ett namn på {label} förekommer i ett längre namn.",
            )
        )
    elif base == "acronym":
        out.append(
            Why(
                "acronym",
                "Only the acronym in parentheses matches, or it disagrees with the rest of the name.",
                "Bara förkortningen inom parentes stämmer, eller så stämmer den inte med resten av namnet.",
            )
        )
    elif base.startswith("label") and not stated_too:
        out.append(
            Why(
                "label-conflict",
                "The name is a label, but another reading competes: a second catalogue entry with that "
                "label, or an acronym that disagrees.",
                "Namnet är en etikett, men en annan tolkning konkurrerar: en annan post i katalogen med "
                "samma etikett, eller en förkortning som inte stämmer.",
            )
        )
    if not out:
        out.append(
            Why(
                "uncertain",
                "The matcher is not sure enough to link it without a person.",
                "Matchningen är inte säker nog för att kopplas utan en person.",
            )
        )
    return tuple(out)


# -- the command line's table ----------------------------------------------------------------------


def rich_table(items: list[QueueItem], limit: int | None = None) -> Table:
    """The queue as ``insatsgraf harmonise review`` prints it: one row per name, most shared first."""
    shown = items if limit is None else items[:limit]
    title = f"Väntar på granskning / Waiting for review: {len(shown)} av/of {len(items)}"
    table = Table(title=title, show_lines=True, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Namn / Name")
    table.add_column("Org.", justify="right")
    table.add_column("Kandidater / Candidates")
    table.add_column("Varför / Why")
    for n, item in enumerate(shown, 1):
        candidates = "\n".join(
            f"{c.programme} ({c.label}) {c.relation}"
            + (f" [{c.variant_kind}]" if c.relation == "variant" else "")
            + f" {c.score:.0f} {c.status} · {c.basis}"
            for c in item.candidates
        )
        why = "\n".join(f"{escape(w.sv)}\n[dim]{escape(w.en)}[/dim]" for w in item.why)
        orgs = f"{item.shared_by}: " + ", ".join(item.organisations)
        table.add_row(str(n), escape("\n".join(item.names)), escape(orgs), escape(candidates), why)
    return table
