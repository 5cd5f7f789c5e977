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
        "samma, egen variant, lokal anpassning eller liknande (i förhållande till programmet).",
        "same, own variant, local adaptation or like (relative to the programme).",
        scheme="variant-kind",
        paths=(IG.variantKind,),
    ),
    Column(
        "avvikelse",
        ("variant_note", "deviation", "avvikelser", "skillnad"),
        "Vad som skiljer er variant från programmet, t.ex. färre träffar eller en annan målgrupp (fritext).",
        "What differs between your variant and the programme, e.g. fewer sessions or another target group.",
        paths=(IG.variantNote,),
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
        "Namn eller id för de organisationer ni samverkar med, t.ex. Region Östergötland, eller typ av part: "
        "skolan, förskolan, polisen, regionen, BUP, ungdomsmottagningen, Barnahus, primärvården, civilsamhället, "
        "privat utförare (flera med ;).",
        "Names or ids of the organisations you collaborate with, e.g. Region Östergötland, or a kind of partner: "
        "skolan, förskolan, polisen, regionen, BUP, ungdomsmottagningen, Barnahus, primärvården, civilsamhället, "
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
    # -- optional figures per offering (submission/figures.py: Data Cube observations about the offering) --
    Column(
        "deltagare",
        ("participants", "antal_deltagare"),
        "Antal deltagare under perioden.",
        "Participants in the period.",
    ),
    Column("varav_pojkar", ("of_which_boys", "pojkar"), "Varav pojkar.", "Of which boys."),
    Column("varav_flickor", ("of_which_girls", "flickor"), "Varav flickor.", "Of which girls."),
    Column(
        "vantetid_dagar",
        ("väntetid_dagar", "waiting_time_days", "väntetid", "waiting_time"),
        "Typisk väntetid i dagar.",
        "Typical waiting time in days.",
    ),
    Column(
        "period",
        ("figures_period", "år"),
        "Perioden siffrorna gäller: ett år (2021) eller start/slut (2021-01-01/2021-06-30).",
        "The period of the figures: a year (2021) or start/end (2021-01-01/2021-06-30).",
    ),
)
FIGURE_COLUMNS = ("deltagare", "varav_pojkar", "varav_flickor", "vantetid_dagar", "period")
"""The optional per-offering figures (the last block above)."""


WORKBOOK_COLUMNS: tuple[Column, ...] = (
    Column(
        "status",
        ("offering_status",),
        "erbjuds, erbjuds inte längre (tas bort ur listan) eller ny. Rader utan status tas inte med.",
        "offered, no longer offered (left out of the list) or new. Rows without a status are left out.",
    ),
    Column(
        "tjanstens_koppling",
        ("tjänstens_koppling", "service_mapping"),
        "Det program tjänsten kopplade insatsen till, och hur säkert. Läses inte in: rätta i kolumnen program.",
        "The programme the service linked the offering to, and how sure it is. Not read: correct the program column.",
    ),
)
"""Columns only the confirm-your-list workbook has (``workbook.py``); the ingest reads ``status`` and skips the rest."""


def header_key(text: str) -> str:
    """A header compared loosely: "Ålder från" → "alder_fran", "Target group" → "target_group"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


HEADER_INDEX: dict[str, str] = {}
for _col in (*COLUMNS, *WORKBOOK_COLUMNS):
    for _alias in (_col.name, *_col.aliases):
        HEADER_INDEX[header_key(_alias)] = _col.name

PATH_COLUMN: dict[str, str] = {str(p): c.name for c in COLUMNS for p in c.paths}
"""RDF property → column, for naming the column of a SHACL result."""
