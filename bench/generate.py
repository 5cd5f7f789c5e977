"""A seeded generator of national-scale synthetic mapping data, in the data shape of docs/design.md.

    python bench/generate.py [--seed 4] [--municipalities 290] [--offerings 200] [--out bench/out]

Writes three N-Quads files (so a store can load all of them and rdflib can split them, see run.py):
- ``reference-current.nq``: the bundled ontology, vocabularies, catalogue (plus synthetic programmes up to
  the ~200 entries of SKR's national list), organisations (the bundled register plus synthetic
  municipalities up to 290, spread over the 21 counties) and every organisation's current submission;
- ``provenance.nq``: one provenance graph per organisation (``ig:currentSubmission``, ``prov:wasRevisionOf``,
  the submitter as a ``prov:Agent``) and the personal graph beside it with the submitter's name;
- ``history.nq``: every accepted submission's data under the submission IRI (the current one, and for
  about one organisation in ten, Linköping always, a previous one that differs);
- ``mapping.nq``: every organisation's mapping graph, derived by the product's own matcher
  (``mapping.derive``) from the lists above;
- ``statistics.nq``: the statistics a national deployment imports (``write_statistics``): the bundled tables,
  a national table per municipality and year (population, decided interventions, cost per inhabitant,
  Stockholm's districts), interventions ended according to plan, and the per-offering figures of the
  submissions (participants, boys, girls, waiting days);
- ``evidence.nq``: registry assessments of about half the programmes (``write_evidence``).

Both are built by the product's own importers (``statistics.prepare``/``commit``, ``figures.from_upload``,
``evidence.parse`` and ``curated.commit``) from generated CSV text in a memory store, so they have the graph
names, ``qb:`` structure, history copies and provenance records ``insatsgraf`` writes.

The data is in the layout ``insatsgraf submit`` writes (docs/design.md "Harmonisation in the graph"): a
current graph *states* its programmes (``ig:statedProgramme``/``ig:statedVariantKind``), the history copy
keeps the list as submitted (``ig:implements``/``ig:variantOf``), and the links the catalogue counts come
from the mapping graphs, so the benchmarks measure the queries with the harmonisation links in the graph.

Realism: each municipality runs ~200 offerings (normal, sd 25): programmes from the catalogue chosen by
a Zipf-like popularity, some in two age versions; local names with the noise seen in real lists (case,
acronyms, age suffixes, "-samtal", "Förstärkt", typos, en dashes); ~8 % variants (own variants with fewer
sessions, local adaptations, "X-liknande"); ~15 % local interventions on no list; evidence citations;
collaborations with neighbours in the county, about a third claimed by one side only; some organisations
with no offering at all for one or two problem areas.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from insatsgraf.config import DEFAULT_BASE, Settings
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import read_turtle
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import bundled_graphs

BASE = DEFAULT_BASE
ID = f"{BASE}id/"
IGS = str(IG)
SKOSS = str(SKOS)
RDF_TYPE = str(RDF.type)
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
GIVEN = ["Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per"]
FAMILY = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"]
"""Submitters' names: a deployment's lists are submitted by people, whose names are personal data kept
in personal graphs (one beside every provenance graph), which the endpoint leaves out of GRAPH ?g."""
ORG = "http://www.w3.org/ns/org#"

COUNTIES = [
    ("01", "Stockholms län", 26),
    ("03", "Uppsala län", 8),
    ("04", "Södermanlands län", 9),
    ("05", "Östergötlands län", 13),
    ("06", "Jönköpings län", 13),
    ("07", "Kronobergs län", 8),
    ("08", "Kalmar län", 12),
    ("09", "Gotlands län", 1),
    ("10", "Blekinge län", 5),
    ("12", "Skåne län", 33),
    ("13", "Hallands län", 6),
    ("14", "Västra Götalands län", 49),
    ("17", "Värmlands län", 16),
    ("18", "Örebro län", 12),
    ("19", "Västmanlands län", 10),
    ("20", "Dalarnas län", 15),
    ("21", "Gävleborgs län", 10),
    ("22", "Västernorrlands län", 7),
    ("23", "Jämtlands län", 8),
    ("24", "Västerbottens län", 15),
    ("25", "Norrbottens län", 14),
]
"""SCB county code, name and number of municipalities (together 290)."""

SYLLABLES = [
    "sal",
    "berg",
    "fors",
    "ås",
    "vik",
    "holm",
    "by",
    "köping",
    "lunda",
    "sjö",
    "dal",
    "hult",
    "näs",
    "torp",
    "ryd",
    "hed",
    "stad",
    "mark",
    "å",
    "bro",
]
STARTS = [
    "Norr",
    "Söder",
    "Väster",
    "Öster",
    "Lill",
    "Stor",
    "Ny",
    "Gamla ",
    "Ek",
    "Björk",
    "Lind",
    "Hög",
    "Sand",
    "Sten",
    "Mal",
    "Ulv",
    "Tran",
    "Hjo",
    "Ån",
    "Kal",
]
PROGRAMME_WORDS = [
    "Trygg",
    "Stark",
    "Växa",
    "Tillsammans",
    "Föräldra",
    "Ungdoms",
    "Familje",
    "Barn",
    "Skol",
    "Hem",
    "Steg",
    "Bro",
    "Kompass",
    "Ankare",
    "Fyr",
    "Start",
    "Nätverk",
    "Samtals",
    "Grupp",
    "Stöd",
]
PROGRAMME_ENDS = [
    "programmet",
    "modellen",
    "gruppen",
    "vägen",
    "stegen",
    "cirkeln",
    "tid",
    "kraft",
    "bron",
    "verkstan",
    "samtal",
    "skolan",
    "huset",
    "lotsen",
]
LOCAL_NAMES = [
    "Stöd till barn som växer upp med våld",
    "Stöd till barn med förälder i fängelse",
    "Fältverksamheten",
    "Ungdomsboende",
    "Familjelotsen",
    "Ungdomshälsan",
    "Föräldrakurser",
    "Läs för mig",
    "Familjeterapihund",
    "Sommarkollo",
    "Nattvandring",
    "Ungdomsmottagningens samtalsstöd",
    "Stödgrupp för syskon",
    "Mammagrupp",
    "Pappagrupp",
    "Barngrupp vid skilsmässa",
    "Mentorsprogram",
    "Läxhjälp",
    "Boendestöd unga",
    "Ungdomscoach",
    "Feriejobb med stöd",
    "Öppen förskola plus",
    "Hembesök nyblivna föräldrar",
    "Ridterapi",
    "Friluftsgrupp",
    "Drogförebyggande samtal",
    "Stödsamtal unga vuxna",
    "Tjejgrupp",
    "Killgrupp",
    "Språkstöd för föräldrar",
    "Nätverkslag",
    "Skolnärvaroteam",
    "Fritidsledare i skolan",
    "Kvällsöppet",
]
NAME_SUFFIXES = [
    " 3-11 år",
    " 12-18 år",
    " 0-6 år",
    " (grupp)",
    " – individuellt",
    "-samtal",
    " för föräldrar",
    " i samverkan",
    " (ny)",
    " 2.0",
]

PREVENTION = ["universal", "selective", "indicated"]
SKR = ["individual-group", "placement", "during-placement", "guardian-during-placement", "outreach"]
PROBLEM = ["behaviour", "mental-health", "school", "substance-use", "crime", "family-conflict", "neglect"]
TARGET = ["children", "youth", "parents", "family"]
FORM = ["service", "assessed"]
DELIVERY = ["in-house", "procured", "collaboration"]
EVIDENCE_KINDS = ["systematic-review", "effect-evaluation", "method-guide", "local-follow-up", "report"]
COLLAB_KINDS = ["shared-delivery", "joint-purchase", "shared-training", "shared-premises", "coordination"]


def concept(scheme: str, notation: str) -> str:
    return f"{ID}concept/{scheme}/{notation}"


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, lang: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def integer(value: int) -> str:
    return f'"{value}"^^<{XSD}integer>'


@dataclass
class Programme:
    id: str
    iri: str
    label: str
    alt: list[str]
    min_age: int | None
    max_age: int | None
    evidence: str | None = None


@dataclass
class Org:
    id: str
    iri: str
    county: str
    offerings: list[list[tuple[str, str, str]]] = field(default_factory=list)
    absent_areas: tuple[str, ...] = ()
    """Problem areas this organisation has no offering for at all (the gaps question needs some)."""
    """One entry per offering: its triples (s, p, o in N-Triples syntax)."""


class Generator:
    def __init__(self, seed: int, municipalities: int, mean_offerings: int, settings: Settings):
        self.rng = random.Random(seed)
        self.seed = seed
        self.manual_rng = random.Random(f"{seed}-manual")
        """For the programmes' manual session counts: its own stream, so the rest of the data stays as it was."""
        self.settings = settings
        self.municipalities = municipalities
        self.mean_offerings = mean_offerings
        self.reference: dict[str, Graph] = {
            name: read_turtle(path, BASE) for name, path in bundled_graphs(settings)
        }
        self.programmes = self._programmes()
        self.orgs = self._organisations()

    # -- reference data ---------------------------------------------------------------------------

    def _programmes(self) -> list[Programme]:
        catalogue = self.reference[iris.graph("catalogue")]
        found: list[Programme] = []
        for subject in sorted(set(catalogue.subjects(SKOS.inScheme, URIRef(iris.scheme("catalogue"))))):
            labels = catalogue.objects(subject, SKOS.prefLabel)
            label = next((str(o) for o in labels if o.language == "sv"), None)
            if label is None:
                continue
            alt = sorted(str(o) for o in catalogue.objects(subject, SKOS.altLabel))
            min_age = catalogue.value(subject, IG.minAge)
            max_age = catalogue.value(subject, IG.maxAge)
            found.append(
                Programme(
                    str(subject).rsplit("/", 1)[1],
                    str(subject),
                    label,
                    alt,
                    int(min_age) if min_age is not None else None,
                    int(max_age) if max_age is not None else None,
                )
            )
        # synthetic programmes up to the ~200 entries of SKR's national list
        names = {p.label for p in found}
        while len(found) < 200:
            name = self.rng.choice(PROGRAMME_WORDS) + self.rng.choice(PROGRAMME_ENDS)
            if name in names:
                name = f"{name} {self.rng.choice(['II', 'plus', 'junior', 'familj'])}"
                if name in names:
                    continue
            names.add(name)
            slug = iris.slug(name)
            low = self.rng.choice([0, 3, 6, 10, 12, 13])
            acronym = "".join(w[0] for w in name.replace("-", " ").split()).upper()
            high = min(low + self.rng.choice([5, 8, 12]), 20)
            found.append(
                Programme(
                    f"bench-{slug}",
                    f"{ID}programme/bench-{slug}",
                    name,
                    [acronym] if len(acronym) > 1 else [],
                    low,
                    high,
                )
            )
        for programme in found:  # a third of the programmes have a national evidence source
            if self.rng.random() < 0.35:
                programme.evidence = f"{ID}evidence/bench-{programme.id}"
        return found

    def _organisations(self) -> list[Org]:
        register = self.reference[iris.graph("organisations")]
        real: dict[str, list[Org]] = {}
        for subject in register.subjects(RDF.type, IG.Municipality):
            county = str(register.value(subject, IG.county))
            org_id = iris.org_id(str(subject))
            real.setdefault(county, []).append(Org(org_id, str(subject), county))
        orgs: list[Org] = []
        used = {o.id for group in real.values() for o in group}
        for code, county, count in COUNTIES:
            group = sorted(real.get(county, []), key=lambda o: o.id)[:count]
            n = 1
            while len(group) < count:
                org_id = f"{code}{n:02d}"
                n += 1
                if org_id in used:
                    continue
                used.add(org_id)
                group.append(Org(org_id, iris.organisation(org_id), county))
            orgs.extend(group)
        return orgs[: self.municipalities]

    def synthetic_register(self) -> Iterator[tuple[str, str, str]]:
        register = self.reference[iris.graph("organisations")]
        known = {str(s) for s in register.subjects(RDF.type, None)}
        for org in self.orgs:
            if org.iri in known:
                continue
            name = self.rng.choice(STARTS) + self.rng.choice(SYLLABLES)
            yield iri(org.iri), iri(RDF_TYPE), iri(f"{ORG}Organization")
            yield iri(org.iri), iri(RDF_TYPE), iri(f"{IGS}Municipality")
            yield iri(org.iri), iri(f"{SKOSS}prefLabel"), lit(name, "sv")
            yield iri(org.iri), iri(f"{IGS}county"), lit(org.county)
            yield iri(org.iri), iri(f"{IGS}municipalityCode"), lit(org.id)

    def synthetic_catalogue(self) -> Iterator[tuple[str, str, str]]:
        for p in self.programmes:
            if p.evidence:
                kind = self.rng.choice(["systematic-review", "effect-evaluation", "method-guide"])
                yield iri(p.iri), iri(f"{IGS}evidence"), iri(p.evidence)
                yield iri(p.evidence), iri(RDF_TYPE), iri(f"{IGS}EvidenceSource")
                page = f"https://www.socialstyrelsen.se/metodguiden/{p.id}/"
                yield iri(p.evidence), iri(f"{FOAF}page"), iri(page)
                yield iri(p.evidence), iri(f"{IGS}evidenceKind"), iri(concept("evidence-kind", kind))
            if not p.id.startswith("bench-"):
                continue
            yield iri(p.iri), iri(RDF_TYPE), iri(f"{IGS}Programme")
            yield iri(p.iri), iri(RDF_TYPE), iri(f"{SKOSS}Concept")
            yield iri(p.iri), iri(f"{SKOSS}inScheme"), iri(iris.scheme("catalogue"))
            yield iri(p.iri), iri(f"{SKOSS}notation"), lit(p.id)
            yield iri(p.iri), iri(f"{SKOSS}prefLabel"), lit(p.label, "sv")
            for alt in p.alt:
                yield iri(p.iri), iri(f"{SKOSS}altLabel"), lit(alt)
            if p.min_age is not None:
                yield iri(p.iri), iri(f"{IGS}minAge"), integer(p.min_age)
            if p.max_age is not None:
                yield iri(p.iri), iri(f"{IGS}maxAge"), integer(p.max_age)
            if self.manual_rng.random() < 0.4:  # the manual's number of sessions, for the fidelity question
                sessions = self.manual_rng.choice([6, 8, 10, 12, 14, 20])
                yield iri(p.iri), iri(f"{IGS}numberOfSessions"), integer(sessions)

    # -- names ------------------------------------------------------------------------------------

    def noisy_name(self, p: Programme) -> str:
        r = self.rng.random()
        if r < 0.40:
            name = p.label
        elif r < 0.55 and p.alt:
            name = self.rng.choice(p.alt)
        else:
            name = self.rng.choice([p.label, *p.alt]) if p.alt else p.label
            for _ in range(self.rng.choice([1, 1, 2])):
                name = self.rng.choice([self._case, self._suffix, self._prefix, self._typo, self._dash])(name)
        return name

    def _case(self, name: str) -> str:
        return self.rng.choice([name.upper(), name.lower(), name.title(), name[:1].lower() + name[1:]])

    def _suffix(self, name: str) -> str:
        return name + self.rng.choice(NAME_SUFFIXES)

    def _prefix(self, name: str) -> str:
        return self.rng.choice(["Förstärkt ", "Utökat ", "Nya "]) + name

    def _typo(self, name: str) -> str:
        if len(name) < 4:
            return name
        i = self.rng.randrange(1, len(name) - 2)
        return self.rng.choice(
            [
                name[:i] + name[i + 1 :],
                name[:i] + name[i + 1] + name[i] + name[i + 2 :],
                name[:i] + name[i] + name[i:],
            ]
        )

    def _dash(self, name: str) -> str:
        return name.replace("-", "–") if "-" in name else name.replace(" ", "-", 1)

    # -- offerings --------------------------------------------------------------------------------

    def build(self) -> None:
        weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(self.programmes))]
        order = self.programmes[:]
        self.rng.shuffle(order)
        for org in self.orgs:
            n = max(80, int(self.rng.gauss(self.mean_offerings, 25)))
            org.absent_areas = tuple(self.rng.sample(PROBLEM, self.rng.choice([0, 0, 1, 2])))
            slugs: dict[str, int] = {}
            n_local = int(n * 0.15)
            n_variant = int(n * 0.08)
            chosen = self._choose(order, weights, n - n_local - n_variant)
            rows: list[tuple[str, Programme | None, str]] = [
                (self.noisy_name(p), p, "implements") for p in chosen
            ]
            for p in self._choose(order, weights, n_variant):
                rows.append((self._variant_name(p), p, "variantOf"))
            for _ in range(n_local):
                rows.append((self._local_name(), None, "local"))
            for row_no, (name, programme, relation) in enumerate(rows, start=2):
                slug = iris.slug(name)
                slugs[slug] = slugs.get(slug, 0) + 1
                if slugs[slug] > 1:
                    slug = f"{slug}-{slugs[slug]}"
                org.offerings.append(self._offering(org, slug, name, programme, relation, row_no))
        self._collaborations()

    def _choose(self, order: list[Programme], weights: list[float], k: int) -> list[Programme]:
        picked: list[Programme] = []
        seen: set[str] = set()
        while len(picked) < k:
            p = self.rng.choices(order, weights)[0]
            if p.id in seen and self.rng.random() < 0.85:  # a second age version now and then
                continue
            seen.add(p.id)
            picked.append(p)
        return picked

    def _variant_name(self, p: Programme) -> str:
        return self.rng.choice(
            [
                f"Mini {p.label}",
                f"{p.label}-liknande insats",
                f"{p.label} (egen variant)",
                f"{p.label} kort",
                f"{p.label} light",
            ]
        )

    def _local_name(self) -> str:
        name = self.rng.choice(LOCAL_NAMES)
        return self._case(name) if self.rng.random() < 0.1 else name

    def _offering(
        self, org: Org, slug: str, name: str, p: Programme | None, relation: str, row: int
    ) -> list[tuple[str, str, str]]:
        s = iri(iris.offering(org.id, slug))
        rng = self.rng
        t: list[tuple[str, str, str]] = [
            (s, iri(RDF_TYPE), iri(f"{IGS}Offering")),
            (s, iri(f"{IGS}offeredBy"), iri(org.iri)),
            (s, iri(f"{IGS}localName"), lit(name)),
            (s, iri(f"{IGS}sourceRow"), integer(row)),
            (s, iri(f"{DCT}description"), lit(f"{name}: insats i {org.id}, rad {row}.", "sv")),
        ]
        if p is not None:
            t.append((s, iri(f"{IGS}{relation}"), iri(p.iri)))
            kinds = ["own-variant", "local-adaptation", "like"]
            kind = "same" if relation == "implements" else rng.choice(kinds)
            t.append((s, iri(f"{IGS}variantKind"), iri(concept("variant-kind", kind))))
            if relation == "variantOf":
                t.append((s, iri(f"{IGS}numberOfSessions"), integer(rng.choice([3, 5, 6, 7, 8, 10]))))
                notes = [
                    "Färre träffar än manualen",
                    "Anpassad för mellanstadiet",
                    "Kortare version",
                    "Digitala träffar",
                ]
                t.append((s, iri(f"{IGS}variantNote"), lit(rng.choice(notes))))
            if p.evidence and rng.random() < 0.2:
                t.append((s, iri(f"{IGS}evidence"), iri(p.evidence)))
        elif rng.random() < 0.3:
            written = rng.choice(["Egen metod", name, "Lokal modell"])
            t.append((s, iri(f"{IGS}submittedProgramme"), lit(written)))
        if rng.random() < 0.04:
            ev = f"{ID}evidence/bench-local-{org.id}-{slug}"
            t += [
                (s, iri(f"{IGS}evidence"), iri(ev)),
                (iri(ev), iri(RDF_TYPE), iri(f"{IGS}EvidenceSource")),
                (iri(ev), iri(f"{DCT}bibliographicCitation"), lit(f"Lokal uppföljning av {name}, {org.id}")),
                (iri(ev), iri(f"{IGS}evidenceKind"), iri(concept("evidence-kind", "local-follow-up"))),
            ]
        for group in rng.sample(TARGET, rng.choice([1, 1, 2])):
            t.append((s, iri(f"{IGS}targetGroup"), iri(concept("target-group", group))))
        low = rng.choice([0, 0, 3, 6, 10, 12, 13])
        high = min(20, low + rng.choice([5, 8, 17]))
        t += [(s, iri(f"{IGS}minAge"), integer(low)), (s, iri(f"{IGS}maxAge"), integer(high))]
        for level in rng.sample(PREVENTION, rng.choice([1, 1, 1, 2])):
            t.append((s, iri(f"{IGS}preventionLevel"), iri(concept("prevention-level", level))))
        category = rng.choices(SKR, [8, 2, 1, 1, 3])[0]
        t.append((s, iri(f"{IGS}skrCategory"), iri(concept("skr-category", category))))
        for area in rng.sample(PROBLEM, rng.choice([0, 1, 1, 2])):
            if area in org.absent_areas:
                continue
            t.append((s, iri(f"{IGS}problemArea"), iri(concept("problem-area", area))))
        t.append((s, iri(f"{IGS}form"), iri(concept("form", rng.choice(FORM)))))
        t.append((s, iri(f"{IGS}delivery"), iri(concept("delivery", rng.choices(DELIVERY, [8, 2, 1])[0]))))
        return t

    def _collaborations(self) -> None:
        by_county: dict[str, list[Org]] = {}
        for org in self.orgs:
            by_county.setdefault(org.county, []).append(org)
        for org in self.orgs:
            neighbours = [o for o in by_county[org.county] if o is not org]
            for offering in self.rng.sample(org.offerings, 5):
                basis = (iri(f"{IGS}implements"), iri(f"{IGS}variantOf"))
                based = next((o for (_, p, o) in offering if p in basis), None)
                subject = offering[0][0]
                if based is None or not neighbours:
                    continue
                partner = self.rng.choice(neighbours)
                self._claim(org, partner, subject, based)
                if self.rng.random() < 0.65:  # the partner confirms with its own claim
                    mine = next((o[0][0] for o in partner.offerings if any(t[2] == based for t in o)), None)
                    if mine is not None:
                        self._claim(partner, org, mine, based)

    def _claim(self, claimant: Org, partner: Org, about: str, programme: str) -> None:
        slug = about.strip("<>").rsplit("/", 1)[1]
        c = iri(iris.collaboration(claimant.id, slug))
        claimant.offerings[0] = claimant.offerings[0] + [
            (c, iri(RDF_TYPE), iri(f"{IGS}Collaboration")),
            (c, iri(f"{IGS}about"), about),
            (c, iri(f"{IGS}partner"), iri(claimant.iri)),
            (c, iri(f"{IGS}partner"), iri(partner.iri)),
            (
                c,
                iri(f"{IGS}collaborationKind"),
                iri(concept("collaboration-kind", self.rng.choice(COLLAB_KINDS))),
            ),
            (c, iri(f"{PROV}wasAttributedTo"), iri(claimant.iri)),
        ]

    # -- writing ----------------------------------------------------------------------------------

    def previous_version(self, org: Org) -> list[list[tuple[str, str, str]]]:
        """An older submission: some offerings missing or extra, some prevention levels different."""
        older = [list(o) for o in org.offerings]
        for o in self.rng.sample(older[1:], 3):  # added since: absent before
            older.remove(o)
        for o in self.rng.sample(older[1:], 5):  # level changed since
            for i, triple in enumerate(o):
                if triple[1] == iri(f"{IGS}preventionLevel"):
                    level = self.rng.choice(PREVENTION)
                    o[i] = (triple[0], triple[1], iri(concept("prevention-level", level)))
        for n in range(4):  # removed since
            older.append(
                self._offering(org, f"avslutad-insats-{n}", f"Avslutad insats {n}", None, "local", 900 + n)
            )
        return older

    def write(self, out: Path) -> dict[str, int]:
        out.mkdir(parents=True, exist_ok=True)
        counts = {"reference-current.nq": 0, "provenance.nq": 0, "history.nq": 0, "mapping.nq": 0}
        with (
            (out / "reference-current.nq").open("w", encoding="utf-8") as main,
            (out / "provenance.nq").open("w", encoding="utf-8") as prov,
            (out / "history.nq").open("w", encoding="utf-8") as hist,
        ):
            for name, graph in self.reference.items():
                g = iri(name)
                for line in graph.serialize(format="nt").splitlines():
                    if line.strip():
                        main.write(f"{line[:-1].rstrip()} {g} .\n")
                        counts["reference-current.nq"] += 1
            extra = {
                iris.graph("organisations"): self.synthetic_register(),
                iris.graph("catalogue"): self.synthetic_catalogue(),
            }
            for name, triples in extra.items():
                for s, p, o in triples:
                    main.write(f"{s} {p} {o} {iri(name)} .\n")
                    counts["reference-current.nq"] += 1
            for org in self.orgs:
                current = iris.submission(org.id, "2021-06-01")
                graph = iri(iris.current_graph(org.id))
                rows = [t for o in org.offerings for t in o]
                for s, p, o in stated(rows):
                    main.write(f"{s} {p} {o} {graph} .\n")
                for s, p, o in rows:
                    hist.write(f"{s} {p} {o} {iri(current)} .\n")
                counts["reference-current.nq"] += len(rows)
                counts["history.nq"] += len(rows)
                pg = iri(iris.graph(f"provenance/{org.id}"))
                lines = self._provenance(org, current, None)
                submissions = [current]
                if org.id == "0580" or self.rng.random() < 0.1:
                    previous = iris.submission(org.id, "2020-05-01")
                    lines = self._provenance(org, previous, None) + self._provenance(org, current, previous)
                    submissions.append(previous)
                    older = [t for o in self.previous_version(org) for t in o]
                    for s, p, o in older:
                        hist.write(f"{s} {p} {o} {iri(previous)} .\n")
                    counts["history.nq"] += len(older)
                # who submitted, in the personal graph beside the provenance graph (sparql.updates.split_personal)
                personal = iri(str(iris.personal_graph(iris.graph(f"provenance/{org.id}"))))
                for submission in submissions:
                    who = random.Random(submission)  # (not self.rng: the rest of the data stays as it was)
                    name = lit(f"{who.choice(GIVEN)} {who.choice(FAMILY)}")
                    prov.write(f"{iri(f'{submission}#submitter')} {iri(f'{FOAF}name')} {name} {personal} .\n")
                    counts["provenance.nq"] += 1
                lines.append((iri(org.iri), iri(f"{IGS}currentSubmission"), iri(current)))
                for s, p, o in lines:
                    prov.write(f"{s} {p} {o} {pg} .\n")
                counts["provenance.nq"] += len(lines)
        counts["mapping.nq"] = write_mapping(out)
        counts["statistics.nq"] = write_statistics(out, self)
        counts["evidence.nq"] = write_evidence(out, self)
        return counts

    def _provenance(self, org: Org, submission: str, previous: str | None) -> list[tuple[str, str, str]]:
        s = iri(submission)
        day = submission.rsplit("/", 1)[1]
        out = [
            (s, iri(RDF_TYPE), iri(f"{IGS}Submission")),
            (s, iri(f"{IGS}submittedBy"), iri(org.iri)),
            (s, iri(f"{DCT}issued"), f'"{day}"^^<{XSD}date>'),
            (s, iri(f"{IGS}fileName"), lit(f"{org.id}-{day}.xlsx")),
        ]
        if previous:
            out.append((s, iri(f"{PROV}wasRevisionOf"), iri(previous)))
        agent = iri(f"{submission}#submitter")  # as curated.provenance names the submitter
        out += [(s, iri(f"{PROV}wasAttributedTo"), agent), (agent, iri(RDF_TYPE), iri(f"{PROV}Agent"))]
        return out


STATED = {
    iri(f"{IGS}implements"): iri(f"{IGS}statedProgramme"),
    iri(f"{IGS}variantOf"): iri(f"{IGS}statedProgramme"),
    iri(f"{IGS}variantKind"): iri(f"{IGS}statedVariantKind"),
}


def stated(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """A current graph's triples as ``submit`` writes them (``mapping.move_statements``): the offerings
    state their programme and kind; an ``implements`` without a kind states ``same``."""
    out = [(s, STATED.get(p, p), o) for s, p, o in rows]
    kinds = {s for s, p, _ in rows if p == iri(f"{IGS}variantKind")}
    same = iri(concept("variant-kind", "same"))
    out += [(s, STATED[p], same) for s, p, _ in rows if p == iri(f"{IGS}implements") and s not in kinds]
    return out


def write_mapping(out: Path) -> int:
    """Derive every organisation's mapping graph from the files just written, as ``insatsgraf load`` does."""
    import pyoxigraph as ox

    from insatsgraf.harmonisation import mapping
    from insatsgraf.sparql.embedded import OxigraphStore

    store = OxigraphStore(None, base=BASE)
    for name in ("reference-current.nq", "provenance.nq"):
        store.bulk_load(ox.parse(path=str(out / name), format=ox.RdfFormat.N_QUADS))
    graphs = mapping.derive(store)
    store.replace_graphs(graphs)
    count = 0
    with (out / "mapping.nq").open("wb") as target:
        for name in sorted(n for n, g in graphs.items() if g is not None):
            quads = list(store.quads(ox.NamedNode(name)))
            ox.serialize(quads, target, format=ox.RdfFormat.N_QUADS)
            count += len(quads)
    return count


# -- statistics and evidence (issue 14's figures, issue 17's assessments) ---------------------------

STATISTICS_DAY = "2021-06-01"
IMPORTED_AT = datetime.fromisoformat(f"{STATISTICS_DAY}T00:00:00+00:00")
"""When the generated imports say they happened, so two runs write the same quads."""
NATIONAL_YEARS = ("2017", "2018", "2019", "2020")
SHAPE_SAMPLE = 400
"""Observations checked against ``shapes/statistics.ttl`` in the first table of each kind (pySHACL on all
of them would take ten minutes; each kind's rows are made by one function, so a sample shows the shapes
accept them)."""


def _memory_store(out: Path, names: tuple[str, ...]) -> tuple[OxigraphStore, set[str]]:
    """A memory store holding the files just written, and the graph names it holds before any import."""
    import pyoxigraph as ox

    store = OxigraphStore(None, base=BASE)
    for name in names:
        store.bulk_load(ox.parse(path=str(out / name), format=ox.RdfFormat.N_QUADS))
    return store, set(store.graph_names())


def _write_new_graphs(store: OxigraphStore, before: set[str], target: Path) -> int:
    """Every graph the imports added (current, history copy, provenance), as N-Quads."""
    import pyoxigraph as ox

    count = 0
    with target.open("wb") as handle:
        for name in sorted(set(store.graph_names()) - before):
            quads = sorted(store.quads(ox.NamedNode(name)), key=str)  # the same bytes on every run
            ox.serialize(quads, handle, format=ox.RdfFormat.N_QUADS)
            count += len(quads)
    return count


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@contextmanager
def sampled_shape_checks() -> Iterator[None]:
    """``statistics.check_shapes`` on the dataset and ``SHAPE_SAMPLE`` observations of each table."""
    from rdflib.namespace import RDF as R

    from insatsgraf.model import cube
    from insatsgraf.submission import statistics

    real: Callable[..., None] = statistics.check_shapes
    kinds: set[str] = set()

    def check(graph: Graph, settings: Settings, filename: str) -> None:
        kind = "".join(c for c in filename if not c.isdigit())  # kolada-2017.csv, 0580-2021-06-01.csv, …
        if kind in kinds:
            return None
        kinds.add(kind)
        observations = sorted(set(graph.subjects(R.type, cube.QB.Observation)))
        if len(observations) <= SHAPE_SAMPLE:
            return real(graph, settings, filename)
        left_out = set(observations[SHAPE_SAMPLE:])
        sample = Graph()
        for triple in graph:
            if triple[0] not in left_out:
                sample.add(triple)
        return real(sample, settings, filename)

    statistics.check_shapes = check
    try:
        yield
    finally:
        statistics.check_shapes = real


def national_tables(gen: Generator, rng: random.Random, districts: list[str]) -> dict[str, bytes]:
    """A national table per year (period → CSV), a row per municipality, as Kolada publishes it: population
    (all ages and 0–20), decided interventions (0–20, all and by sex) and cost per inhabitant; Stockholm's
    figures by district only (so decided-interventions-per-1000 rolls them up)."""
    rows: dict[str, list[list[object]]] = {year: [] for year in NATIONAL_YEARS}
    reporters = [(o.id, o.id == "0180") for o in gen.orgs] + [(d, False) for d in districts]
    for org_id, by_district in reporters:
        size = int(math.exp(rng.gauss(10.0, 1.0)))  # 2 500 … 900 000 inhabitants, median ~22 000
        size = max(2_500, min(size, 980_000))
        young = int(size * rng.uniform(0.21, 0.27))
        rate = rng.uniform(8, 40) / 1000  # decided interventions per inhabitant 0-20
        cost = rng.uniform(1_400, 4_200)
        for year in NATIONAL_YEARS:
            drift = 1 + 0.01 * (int(year) - 2017)
            if by_district:
                continue
            add = rows[year].append
            add([org_id, year, "population", "", "", "", int(size * drift)])
            add([org_id, year, "population", "", "0", "20", int(young * drift)])
            decided = max(1, int(young * rate * rng.uniform(0.9, 1.1)))
            boys = int(decided * rng.uniform(0.5, 0.65))
            add([org_id, year, "decided-interventions", "", "0", "20", decided])
            add([org_id, year, "decided-interventions", "boys", "0", "20", boys])
            add([org_id, year, "decided-interventions", "girls", "0", "20", decided - boys])
            if org_id != "0580" and "-" not in org_id:  # Linköping's own costs are the bundled table's
                add([org_id, year, "cost-per-inhabitant", "", "", "", int(cost * drift)])
    header = ["org", "period", "measure", "sex", "age_from", "age_to", "value"]
    return {year: _csv(header, table) for year, table in rows.items()}


def ended_table(gen: Generator, rng: random.Random) -> bytes:
    """Interventions ended according to plan and not, per problem area, 2019 and 2020, for the third of
    the municipalities that follow it up (Linköping's own table is bundled)."""
    rows: list[list[object]] = []
    for org in gen.orgs:
        if org.id == "0580" or rng.random() > 0.33:
            continue
        for year in ("2019", "2020"):
            for area in PROBLEM:
                if rng.random() < 0.2:
                    continue
                planned, unplanned = rng.randint(3, 120), rng.randint(0, 40)
                rows.append([org.id, year, "ended-according-to-plan", area, planned])
                rows.append([org.id, year, "ended-not-according-to-plan", area, unplanned])
                rows.append([org.id, year, "ended", area, planned + unplanned])
    return _csv(["org", "period", "measure", "problem_area", "value"], rows)


def offering_figures(org: Org, rng: random.Random) -> bytes | None:
    """A submission's figure columns (``columns.FIGURE_COLUMNS``) for a fifth of its offerings, 2020;
    the other rows left empty, so each row keeps the number its offering has (``ig:sourceRow``)."""
    rows: list[list[object]] = []
    name_p = iri(f"{IGS}localName")
    for offering in org.offerings:
        name = next(o for _, p, o in offering if p == name_p)
        if rng.random() > 0.2:
            rows.append(["", "", "", "", "", ""])
            continue
        participants = rng.randint(2, 180)
        boys = int(participants * rng.uniform(0.3, 0.7))
        girls = participants - boys if rng.random() < 0.8 else participants - boys - 1
        wait = rng.choice([0, 7, 14, 21, 30, 45, 60, 90]) if rng.random() < 0.5 else ""
        text = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")  # the N-Triples literal's text
        rows.append([text, participants, boys, max(girls, 0), wait, "2020"])
    header = ["insats", "deltagare", "varav_pojkar", "varav_flickor", "vantetid_dagar", "period"]
    return _csv(header, rows) if len(rows) > 1 else None


def write_statistics(out: Path, gen: Generator) -> int:
    """Import the statistics a national deployment holds through the product's importers; write them."""
    from rdflib.namespace import ORG as O

    from insatsgraf.submission import bundled, figures, statistics

    settings = gen.settings
    rng = random.Random(f"{gen.seed}-statistics")
    store, before = _memory_store(out, ("reference-current.nq", "provenance.nq"))
    register = gen.reference[iris.graph("organisations")]
    districts = sorted(iris.org_id(str(s)) for s in register.subjects(O.unitOf, None))
    with sampled_shape_checks():
        for path in bundled.bundled_statistics(settings):
            statistics.load_bundled_file(store, settings, path)
        tables = [
            (f"kolada-{year}.csv", "Kolada, Öppna jämförelser", data)
            for year, data in national_tables(gen, rng, districts).items()
        ]
        tables.append(("avslutade-insatser.csv", "Uppföljning av avslutade insatser", ended_table(gen, rng)))
        for filename, source, data in tables:
            prepared = statistics.prepare(store, settings, data, filename, source)
            statistics.commit(store, settings, prepared, day=STATISTICS_DAY, now=IMPORTED_AT)
        graphs: dict[str, Graph | None] = {}
        for org in gen.orgs:
            if rng.random() > 0.4:  # four municipalities in ten fill in the figure columns
                continue
            data = offering_figures(org, rng)
            if data is None:
                continue
            offerings = Graph()  # what from_upload reads of the submission: each offering's row
            for offering in org.offerings:
                subject = URIRef(offering[0][0].strip("<>"))
                row = int(offering[3][2].split('"')[1])
                offerings.add((subject, RDF.type, IG.Offering))
                offerings.add((subject, IG.sourceRow, Literal(row)))
            filename = f"{org.id}-{STATISTICS_DAY}.csv"
            graph = figures.from_upload(data, filename, offerings, org.id, settings)
            submission = iris.submission(org.id, STATISTICS_DAY)
            graphs[figures.graph_name(org.id, BASE)] = figures.link(graph, submission)
        store.replace_graphs(graphs)
    return _write_new_graphs(store, before, out / "statistics.nq")


REGISTRIES = {
    "blueprints": ["promising", "model", "model-plus"],
    "cebc": ["1", "2", "3", "4", "5", "NR"],
    "title-iv-e": ["well-supported", "supported", "promising", "does-not-currently-meet-criteria"],
    "gruene-liste": ["theoretisch-gut-begruendet", "wahrscheinlich", "nachgewiesen"],
    "metodguiden": ["described"],
}
"""The registries of ``data/ttl/evidence-scales.ttl`` with an encoded scale, and their levels."""


def assessment_table(gen: Generator, rng: random.Random, known: set[str]) -> bytes:
    """A curator's table: about half the programmes rated by one to three registries, dated 2008–2024 (so
    some are due for review), with outcome, direction, population and a registry page for some."""
    rows: list[list[object]] = []
    for p in gen.programmes:
        if p.id not in known or rng.random() > 0.5:  # registries assess programmes, not intervention types
            continue
        for registry in rng.sample(sorted(REGISTRIES), rng.choice([1, 1, 2, 3])):
            level = rng.choice(REGISTRIES[registry])
            day = date(rng.randint(2008, 2024), rng.randint(1, 12), rng.randint(1, 28)).isoformat()
            url = f"https://example.org/{registry}/{p.id}"
            direction = rng.choice(["positiv", "positiv", "ingen effekt", ""])
            outcome = rng.choice(["Färre beteendeproblem", "Minskat missbruk", "Bättre skolresultat", ""])
            population = rng.choice(["Barn 3–11 år", "Ungdomar 12–18 år", "Föräldrar", ""])
            page = url if rng.random() < 0.3 else ""
            rows.append([p.id, registry, level, day, url, outcome, direction, population, page])
    header = ["program", "register", "bedömning", "datum", "länk", "utfall", "riktning", "population"]
    return _csv([*header, "registersida"], rows)


def write_evidence(out: Path, gen: Generator) -> int:
    """Import the registry assessments through ``evidence.parse`` and ``curated.commit``; write them."""
    from insatsgraf.submission import curated, evidence
    from insatsgraf.submission.ingest import sha256

    settings = gen.settings
    rng = random.Random(f"{gen.seed}-evidence")
    store, before = _memory_store(out, ("reference-current.nq",))
    data = assessment_table(gen, rng, {i for _iri, i in evidence.programmes(store).values()})
    graph, data, name = evidence.parse(data, "bedomningar.csv", store, settings, date(2025, 6, 1))
    collection = curated.Collection("evidence", evidence.DEFAULT_KEY)
    curated.commit(
        store,
        settings,
        collection,
        graph,
        filename=name,
        digest=sha256(data),
        day="2025-06-01",
        now=datetime.fromisoformat("2025-06-01T00:00:00+00:00"),
    )
    return _write_new_graphs(store, before, out / "evidence.nq")


def generate(out: Path, *, seed: int = 4, municipalities: int = 290, offerings: int = 200) -> dict[str, int]:
    """Build and write the dataset; returns the number of quads per file."""
    generator = Generator(seed, municipalities, offerings, Settings())
    generator.build()
    return generator.write(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--municipalities", type=int, default=290)
    parser.add_argument("--offerings", type=int, default=200, help="mean offerings per municipality")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args(argv)
    counts = generate(args.out, seed=args.seed, municipalities=args.municipalities, offerings=args.offerings)
    for name, count in counts.items():
        print(f"{args.out / name}: {count} quads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
