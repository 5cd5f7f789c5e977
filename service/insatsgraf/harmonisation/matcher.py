"""Harmonisation: which canonical programme does a local intervention name denote?

The same programme is written many ways ("Cos", "Circle of security", "Komet 3-11 år"), a cell can name two
things ("LIHF/IHF"), and a name can say it is *like* a programme without being it ("MST-liknande insats").
The matcher is a pure function of a name and a :class:`Catalogue` of labels (plus the decisions people made);
``propose`` runs it over the names in a store.

A false merge (a variant, or another programme, accepted as X) is worse than sending a name to review, so
``auto`` needs unambiguous evidence: a label (after normalisation), a label plus age range or generic words,
a parenthesised acronym that agrees, or a fuzzy score that is both high and clearly ahead of the next
programme. Variant markers are read before anything else and never yield ``same``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process
from rdflib import Graph

from insatsgraf.catalogue import rq
from insatsgraf.catalogue.lookups import known_organisation
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris
from insatsgraf.sparql.store import Store

_EPOCH = datetime.min.replace(tzinfo=UTC)

CSV_COLUMNS = ("org", "insats", "programme", "relation", "score", "status")
VARIANT_KINDS = ("same", "own-variant", "local-adaptation", "like")
STATUSES = ("stated", "confirmed", "auto", "decided", "review", "rejected", "none")
"""A proposal's status (the mapping-status scheme, plus ``none``: the name names nothing)."""
COUNTED = frozenset(("stated", "confirmed", "auto", "decided"))
"""Statuses whose mapping is a counted ``ig:implements``/``ig:variantOf`` link in the graph."""


# -- configuration and results -------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """When a candidate is proposed, and when it is accepted without a person looking at it."""

    auto: float = 92.0
    """Fuzzy score (0-100) at or above which a typo-level match is accepted automatically."""
    review: float = 80.0
    """Fuzzy score at or above which a match is proposed for review; below it the name gets ``none``."""
    margin: float = 4.0
    """An automatic fuzzy match must lead the best *other* programme by this many points."""
    min_fuzzy_length: int = 5
    """Names and labels shorter than this (acronyms: MST, SIG, SIP) are compared exactly, never fuzzily."""
    min_stem_length: int = 4
    """A truncated name ("Mini Macho" → Machofabriken) must keep at least this many letters."""
    variant_auto: bool = True
    """A variant marker on an exact label ("Förstärkt Komet") is ``auto``; otherwise variants go to review."""


@dataclass(frozen=True)
class Proposal:
    """One proposed mapping of a local name: a programme (or none), how it relates, how sure we are."""

    org: str
    insats: str
    programme: str
    relation: str
    score: float
    status: str
    variant_kind: str = ""
    """For ``variant``: own-variant, local-adaptation or like (the variant-kind scheme); ``same`` for same."""
    label: str = ""
    """The programme's Swedish preferred label."""
    basis: str = ""
    """Why: label, label+age, label+words, acronym, variant, split, fuzzy, contains, stem, decision;
    ``+submission`` when the submission's ``program`` column agrees or disagrees, ``submission`` alone when
    only the column names the programme."""
    decision: str = ""
    """The uid of the decision behind a ``decided`` or ``rejected`` status."""

    def row(self) -> list[str]:
        return [self.org, self.insats, self.programme, self.relation, f"{self.score:.1f}", self.status]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    """A person's decision as the matcher sees it (see ``decisions.py`` for how it is stored)."""

    key: str
    """The normalised name (``fold``), so decisions survive resubmission under new offering IRIs."""
    outcome: str
    """accepted | rejected | mapped."""
    programme: str | None
    """Catalogue id; ``None`` for "this name is on no list" (mapped to nothing)."""
    relation: str = "same"
    """A variant-kind notation: same, own-variant, local-adaptation, like."""
    org: str | None = None
    at: datetime | None = None
    uid: str = ""


@dataclass
class Entry:
    id: str
    iri: str
    label_sv: str = ""
    label_en: str = ""
    labels: list[tuple[str, str]] = field(default_factory=list)
    """(text, kind) with kind pref | alt | hidden | notation."""


@dataclass(frozen=True)
class _Cand:
    programme: str
    relation: str
    score: float
    status: str
    kind: str
    basis: str
    decision: str = ""


# -- normalisation -------------------------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212-"
_PUNCT_RE = re.compile(r"[\"'’‘`´«»“”.,:;!?()\[\]{}/\\|*_]+")
_DASH_RE = re.compile(f"[{_DASHES}]")
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """The comparison key: case, diacritics, dashes, punctuation and spacing do not count.

    "Älskade förbannade tonåring" → "alskade forbannade tonaring"; "BRA-samtal" → "bra samtal".
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("&", " och ")
    text = _DASH_RE.sub(" ", text)
    text = _PUNCT_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def compact(key: str) -> str:
    """A folded key without spaces: "Mini Maria", "Mini-Maria" and "MiniMaria" meet here."""
    return key.replace(" ", "")


_AGE_RE = re.compile(
    rf"""\s*[,(]?\s*(?:för\s+)?(?:barn\s+|unga\s+|ungdomar\s+)?(?:
        (?:från\s+)?\d{{1,2}}\s*[{_DASHES}]\s*\d{{1,2}}\s*(?:år(?:s\w*)?)?   # 3-11 år, 12–18, 13-20 års
      | (?:från|upp\s+till|till|under|över)\s+\d{{1,2}}\s*år\w*            # från 16 år
      | \d{{1,2}}\s*\+\s*(?:år)?                                           # 16+
      | \d{{1,2}}\s*år\w*                                                  # 16 år
    )\s*\)?\s*(?=$|[,;/)]|\s(?:och|samt)\s)""",
    re.IGNORECASE | re.VERBOSE,
)


def strip_age(text: str) -> str:
    """Remove age ranges: "Komet 3-11 år", "Komet (12–18 år)", "Stödboende från 16 år" → the name."""
    return _AGE_RE.sub(" ", text).strip(" ,;")


GENERIC_WORDS = frozenset(
    """insats insatsen insatser verksamhet verksamheten grupp gruppen grupper gruppverksamhet
    program programmet
    metod metoden metodik modell modellen team teamet behandling behandlingen samtal samtalen hem hemmet
    mottagning mottagningen mote moten for till med i foraldrar barn unga ungdomar tonaringar familjer
    foraldragrupp foraldragrupper foraldrautbildning foraldrakurs foraldrakurser kurs kursen utbildning
    projekt projektet""".split()
)
"""Words that add nothing to which programme is meant ("ART-grupp", "Komet för föräldrar", "HVB-hem")."""


# -- variant markers -----------------------------------------------------------------------------

_W = r"[\w\u00c0-\u024f]"
_VARIANT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), kind)
    for p, kind in [
        # like X: "MST-liknande insats", "Familjecentralsliknande", "liknande MST", "ABC-inspirerad"
        (rf"^(?P<core>.+?)[\s{_DASHES}]*liknande\b.*$", "like"),
        (r"^(?:.*\s)?(?:liknande|likt|som liknar)\s+(?P<core>.+)$", "like"),
        (rf"^(?P<core>.+?)[\s{_DASHES}]*inspirerad[e]?\b.*$", "like"),
        (r"^(?:.*\s)?(?:inspirerad|inspirerat|inspirerade)\s+av\s+(?P<core>.+)$", "like"),
        (r"^(?:.*\s)?(?:i stil med|med inslag av|à la|a la)\s+(?P<core>.+)$", "like"),
        # own variants: "Förstärkt Komet", "Individuell COS", "Komet individuellt", "egen variant av PYC"
        (
            r"^(?:förstärkt|förstärkta|förstärkt variant av|utökad|utökat|utökade|modifierad|modifierat|"
            r"förkortad|"
            r"förkortat|kort|kortare|individuell|individuellt|enskild|enskilt)\s+(?P<core>.+)$",
            "own-variant",
        ),
        (
            rf"^(?P<core>.+?)[\s{_DASHES}]+(?:individuellt|individuell|enskilt|light|lightversion|kortversion|"
            r"förkortad|förkortat|i kortversion|i individuell form|i egen tappning)$",
            "own-variant",
        ),
        (r"^(?:egen|eget|lokal|lokalt) (?:variant|upplägg|version) av\s+(?P<core>.+)$", "own-variant"),
        (
            rf"^(?P<core>.+?)\s*[(,;{_DASHES}]\s*"
            r"(?:egen variant|eget upplägg|egen version|förkortad|kortversion)"
            r"\b.*$",
            "own-variant",
        ),
        (
            rf"^(?:.*\s)?enligt\s+(?P<core>.+?)(?:[\s{_DASHES}]*(?:modellen|metoden|konceptet|manualen))?$",
            "own-variant",
        ),
        (r"^(?:.*\s)?(?:baserad|baserat|baserade|byggd|bygger) på\s+(?P<core>.+)$", "own-variant"),
        # local adaptations: "Mini Macho", "lokal anpassning av X", "X (lokal anpassning)"
        (rf"^mini[\s{_DASHES}]*(?P<core>{_W}.+)$", "local-adaptation"),
        (r"^(?:lokal anpassning av|anpassad|anpassat|lokalt anpassad)\s+(?P<core>.+)$", "local-adaptation"),
        (
            rf"^(?P<core>.+?)\s*[(,;{_DASHES}]\s*(?:lokal anpassning|lokalt anpassad|anpassad|anpassat)\b.*$",
            "local-adaptation",
        ),
    ]
]

_SPLIT_SEPARATORS: list[re.Pattern[str]] = [
    re.compile(r"\s*;\s*"),
    re.compile(r"\s*/\s*"),
    re.compile(r"\s*,\s*"),
    re.compile(r"\s+samt\s+", re.IGNORECASE),
    re.compile(r"\s*[&+]\s*"),
    re.compile(r"(?<![-\u2010\u2011\u2013])\s+och\s+", re.IGNORECASE),  # not "Råd- och stödsamtal"
]
"""Separators of cells that name several things, strongest first: "Råd och stöd samt X" splits at "samt"."""


# -- the catalogue of labels ---------------------------------------------------------------------


class Catalogue:
    """Every label of every catalogue entry, indexed for matching, and the decisions people made."""

    def __init__(
        self, entries: Iterable[Entry], rules: Iterable[Rule] = (), parents: Mapping[str, str] | None = None
    ):
        self.entries: dict[str, Entry] = {e.id: e for e in entries}
        self.parents: dict[str, str] = dict(parents or {})
        """Each district's municipality by id (``org:unitOf``): a decision scoped to the municipality holds
        for its districts too, unless a district has one of its own (``effective_rules``)."""
        self.exact: dict[str, set[str]] = {}
        self.compact: dict[str, set[str]] = {}
        self.fuzzy: list[tuple[str, str]] = []
        """(folded label, id) for fuzzy comparison (``Thresholds.min_fuzzy_length`` applies there)."""
        self.tokens: dict[str, set[str]] = {}
        """each non-generic word of a folded label → ids, for truncated names ("Macho")."""
        self.rules: dict[str, list[Rule]] = {}
        self.readings: dict[tuple[str, Thresholds], list[_Cand]] = _shared_readings(self.entries)
        """Memo of name readings: the same name recurs across many organisations' lists. A reading depends on
        the labels only (not on decisions), so catalogues with the same labels share one memo (``_READINGS``):
        a long-running service reads each name once, not once per submission."""
        self._choices: dict[int, tuple[list[str], list[str], list[str]]] = {}
        self.resolved: dict[tuple[str, Stated | None, Thresholds], list[_Cand]] = {}
        """Memo of ``resolve_candidates`` for names no decision is about (per catalogue: rules differ)."""
        for entry in self.entries.values():
            for text, _kind in entry.labels:
                self._index(text, entry.id)
        for rule in rules:
            self.rules.setdefault(rule.key, []).append(rule)

    def _index(self, text: str, id_: str) -> None:
        key = fold(text)
        if not key:
            return
        self.exact.setdefault(key, set()).add(id_)
        self.compact.setdefault(compact(key), set()).add(id_)
        self.fuzzy.append((key, id_))
        for token in key.split():
            if token not in GENERIC_WORDS:
                self.tokens.setdefault(token, set()).add(id_)

    def fuzzy_choices(self, min_length: int) -> tuple[list[str], list[str], list[str]]:
        """(folded labels, the same without spaces, ids) of the labels long enough to compare fuzzily."""
        found = self._choices.get(min_length)
        if found is None:
            kept = [(k, compact(k), i) for k, i in self.fuzzy if len(compact(k)) >= min_length]
            found = self._choices[min_length] = (
                [k for k, _, _ in kept],
                [c for _, c, _ in kept],
                [i for _, _, i in kept],
            )
        return found

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, str]],
        rules: Iterable[Rule] = (),
        parents: Mapping[str, str] | None = None,
    ) -> Catalogue:
        """From rows with ``entry``, ``id``, ``label``, ``kind``, ``lang`` (query ``catalogue-labels``)."""
        entries: dict[str, Entry] = {}
        for row in rows:
            entry = entries.setdefault(row["id"], Entry(id=row["id"], iri=row["entry"]))
            label, kind, lang = row["label"], row["kind"], row.get("lang", "")
            if kind == "pref" and lang == "sv":
                entry.label_sv = label
            elif kind == "pref" and lang == "en":
                entry.label_en = label
            entry.labels.append((label, kind))
        for entry in entries.values():
            entry.labels.append((entry.id, "notation"))
            entry.label_sv = entry.label_sv or entry.label_en or entry.id
        return cls(entries.values(), rules, parents)

    @classmethod
    def from_graph(cls, graph: Graph, rules: Iterable[Rule] = ()) -> Catalogue:
        """From an rdflib graph holding the catalogue (e.g. ``data/ttl/catalogue.ttl``)."""
        result = graph.query(rq.read("harmonise-catalogue-labels"))
        rows = [{str(k): str(v) for k, v in row.asdict().items()} for row in result]  # type: ignore[union-attr]
        return cls.from_rows(rows, rules)

    @classmethod
    def from_store(cls, store: Store) -> Catalogue:
        """From the store: the catalogue graph, hidden labels from decisions, the decisions themselves and
        the districts' municipalities."""
        rows = _table(store, rq.read("harmonise-catalogue-labels"))
        return cls.from_rows(rows, rules_from_store(store), org_parents(store))

    # -- lookups -------------------------------------------------------------------------------

    def lookup(self, text: str) -> set[str]:
        """Entries one of whose labels equals ``text`` after normalisation (spaces ignored too)."""
        key = fold(text)
        if not key:
            return set()
        return set(self.exact.get(key, ())) or set(self.compact.get(compact(key), ()))

    def label(self, id_: str) -> str:
        entry = self.entries.get(id_)
        return entry.label_sv if entry else ""

    def effective_rules(self, name: str, org: str | None) -> list[Rule]:
        """The latest decision per programme for this name: the organisation's own win over its
        municipality's (a district's ``org:unitOf``), which win over those for everyone."""
        if not self.rules:
            return []
        found = self.rules.get(fold(name))
        if not found:
            return []
        rank: dict[str | None, int] = {None: 0}
        parent = self.parents.get(org) if org else None
        if parent:
            rank[parent] = 1
        if org:
            rank[org] = 2
        latest: dict[str | None, Rule] = {}
        candidates = [r for r in found if r.org in rank]
        for rule in sorted(candidates, key=lambda r: (rank[r.org], r.at or _EPOCH)):
            latest[rule.programme] = rule
        return list(latest.values())


_READINGS: dict[int, dict[tuple[str, Thresholds], list[_Cand]]] = {}
"""Reading memos by the fingerprint of a catalogue's labels (the last few catalogues only)."""


def _shared_readings(entries: Mapping[str, Entry]) -> dict[tuple[str, Thresholds], list[_Cand]]:
    fingerprint = hash(tuple(sorted((e.id, tuple(sorted(e.labels))) for e in entries.values())))
    memo = _READINGS.get(fingerprint)
    if memo is None:
        while len(_READINGS) >= 4:
            _READINGS.pop(next(iter(_READINGS)))
        memo = _READINGS[fingerprint] = {}
    return memo


def org_parents(store: Store) -> dict[str, str]:
    """Each district's municipality by id (``org:unitOf`` in the register)."""
    base = store.base
    return {
        iris.org_id(row["org"], base): iris.org_id(row["parent"], base)
        for row in _table(store, rq.read("harmonise-organisation-context"))
        if "parent" in row
    }


def rules_from_store(store: Store) -> list[Rule]:
    """The decisions in the store (``decisions.py`` writes them) as the matcher applies them."""
    base = store.base
    outcomes, kinds = iris.concept("decision-outcome", "", base), iris.concept("variant-kind", "", base)
    programmes, orgs = iris.programme("", base), iris.organisation("", base)
    out = []
    for row in _table(store, rq.read("harmonise-decision-rules")):
        at = datetime.fromisoformat(row["at"]) if "at" in row else None
        out.append(
            Rule(
                fold(row["name"]),
                _tail(row["outcome"], outcomes) or row["outcome"].rsplit("/", 1)[-1],
                _tail(row.get("programme"), programmes),
                _tail(row.get("relation"), kinds) or "same",
                _tail(row.get("scope"), orgs),
                at if at is None or at.tzinfo else at.replace(tzinfo=UTC),
                row["decision"].rsplit("/", 1)[-1],
            )
        )
    return out


# -- the matcher ---------------------------------------------------------------------------------


Stated = tuple[str, str, str]
"""What a submission's ``program``/``variant`` columns said: (programme id, same|variant, variant kind)."""


def match(
    name: str, catalogue: Catalogue, org: str = "", thresholds: Thresholds | None = None
) -> list[Proposal]:
    """The proposals for one local name: one per programme it names, or one ``none`` row."""
    return [p for p in resolve(name, catalogue, org, thresholds) if p.status != "rejected"] or [
        Proposal(org, name, "", "none", 0.0, "none")
    ]


def resolve(
    name: str,
    catalogue: Catalogue,
    org: str = "",
    thresholds: Thresholds | None = None,
    stated: Stated | None = None,
) -> list[Proposal]:
    """Everything known about one name of one organisation: decisions, the submission's statement, the matcher.

    A person's decision outweighs both (``decided``; a rejected pair comes back as ``rejected``, never linked).
    Otherwise the matcher's reading is weighed against what the submission stated (``with_stated``).
    ``none`` when nothing is left; rejected pairs are listed too, so callers can show them.
    """
    cands, decided = resolve_candidates(name, catalogue, org, thresholds, stated)
    if not cands:
        return [Proposal(org, name, "", "none", 0.0, "none", basis="decision" if decided else "")]
    return [
        Proposal(
            org,
            name,
            c.programme,
            c.relation,
            round(c.score, 1),
            c.status,
            c.kind,
            catalogue.label(c.programme),
            c.basis,
            c.decision,
        )
        for c in cands
    ]


def resolve_candidates(
    name: str,
    catalogue: Catalogue,
    org: str = "",
    thresholds: Thresholds | None = None,
    stated: Stated | None = None,
) -> tuple[list[_Cand], bool]:
    """``resolve`` without the ``Proposal`` rows: (candidates, whether a positive decision covers the name).

    A name no decision is about gives the same answer in every organisation, so that answer is kept
    (``Catalogue.resolved``): at national scale 58,000 offerings have about 12,000 distinct names.
    """
    th = thresholds or Thresholds()
    rules = catalogue.effective_rules(name, org or None)
    if not rules:
        key = (name, stated, th)
        found = catalogue.resolved.get(key)
        if found is None:
            found = catalogue.resolved[key] = _weigh(name, catalogue, th, stated, {})
        return list(found), False
    rejected = {r.programme: r for r in rules if r.outcome == "rejected" and r.programme}
    decided = _from_rules(rules)
    cands = decided if decided is not None else _weigh(name, catalogue, th, stated, rejected)
    cands = cands + [
        _Cand(
            p, "same" if r.relation == "same" else "variant", 0.0, "rejected", r.relation, "decision", r.uid
        )
        for p, r in sorted(rejected.items())
        if not any(c.programme == p for c in cands)
    ]
    return cands, decided is not None


def _weigh(
    name: str, catalogue: Catalogue, th: Thresholds, stated: Stated | None, rejected: Mapping[str, Rule]
) -> list[_Cand]:
    """The matcher's reading (memoised) minus rejected programmes, weighed against the statement."""
    key = (name, th)
    reading = catalogue.readings.get(key)
    if reading is None:
        reading = catalogue.readings[key] = _interpret(name, catalogue, th, 0)
    cands = [c for c in reading if c.programme not in rejected]
    if stated is not None and stated[0] in catalogue.entries and stated[0] not in rejected:
        cands = with_stated(cands, stated)
    return cands


def with_stated(cands: list[_Cand], stated: Stated) -> list[_Cand]:
    """Weigh what the submitter said in the ``program``/``variant`` columns against the matcher's reading.

    - the matcher found nothing: the submitter's word counts (``stated``);
    - the matcher proposes the stated programme with the stated relation: ``confirmed`` (the file's variant
      kind is kept), whatever the matcher's own certainty;
    - same programme, other relation (the file says variant and the matcher same, or the other way round):
      ``review`` as a variant, so nothing is merged against anyone's word (issue 11: when "the file says
      variant and the matcher says same" the offering goes to review, whatever the matcher's certainty);
    - the matcher proposes other programmes only: all of them and the stated one go to ``review``.
    Other programmes of a split cell keep their status when the stated one is among the matcher's.
    """
    programme, relation, kind = stated
    if not cands:
        return [_Cand(programme, relation, 0.0, "stated", kind, "submission")]
    out: list[_Cand] = []
    agreed = False
    for c in cands:
        if c.programme != programme:
            out.append(c)
            continue
        agreed = True
        if c.relation == relation:
            kind_ = kind if relation == "variant" else c.kind
            out.append(replace(c, status="confirmed", kind=kind_, basis=f"{c.basis}+submission"))
        else:
            kind_ = kind if relation == "variant" else c.kind
            out.append(
                replace(c, relation="variant", kind=kind_, status="review", basis=f"{c.basis}+submission")
            )
    if agreed:
        return out
    return [replace(c, status="review") for c in out] + [
        _Cand(programme, relation, 0.0, "review", kind, "submission")
    ]


def _from_rules(rules: list[Rule]) -> list[_Cand] | None:
    """What the decisions say, or ``None`` when no positive decision covers the name."""
    positive = [r for r in rules if r.outcome in ("accepted", "mapped")]
    if not positive:
        return None
    nothing = [r for r in positive if r.programme is None]
    mapped = [r for r in positive if r.programme is not None]
    if nothing and all((r.at or _EPOCH) <= (nothing[0].at or _EPOCH) for r in mapped):
        return []
    return [
        _Cand(
            r.programme or "",
            "same" if r.relation == "same" else "variant",
            100.0,
            "decided",
            r.relation,
            "decision",
            r.uid,
        )
        for r in mapped
        if not nothing or (r.at or _EPOCH) > (nothing[0].at or _EPOCH)
    ]


def _same(ids: Iterable[str], score: float, basis: str, status: str = "auto") -> list[_Cand]:
    ids = sorted(ids)
    if len(ids) > 1:  # a label shared by two entries decides nothing
        status = "review"
    return [_Cand(i, "same", score, status, "same", basis) for i in ids]


def _interpret(text: str, cat: Catalogue, th: Thresholds, depth: int) -> list[_Cand]:
    """Read one name (or one part of a split cell), most certain reading first."""
    text = text.strip()
    if not fold(text):
        return []
    hit = cat.lookup(text)
    if hit:
        return _same(hit, 100.0, "label")
    bare = strip_age(text)
    if bare != text and cat.lookup(bare):
        return _same(cat.lookup(bare), 98.0, "label+age")
    variant = _variant(bare, cat, th)
    if variant:
        return variant
    if "(" in bare:
        found = _parenthesised(bare, cat, th, depth)
        if found:
            return found
    words = _strip_generic(bare, cat)
    if words:
        return _same(words, 96.0, "label+words")
    if depth < 2:
        parts = _split(bare)
        if len(parts) > 1:
            found = _split_cell(parts, cat, th, depth)
            if found:
                return found
    fuzzy = _fuzzy(bare, cat, th)
    if fuzzy:
        return fuzzy
    return _contains(bare, cat)


def _variant(text: str, cat: Catalogue, th: Thresholds) -> list[_Cand]:
    """A variant marker around a resolvable programme: always ``variant``, never ``same``."""
    for pattern, kind in _VARIANT_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        core = m.group("core").strip(f" {_DASHES},;()")
        for attempt in (core, core[:-1] if core.lower().endswith("s") else ""):  # "Familjecentrals|liknande"
            if not attempt:
                continue
            ids, score, exact = _resolve_core(attempt, cat, th)
            if ids:
                status = "auto" if exact and th.variant_auto and len(ids) == 1 else "review"
                return [_Cand(i, "variant", score, status, kind, "variant") for i in sorted(ids)]
    return []


def _resolve_core(core: str, cat: Catalogue, th: Thresholds) -> tuple[set[str], float, bool]:
    """The programme(s) the core of a variant name denotes: (ids, score, exact?)."""
    hit = cat.lookup(core) or cat.lookup(strip_age(core)) or _strip_generic(core, cat)
    if hit:
        return hit, 95.0, True
    fuzzy = _fuzzy(core, cat, th)
    if fuzzy:
        return {c.programme for c in fuzzy}, fuzzy[0].score * 0.95, False
    stem = _stem(core, cat, th)
    if stem:
        return stem, 70.0, False
    return set(), 0.0, False


def _strip_generic(text: str, cat: Catalogue) -> set[str]:
    """A label once generic words are dropped from either end: "ART-grupp", "Komet för föräldrar"."""
    tokens = fold(text).split()
    for start in range(len(tokens)):
        if start and tokens[start - 1] not in GENERIC_WORDS:
            break
        for end in range(len(tokens), start, -1):
            if end < len(tokens) and tokens[end] not in GENERIC_WORDS:
                break
            if (start, end) == (0, len(tokens)):
                continue
            if all(t in GENERIC_WORDS for t in tokens[start:end]):
                continue
            hit = cat.lookup(" ".join(tokens[start:end]))
            if hit and all(t in GENERIC_WORDS for t in tokens[:start] + tokens[end:]):
                return hit
    return _compound(tokens, cat)


_COMPOUND_TAILS = ("grupper", "gruppen", "grupp", "programmet", "program", "verksamhet", "teamet", "team")


def _compound(tokens: list[str], cat: Catalogue) -> set[str]:
    """A label glued to a generic word: "Barnkraftgrupp", "Humlangruppen" (Swedish compounds)."""
    if len(tokens) != 1:
        return set()
    for tail in _COMPOUND_TAILS:
        head = tokens[0].removesuffix(tail)
        if head != tokens[0] and len(head) >= Thresholds().min_stem_length:
            hit = cat.lookup(head)
            if hit:
                return hit
    return set()


def _parenthesised(text: str, cat: Catalogue, th: Thresholds, depth: int) -> list[_Cand]:
    """ "Intensiv hemmabaserad familjebehandling (IHF)": the acronym must agree with the name to be auto."""
    inner = " ".join(re.findall(r"\(([^()]*)\)", text))
    outer = re.sub(r"\([^()]*\)", " ", text).strip()
    if not inner and outer == text.strip():
        # An unclosed "(" ("Komet (för föräldrar"): no remark to take out, so read it as one name without the
        # stray parenthesis (reading the same text again would never end).
        outer = re.sub(r"[()]", " ", text).strip()
    outer_found = _interpret(outer, cat, th, depth) if fold(outer) else []
    inner_ids = cat.lookup(inner) if inner else set()
    if not inner_ids:
        return outer_found  # a remark in parentheses: "(pilot)", "(egen regi)"
    outer_ids = {c.programme for c in outer_found if c.relation == "same"}
    if outer_ids and inner_ids <= outer_ids:
        return _same(inner_ids, 100.0, "label+acronym")
    if not outer_found:
        return _same(inner_ids, 90.0, "acronym", status="review")
    review = [_Cand(c.programme, c.relation, c.score, "review", c.kind, c.basis) for c in outer_found]
    return review + [c for c in _same(inner_ids, 90.0, "acronym", "review") if c.programme not in outer_ids]


def _split(text: str) -> list[str]:
    for separator in _SPLIT_SEPARATORS:
        parts = [p for p in separator.split(text) if fold(p)]
        if len(parts) > 1:
            return parts
    return [text]


def _split_cell(parts: list[str], cat: Catalogue, th: Thresholds, depth: int) -> list[_Cand]:
    """Each part on its own; a part that names nothing sends the rest to review."""
    found: dict[str, _Cand] = {}
    unresolved = False
    for part in parts:
        cands = _interpret(part, cat, th, depth + 1)
        unresolved = unresolved or not cands
        for c in cands:
            if c.programme not in found or c.score > found[c.programme].score:
                found[c.programme] = _Cand(
                    c.programme, c.relation, c.score, c.status, c.kind, f"split:{c.basis}"
                )
    if unresolved:
        return [_Cand(c.programme, c.relation, c.score, "review", c.kind, c.basis) for c in found.values()]
    return list(found.values())


def _scores(text: str, cat: Catalogue, th: Thresholds) -> dict[str, float]:
    """Best fuzzy score per entry: plain, word-order-free and space-free comparisons of folded strings.

    Scores below ``review - margin`` are left out (rapidfuzz's ``score_cutoff``): ``_fuzzy`` never looks at
    them (a top score must reach ``review``, and only runners-up within ``margin`` of it matter).
    """
    key = fold(text)
    squeezed = compact(key)
    if len(squeezed) < th.min_fuzzy_length:
        return {}
    keys, compacts, ids = cat.fuzzy_choices(th.min_fuzzy_length)
    cutoff = max(0.0, th.review - th.margin)
    best: dict[str, float] = {}
    comparisons = (
        (key, keys, fuzz.ratio),
        (key, keys, fuzz.token_sort_ratio),
        (squeezed, compacts, fuzz.ratio),
    )
    for query, choices, scorer in comparisons:
        for _choice, score, index in process.extract(
            query, choices, scorer=scorer, limit=None, score_cutoff=cutoff
        ):
            id_ = ids[index]
            if score > best.get(id_, 0.0):
                best[id_] = score
    return best


def _fuzzy(text: str, cat: Catalogue, th: Thresholds) -> list[_Cand]:
    """Typos: a high score clearly ahead of the next programme is auto, a fair one goes to review."""
    best = sorted(_scores(text, cat, th).items(), key=lambda kv: (-kv[1], kv[0]))
    if not best or best[0][1] < th.review:
        return []
    top_id, top = best[0]
    runner_up = best[1][1] if len(best) > 1 else 0.0
    status = "auto" if top >= th.auto and top - runner_up >= th.margin else "review"
    cands = [_Cand(top_id, "same", top, status, "same", "fuzzy")]
    if status == "review":  # close runners-up are shown too, so the reviewer sees the choice
        cands += [_Cand(i, "same", s, "review", "same", "fuzzy") for i, s in best[1:3] if top - s < th.margin]
    return cands


def _stem(text: str, cat: Catalogue, th: Thresholds) -> set[str]:
    """A truncated label: "Macho" for Machofabriken. Only used inside a variant marker."""
    key = compact(fold(text))
    if len(key) < th.min_stem_length:
        return set()
    ids = {i for token, found in cat.tokens.items() if token.startswith(key) and token != key for i in found}
    return ids if len(ids) == 1 else set()


def _contains(text: str, cat: Catalogue) -> list[_Cand]:
    """A label inside a longer name ("HVB för ensamkommande"): a hint for review, never auto."""
    tokens = fold(text).split()
    found: set[str] = set()
    for size in range(len(tokens) - 1, 0, -1):
        for start in range(len(tokens) - size + 1):
            chunk = " ".join(tokens[start : start + size])
            if chunk in GENERIC_WORDS:
                continue
            found |= cat.exact.get(chunk, set())
        if found:
            break
    return [_Cand(i, "same", 85.0, "review", "same", "contains") for i in sorted(found)]


def rank(text: str, catalogue: Catalogue, limit: int = 5) -> list[tuple[str, float]]:
    """Entries ordered by name similarity, for suggestions (never a decision): (id, score 0-100)."""
    key = fold(text)
    if not key:
        return []
    best: dict[str, float] = {}
    for id_ in catalogue.lookup(text):
        best[id_] = 100.0
    for label, id_ in [(k, i) for k, ids in catalogue.exact.items() for i in ids]:
        score = fuzz.WRatio(key, label) * 0.9
        if score > best.get(id_, 0.0):
            best[id_] = score
    return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


# -- over the store ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalName:
    org: str
    name: str
    parent: str | None = None
    stated: Stated | None = None
    """What the submission's ``program``/``variant`` columns said (``ig:statedProgramme``/``ig:statedVariantKind``)."""
    offering: str = ""
    submission: str = ""
    """The organisation's current submission (``dct:source`` of its mappings)."""


def stated_link(programme: str | None, kind: str | None) -> Stated | None:
    """(programme, relation, kind) from the notations of a statement."""
    if not programme:
        return None
    kind = kind or "same"
    return (programme, "same" if kind == "same" else "variant", kind)


def _table(store: Store, sparql: str) -> list[dict[str, str]]:
    """A SELECT's rows as plain strings."""
    return store.query(sparql).table()


def _tail(iri: str | None, prefix: str) -> str | None:
    """The id at the end of an IRI minted by ``iris`` (a programme, a concept), or ``None``."""
    return iri[len(prefix) :] if iri and iri.startswith(prefix) else None


def offerings(store: Store, org: str | None = None) -> list[LocalName]:
    """Every offering in the store (or of ``org`` and its district units) with its name and statement."""
    base = store.base
    parents: dict[str, str] = {}
    submissions: dict[str, str] = {}
    for row in _table(store, rq.read("harmonise-organisation-context")):
        if "parent" in row:
            parents[row["org"]] = row["parent"]
        if "submission" in row:
            submissions[row["org"]] = row["submission"]
    ids: dict[str, str] = {}
    out: list[LocalName] = []
    programmes, kinds = iris.programme("", base), iris.concept("variant-kind", "", base)
    for row in _table(store, rq.read("harmonise-offerings")):
        org_iri = row["org"]
        org_id = ids.get(org_iri)
        if org_id is None:
            org_id = ids[org_iri] = iris.org_id(org_iri, base)
        parent = iris.org_id(parents[org_iri], base) if org_iri in parents else None
        if org and org not in (org_id, parent):
            continue
        stated = stated_link(
            _tail(row.get("statedProgramme"), programmes), _tail(row.get("statedKind"), kinds)
        )
        out.append(
            LocalName(org_id, row["name"], parent, stated, row["offering"], submissions.get(org_iri, ""))
        )
    return sorted(out, key=lambda n: (n.org, fold(n.name), n.name, n.offering))


def local_names(store: Store, org: str | None = None) -> list[LocalName]:
    """The distinct (organisation, local name) pairs in the store; ``org`` also takes its district units."""
    seen: dict[tuple[str, str], LocalName] = {}
    for item in offerings(store, org):
        seen.setdefault((item.org, item.name), item)
    return list(seen.values())


def propose(
    store: Store,
    settings: Settings | None = None,
    org: str | None = None,
    thresholds: Thresholds | None = None,
) -> list[Proposal]:
    """Proposals for every local name in the store (or one organisation's): decisions and statements applied.

    The same reading as the organisation's mapping graph (``harmonisation/mapping.py``): statuses
    stated/confirmed/auto/decided are the counted links, review the candidates; rejected pairs are left out.
    """
    if org and not known_organisation(store, org):
        raise UserError(
            f"unknown organisation '{org}': use an id from organisations.csv (e.g. 0580, 0180-bromma).",
            f"okänd organisation '{org}': använd ett id från organisations.csv (t.ex. 0580, 0180-bromma).",
            code="unknown-org",
        )
    catalogue = Catalogue.from_store(store)
    out: list[Proposal] = []
    for item in local_names(store, org):
        found = resolve(item.name, catalogue, item.org, thresholds, item.stated)
        out.extend(
            [p for p in found if p.status != "rejected"]
            or [Proposal(item.org, item.name, "", "none", 0.0, "none")]
        )
    return out
