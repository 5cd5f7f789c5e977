"""A seeded generator of national-scale synthetic mapping data, in the data shape of docs/design.md.

    python bench/generate.py [--seed 4] [--municipalities 290] [--offerings 200] [--out bench/out]

Writes three N-Quads files (so a store can load all of them and rdflib can split them, see run.py):
- ``reference-current.nq``: the bundled ontology, vocabularies, catalogue (plus synthetic programmes up to
  the ~200 entries of SKR's national list), organisations (the bundled register plus synthetic
  municipalities up to 290, spread over the 21 counties) and every organisation's current submission;
- ``provenance.nq``: one provenance graph per organisation (``ig:currentSubmission``, ``prov:wasRevisionOf``);
- ``history.nq``: every accepted submission's data under the submission IRI (the current one, and for
  about one organisation in ten, Linköping always, a previous one that differs);
- ``mapping.nq``: every organisation's mapping graph, derived by the product's own matcher
  (``mapping.derive``) from the lists above.

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
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from insatsgraf.config import DEFAULT_BASE, Settings
from insatsgraf.model import iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import read_turtle
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
                if org.id == "0580" or self.rng.random() < 0.1:
                    previous = iris.submission(org.id, "2020-05-01")
                    lines = self._provenance(org, previous, None) + self._provenance(org, current, previous)
                    older = [t for o in self.previous_version(org) for t in o]
                    for s, p, o in older:
                        hist.write(f"{s} {p} {o} {iri(previous)} .\n")
                    counts["history.nq"] += len(older)
                lines.append((iri(org.iri), iri(f"{IGS}currentSubmission"), iri(current)))
                for s, p, o in lines:
                    prov.write(f"{s} {p} {o} {pg} .\n")
                counts["provenance.nq"] += len(lines)
        counts["mapping.nq"] = write_mapping(out)
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
