"""The spreadsheet contract (``docs/domain-brief.md``): columns, their aliases, and what each becomes.

One table shared by the ingester (header → column), the validator (result path → column) and the template
(headers, explanations, drop-down lists).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDFS

from insatsgraf.model.iris import IG


@dataclass(frozen=True)
class Column:
    name: str
    """The Swedish header of the contract."""
    aliases: tuple[str, ...]
    """Other headers accepted (English, with accents or spaces), compared after ``header_key``."""
    sv: str
    en: str
    """What to write in the column, shown in the template's explanation sheet."""
    scheme: str | None = None
    """The concept scheme whose labels the cell takes, if it is a vocabulary column."""
    multi: bool = False
    """Several values separated by ``;``."""
    paths: tuple[URIRef, ...] = ()
    """The RDF properties the column becomes (so a SHACL result can name its column)."""


COLUMNS: tuple[Column, ...] = (
    Column(
        "insats",
        ("name", "local_name", "intervention", "offering"),
        "Insatsens namn som ni använder det (obligatorisk).",
        "The intervention's name as you use it (required).",
        paths=(IG.localName,),
    ),
    Column(
        "program",
        ("programme", "program_id", "programme_id"),
        "Programmets id eller namn i den nationella katalogen, om ni vet det. Lämna tomt för egna insatser.",
        "The programme's id or name in the national catalogue, if you know it. Leave empty for local interventions.",
        paths=(IG.implements, IG.variantOf, IG.submittedProgramme),
    ),
    Column(
        "beskrivning",
        ("description",),
        "Kort beskrivning av insatsen.",
        "A short description.",
        paths=(DCTERMS.description,),
    ),
    Column(
        "variant",
        ("variant_kind",),
        "samma, egen variant eller lokal anpassning (i förhållande till programmet).",
        "same, own variant or local adaptation (relative to the programme).",
        scheme="variant-kind",
        paths=(IG.variantKind,),
    ),
    Column(
        "malgrupp",
        ("målgrupp", "target_group", "target_groups"),
        "Målgrupp: barn; unga; föräldrar; familj (flera med ;).",
        "Target group: children; youth; parents; family (several with ;).",
        scheme="target-group",
        multi=True,
        paths=(IG.targetGroup,),
    ),
    Column(
        "alder_fran",
        ("ålder_från", "age_from", "min_age"),
        "Lägsta ålder i år (heltal).",
        "Minimum age in years (whole number).",
        paths=(IG.minAge,),
    ),
    Column(
        "alder_till",
        ("ålder_till", "age_to", "max_age"),
        "Högsta ålder i år (heltal).",
        "Maximum age in years (whole number).",
        paths=(IG.maxAge,),
    ),
    Column(
        "preventionsniva",
        ("preventionsnivå", "prevention_level", "prevention_levels"),
        "universell, selektiv och/eller indikerad (flera med ;).",
        "universal, selective and/or indicated (several with ;).",
        scheme="prevention-level",
        multi=True,
        paths=(IG.preventionLevel,),
    ),
    Column(
        "skr_kategori",
        ("skr_category", "skr-kategori"),
        "Kategori i SKR:s nationella lista.",
        "Category in SKR's national list.",
        scheme="skr-category",
        multi=True,
        paths=(IG.skrCategory,),
    ),
    Column(
        "problemomrade",
        ("problemområde", "problem_area", "problem_areas"),
        "Problemområden enligt BBIC (flera med ;).",
        "Problem areas after BBIC (several with ;).",
        scheme="problem-area",
        multi=True,
        paths=(IG.problemArea,),
    ),
    Column(
        "form",
        ("form_of_decision",),
        "service eller bistånd.",
        "service or assessed (granted by decision).",
        scheme="form",
        paths=(IG.form,),
    ),
    Column(
        "regi",
        ("delivery",),
        "egen regi, upphandlad eller samverkan.",
        "in-house, procured or collaboration.",
        scheme="delivery",
        paths=(IG.delivery,),
    ),
    Column(
        "samverkan_med",
        ("collaboration_with", "partners", "samverkanspartner"),
        "Id för de organisationer ni samverkar med, t.ex. region-ostergotland, eller typ av part: skolan, "
        "förskolan, polisen, regionen, BUP, ungdomsmottagningen, Barnahus, primärvården, civilsamhället, "
        "privat utförare (flera med ;).",
        "Ids of the organisations you collaborate with, e.g. region-ostergotland, or a kind of partner: skolan, "
        "förskolan, polisen, regionen, BUP, ungdomsmottagningen, Barnahus, primärvården, civilsamhället, "
        "privat utförare (several with ;).",
        multi=True,
        paths=(IG.partner, IG.partnerKind),
    ),
    Column(
        "antal_tillfallen",
        ("antal_tillfällen", "number_of_sessions", "sessions"),
        "Antal träffar eller samtal (heltal).",
        "Number of sessions (whole number).",
        paths=(IG.numberOfSessions,),
    ),
    Column(
        "evidenskalla",
        ("evidenskälla", "evidence", "evidence_source"),
        "Länk (https://…) eller referens till en källa om insatsens evidens.",
        "Link (https://…) or citation of an evidence source.",
        paths=(IG.evidence,),
    ),
    Column(
        "uppfoljning",
        ("uppföljning", "follow_up", "follow_up_instrument"),
        "Uppföljningsinstrument, t.ex. ORS/SRS; KASAM (flera med ;).",
        "Follow-up instruments, e.g. ORS/SRS; KASAM (several with ;).",
        multi=True,
        paths=(IG.followUpInstrument,),
    ),
    Column(
        "kommentar", ("comment", "comments", "note"), "Fri kommentar.", "Free comment.", paths=(RDFS.comment,)
    ),
)


def header_key(text: str) -> str:
    """A header compared loosely: "Ålder från" → "alder_fran", "Target group" → "target_group"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


HEADER_INDEX: dict[str, str] = {}
for _col in COLUMNS:
    for _alias in (_col.name, *_col.aliases):
        HEADER_INDEX[header_key(_alias)] = _col.name

PATH_COLUMN: dict[str, str] = {str(p): c.name for c in COLUMNS for p in c.paths}
"""RDF property → column, for naming the column of a SHACL result."""
