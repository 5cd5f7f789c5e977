"""Label → IRI lookups for the spreadsheet: vocabulary concepts, catalogue entries and organisations.

Built once per set of bundled files (``data/ttl``) and cached, because every ingest needs them and they
change only when the repository does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS
from rdflib.term import IdentifiedNode

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.model.rdf import read_turtle

LABEL_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.notation)
PARTNER_KINDS = "partner-kind"
"""The scheme of ``data/ttl/partner-kinds.ttl``: what ``samverkan_med`` may name besides an organisation."""


def normalise(text: str) -> str:
    """The matching key of a label: case-folded, dashes unified, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class Vocabulary:
    """What a spreadsheet cell may name: concepts per scheme, catalogue entries, organisation ids."""

    concepts: dict[str, dict[str, URIRef]] = field(default_factory=dict)
    """scheme slug → normalised label → concept IRI."""
    display: dict[str, list[str]] = field(default_factory=dict)
    """scheme slug → the Swedish preferred labels, for "allowed values" messages."""
    programmes: dict[str, URIRef] = field(default_factory=dict)
    """normalised catalogue id or label → programme IRI."""
    programme_ids: list[str] = field(default_factory=list)
    programme_names: dict[str, str] = field(default_factory=dict)
    """catalogue id → its Swedish preferred label, what a drop-down shows (the ingest reads it back)."""
    organisations: set[str] = field(default_factory=set)
    organisation_labels: dict[str, str] = field(default_factory=dict)
    """normalised organisation name → id, so "Region Östergötland" finds ``region-ostergotland``."""
    organisation_names: dict[str, str] = field(default_factory=dict)
    """organisation id → its name, what a drop-down shows (the ingest reads it back)."""

    def concept(self, scheme: str, cell: str) -> URIRef | None:
        return self.concepts.get(scheme, {}).get(normalise(cell))

    def programme(self, cell: str) -> URIRef | None:
        return self.programmes.get(normalise(cell))

    def organisation(self, cell: str) -> str:
        """The organisation id a cell names (an id or a name); unknown text becomes a slug for SHACL to report."""
        text = cell.strip()
        if text in self.organisations:
            return text
        return self.organisation_labels.get(normalise(text)) or iris.slug(text)

    def partner_kind(self, cell: str) -> URIRef | None:
        """The partner kind (``partner-kind`` scheme) a ``samverkan_med`` cell names: "polisen", "BUP"…"""
        return self.concept(PARTNER_KINDS, cell)

    def close_partners(self, text: str, limit: int = 3) -> list[str]:
        """Partner kinds (their Swedish label) close to ``text`` as a whole word ("polsen" → polisen), then
        the register ids closest to it (``close_organisations``)."""
        key = normalise(text.replace("-", " "))
        kinds = self.concepts.get(PARTNER_KINDS, {})
        shown = {kinds[normalise(label)]: label for label in self.display.get(PARTNER_KINDS, [])}
        found: list[str] = []
        for label, _score, _ in process.extract(
            key, list(kinds), scorer=fuzz.ratio, score_cutoff=75, limit=limit * 4
        ):
            name = shown.get(kinds[label])
            if name and name not in found:
                found.append(name)
        found += [oid for oid in self.close_organisations(text, limit) if oid not in found]
        return found[:limit]

    def close_programmes(self, text: str, limit: int = 3) -> list[str]:
        """Catalogue ids whose id or labels are closest to ``text`` (for "did you mean" messages)."""
        choices = {key: str(value).rsplit("/", 1)[-1] for key, value in self.programmes.items()}
        found: list[str] = []
        for key, _score, _ in process.extract(
            normalise(text), list(choices), scorer=fuzz.WRatio, limit=limit * 4
        ):
            pid = choices[key]
            if pid not in found:
                found.append(pid)
        return found[:limit]

    def close_organisations(self, text: str, limit: int = 3) -> list[str]:
        """Register ids whose id or name is closest to ``text`` (for "did you mean" messages)."""
        found: list[str] = []
        for key, score, _ in process.extract(
            normalise(text), list(self.organisation_labels), scorer=fuzz.WRatio, limit=limit * 4
        ):
            oid = self.organisation_labels[key]
            if score >= 60 and oid not in found:
                found.append(oid)
        return found[:limit]


def _scheme_slug(scheme_iri: str) -> str:
    return scheme_iri.rstrip("/").rsplit("/", 1)[-1]


def build(
    vocabularies: Path, catalogue: Path, organisations: Path, base: str, partner_kinds: Path | None = None
) -> Vocabulary:
    """Read the bundled files into lookup tables (the partner kinds are concepts like the vocabularies')."""
    vocab = Vocabulary()
    graph = read_turtle(vocabularies, base)
    if partner_kinds is not None and partner_kinds.exists():
        graph += read_turtle(partner_kinds, base)
    for concept, scheme in graph.subject_objects(SKOS.inScheme):
        assert isinstance(concept, IdentifiedNode)  # a Turtle subject: an IRI or a blank node
        slug = _scheme_slug(str(scheme))
        table = vocab.concepts.setdefault(slug, {})
        for prop in LABEL_PROPERTIES:
            for label in graph.objects(concept, prop):
                table.setdefault(normalise(str(label)), URIRef(concept))
        sv = [
            str(label)
            for label in graph.objects(concept, SKOS.prefLabel)
            if getattr(label, "language", None) == "sv"
        ]
        vocab.display.setdefault(slug, []).extend(sv)
    _add_catalogue(vocab, read_turtle(catalogue, base), base)
    orgs = read_turtle(organisations, base)
    for org in set(orgs.subjects(RDF.type, None)):
        for ident in orgs.objects(org, DCTERMS.identifier):
            vocab.organisations.add(str(ident))
            for label in orgs.objects(org, SKOS.prefLabel):
                vocab.organisation_labels[normalise(str(label))] = str(ident)
                vocab.organisation_names[str(ident)] = str(label)
            vocab.organisation_labels[normalise(str(ident))] = str(ident)
    return vocab


def _add_catalogue(vocab: Vocabulary, cat: Graph, base: str) -> None:
    """The catalogue's ids, labels and names into ``vocab``'s programme tables."""
    prefix = iris.programme("", base)
    entries = sorted({e for e in cat.subjects(SKOS.inScheme, None) if isinstance(e, IdentifiedNode)})
    for entry in entries:
        if not str(entry).startswith(prefix):
            continue
        pid = str(entry)[len(prefix) :]
        vocab.programme_ids.append(pid)
        vocab.programmes[normalise(pid)] = URIRef(entry)
    for entry in entries:  # labels after ids: an id always wins
        for prop in LABEL_PROPERTIES[:3]:
            for label in cat.objects(entry, prop):
                vocab.programmes.setdefault(normalise(str(label)), URIRef(entry))
                if prop == SKOS.prefLabel and getattr(label, "language", None) == "sv":
                    vocab.programme_names[str(entry)[len(prefix) :]] = str(label)


def with_catalogue(vocabulary: Vocabulary, catalogue: Graph, base: str) -> Vocabulary:
    """The same vocabulary with another catalogue (an imported edition in the store) in place of the bundled one."""
    out = replace(vocabulary, programmes={}, programme_ids=[], programme_names={})
    _add_catalogue(out, catalogue, base)
    return out


@lru_cache(maxsize=8)
def _cached(
    vocabularies: Path,
    catalogue: Path,
    organisations: Path,
    partner_kinds: Path,
    base: str,
    stamp: tuple[float, ...],
) -> Vocabulary:
    return build(vocabularies, catalogue, organisations, base, partner_kinds)


def load(settings: Settings) -> Vocabulary:
    """The vocabulary of the settings' bundled files, rebuilt when one of them changes."""
    paths = (
        settings.data_dir / "vocabularies.ttl",
        settings.data_dir / "catalogue.ttl",
        settings.data_dir / "organisations.ttl",
        settings.data_dir / "partner-kinds.ttl",
    )
    stamp = tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)
    return _cached(*paths, settings.base, stamp)
