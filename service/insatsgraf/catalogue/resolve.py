"""The words people type: a query parameter's short form resolved to the value the query compares.

An organisation parameter takes an IRI, an id of the register (kommunkod ``0486``, ``0180-bromma``) or a
name (``Strängnäs``); a programme parameter an IRI, a catalogue id (``komet``) or a name; a county parameter
the county's name (``Södermanlands län``), its everyday short name (``Sörmland``, ``Östergötland``) or its
SCB code (``04``, the first two digits of its municipalities' kommunkod). The register and the catalogue in
the store say what exists (``rq/resolve-*.rq``), so CLI, HTTP and the charts resolve alike. An unknown value
is a :class:`UserError` (``unknown-value``) naming the closest values, or those that exist.

A parameter's kind comes from its name (``org``, ``organisation``, ``programme``, ``county``, …) or, failing
that, from its ``#+ params:`` description.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from insatsgraf.catalogue import rq
from insatsgraf.errors import UserError
from insatsgraf.sparql.store import Store

ORGANISATION, PROGRAMME, COUNTY, PARTNER_KIND = "organisation", "programme", "county", "partner-kind"

_NAME_KINDS = {
    "org": ORGANISATION,
    "organisation": ORGANISATION,
    "organization": ORGANISATION,
    "municipality": ORGANISATION,
    "kommun": ORGANISATION,
    "partner": ORGANISATION,
    "programme": PROGRAMME,
    "program": PROGRAMME,
    "county": COUNTY,
    "lan": COUNTY,
    "partner_kind": PARTNER_KIND,
}
"""Parameter names whose kind is plain from the name alone."""

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_CODE_RE = re.compile(r"^\d{1,2}$")

COUNTY_ALIASES = {"sörmland": "södermanland"}
"""Everyday county names that are not the official name less ``s län`` (keys and values casefolded)."""

EXAMPLES = {
    ORGANISATION: (
        "a kommunkod or id such as 0580 or 0180-bromma, a name such as Linköping, or an IRI such "
        "as {base}id/organisation/0580",
        "en kommunkod eller ett id som 0580 eller 0180-bromma, ett namn som Linköping, eller en IRI "
        "som {base}id/organisation/0580",
    ),
    PROGRAMME: (
        "a programme id such as komet, a name such as Komet, or an IRI such as {base}id/programme/komet",
        "ett program-id som komet, ett namn som Komet, eller en IRI som {base}id/programme/komet",
    ),
    COUNTY: (
        "a county name such as Östergötlands län or Sörmland, or a county code such as 05",
        "ett länsnamn som Östergötlands län eller Sörmland, eller en länskod som 05",
    ),
    PARTNER_KIND: (
        "a kind of partner such as polisen, skolan or BUP, or an IRI such as {base}id/concept/partner-kind/police",
        "en typ av part som polisen, skolan eller BUP, eller en IRI som {base}id/concept/partner-kind/police",
    ),
}
"""What each kind takes, for the error messages (``{base}`` is the store's base)."""

SHOWN = 8
"""How many values an error lists at most."""


@dataclass(frozen=True)
class Known:
    """One value of the register or the catalogue: the term a query compares, with its short forms."""

    value: str
    """The IRI (organisation, programme) or the county name, as the query compares it."""
    id: str
    label: str

    def show(self) -> str:
        return f"{self.id} ({self.label})" if self.label and self.label != self.id else self.id


def kind_of(name: str, type_: str, description: str = "") -> str | None:
    """``organisation``, ``programme``, ``county`` or None (a parameter taken as written)."""
    if name in _NAME_KINDS:
        kind = _NAME_KINDS[name]
        return kind if (kind == COUNTY) == (type_ != "iri") else None
    words = description.lower()
    if type_ == "iri":
        if "id/organisation" in words or "organisation" in words:
            return ORGANISATION
        if "id/programme" in words or "programme" in words:
            return PROGRAMME
        return None
    if type_ in ("string", "literal") and ("county" in words or " län" in f" {words}"):
        return COUNTY
    return None


def is_absolute_iri(value: str) -> bool:
    """Written as an IRI (``https://…``, ``urn:…``), not a short form."""
    return bool(_ABSOLUTE_IRI.match(value.strip()))


def resolve(store: Store, kind: str, name: str, value: str) -> str:
    """The value the query compares for what the user typed, or a UserError naming what exists."""
    typed = value.strip()
    if kind == COUNTY:
        return _county(store, name, typed)
    if is_absolute_iri(typed):
        return typed
    if kind == PARTNER_KIND:
        return _partner_kind(store, name, typed)
    known = organisations(store) if kind == ORGANISATION else programmes(store)
    folded = typed.casefold()
    for item in known:
        if item.id.casefold() == folded:
            return item.value
    by_label = [item for item in known if item.label.casefold() == folded]
    if len(by_label) == 1:
        return by_label[0].value
    raise unknown(kind, name, typed, by_label or known, store.base)


def organisations(store: Store) -> list[Known]:
    rows = store.query(rq.read("resolve-organisations")).table()
    return _known(rows, "iri")


def programmes(store: Store) -> list[Known]:
    rows = store.query(rq.read("resolve-programmes")).table()
    return _known(rows, "iri")


def counties(store: Store) -> list[Known]:
    """Each county of the register, ``id`` its SCB code (the place's notation, else from a kommunkod)."""
    return list(_county_table(store)[0].values())


def _county_table(store: Store) -> tuple[dict[str, Known], dict[str, str]]:
    """County name → Known, and each short name's key (``county_key``) → county name."""
    codes: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for row in store.query(rq.read("resolve-counties")).table():
        county, code, alt = row.get("county") or "", row.get("code") or "", row.get("alt") or ""
        county = str(county)
        if county and (county not in codes or (not codes[county] and code)):
            codes[county] = code[:2] if code[:2].isdigit() else ""
        if county and alt:
            aliases[county_key(alt)] = county
    by_code = sorted(codes.items(), key=lambda item: (item[1] or "99", item[0]))  # errors list them by code
    known = {county: Known(county, code, county) for county, code in by_code}
    return known, aliases


def _partner_kind(store: Store, name: str, typed: str) -> str:
    """A partner kind by its notation (``police``) or any label (``polisen``, ``polis``, ``BUP``)."""
    rows = store.query(rq.read("resolve-partner-kinds")).table()
    folded = typed.casefold()
    for row in rows:
        if folded in (row.get("id", "").casefold(), row.get("label", "").casefold()):
            return row["iri"]
    shown = {row["iri"]: Known(row["iri"], row.get("id", ""), "") for row in rows}
    raise unknown(PARTNER_KIND, name, typed, list(shown.values()), store.base)


def _known(rows: list[dict[str, str]], key: str) -> list[Known]:
    seen: dict[str, Known] = {}
    for row in rows:
        value = row.get(key) or ""
        if value and value not in seen:
            seen[value] = Known(value, row.get("id") or "", row.get("label") or "")
    return list(seen.values())


def county_key(name: str) -> str:
    """``Södermanlands län`` and ``Södermanland`` → ``södermanland``; ``Sörmland`` too (an alias)."""
    key = " ".join(name.casefold().split())
    key = key.removesuffix(" län").removesuffix(" lan")
    if key.endswith("s") and not key.endswith("ss"):
        key = key[:-1]
    return COUNTY_ALIASES.get(key, key)


def _county(store: Store, name: str, typed: str) -> str:
    table, aliases = _county_table(store)
    known = list(table.values())
    if _CODE_RE.match(typed):
        code = typed.zfill(2)
        for item in known:
            if item.id == code:
                return item.value
    else:
        key = county_key(typed)
        for item in known:
            if county_key(item.value) == key:
                return item.value
        if key in aliases:
            return aliases[key]
        if typed.casefold().endswith(" län"):
            return typed  # a county's full name with no data in the register is a fair question: no rows
    raise unknown(COUNTY, name, typed, known, store.base, aliases)


def unknown(
    kind: str, name: str, typed: str, known: list[Known], base: str, aliases: dict[str, str] | None = None
) -> UserError:
    """The error for a value that names nothing: the closest few values, or those that exist."""
    forms = {item.id.casefold(): item for item in known} | {item.label.casefold(): item for item in known}
    asked = typed.casefold()
    if kind == COUNTY:
        forms |= {county_key(item.value): item for item in known}
        forms |= {alias: forms[name] for alias, name in COUNTY_ALIASES.items() if name in forms}
        by_name = {item.value: item for item in known}
        forms |= {alias: by_name[name] for alias, name in (aliases or {}).items() if name in by_name}
        asked = county_key(typed)
    close = difflib.get_close_matches(asked, list(forms), n=SHOWN, cutoff=0.6)
    picked = list(dict.fromkeys(forms[c] for c in close)) or known[:SHOWN]
    shown = ", ".join(item.show() for item in picked)
    more = len(known) - len(picked)
    en_kind = {
        ORGANISATION: "organisation",
        PROGRAMME: "programme",
        COUNTY: "county",
        PARTNER_KIND: "partner kind",
    }[kind]
    sv_kind = {
        ORGANISATION: "organisation",
        PROGRAMME: "program",
        COUNTY: "län",
        PARTNER_KIND: "typ av part",
    }[kind]
    sv_none = {ORGANISATION: "ingen", PROGRAMME: "inget", COUNTY: "inget", PARTNER_KIND: "ingen"}[kind]
    en_which = "closest" if close else "known"
    sv_which = "närmast" if close else "kända"
    en_more = f" and {more} more" if more > 0 and not close else ""
    sv_more = f" och {more} till" if more > 0 and not close else ""
    take_en, take_sv = (text.format(base=base) for text in EXAMPLES[kind])
    listing_en = f"; {en_which}: {shown}{en_more}" if shown else f"; the store has no {en_kind}s"
    listing_sv = f"; {sv_which}: {shown}{sv_more}" if shown else "; databasen har inga"
    return UserError(
        f"parameter {name}: no {en_kind} {typed!r}{listing_en}. Write {take_en}",
        f"parametern {name}: {sv_none} {sv_kind} {typed!r}{listing_sv}. Skriv {take_sv}",
        column=name,
        code="unknown-value",
    )
