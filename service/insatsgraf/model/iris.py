"""IRI patterns, one function per kind of resource (see docs/design.md).

Repository files are written with the default base; ``rebase`` moves them to a deployment's base.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace

from insatsgraf.config import DEFAULT_BASE

IG = Namespace("https://w3id.org/insatsgraf/def#")
ORG = Namespace("http://www.w3.org/ns/org#")


def slug(text: str) -> str:
    """A lowercase ASCII slug: "Mini Maria (13–20 år)" → "mini-maria-13-20-ar"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def programme(id_: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/programme/{id_}"


def organisation(id_: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/organisation/{id_}"


def county(code: str, base: str = DEFAULT_BASE) -> str:
    """A county (län) as a place, by its two-digit SCB code: ``county("04")``."""
    return f"{base}id/county/{code}"


def offering(org: str, name_slug: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/offering/{org}/{name_slug}"


def concept(scheme: str, notation: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/concept/{scheme}/{notation}"


def scheme(name: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/scheme/{name}"


def submission(org: str, stamp: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/submission/{org}/{stamp}"


def evidence(org: str, citation_or_url: str, base: str = DEFAULT_BASE) -> str:
    """An organisation's evidence source: ``{base}id/evidence/{org}/{sha1-12 of the citation or URL}``.

    Minted under the organisation, as offerings and collaborations are, so that one organisation's
    submission can never describe (or change) a source another organisation cited."""
    digest = hashlib.sha1(citation_or_url.strip().encode("utf-8")).hexdigest()[:12]
    return f"{base}id/evidence/{org}/{digest}"


def collaboration(org: str, offering_slug: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/collaboration/{org}/{offering_slug}"


def decision(uid: str, base: str = DEFAULT_BASE) -> str:
    return f"{base}id/decision/{uid}"


def mapping(offering_iri: str, programme_id: str, base: str = DEFAULT_BASE) -> str:
    """The mapping of one offering to one programme: ``{base}id/mapping/{org}/{slug}/{programme}``."""
    return f"{base}id/mapping/{offering_iri[len(f'{base}id/offering/') :]}/{programme_id}"


def matcher_agent(version: str, base: str = DEFAULT_BASE) -> str:
    """The matcher as a PROV-O software agent, one per version: ``{base}id/agent/matcher/{version}``."""
    return f"{base}id/agent/matcher/{version}"


def graph(name: str, base: str = DEFAULT_BASE) -> str:
    """Named graph IRI: ``graph("catalogue")``, ``graph("current/0580")``."""
    return f"{base}graph/{name}"


def union_graph(base: str = DEFAULT_BASE) -> str:
    """A remote store's materialised union of its non-history graphs (docs/design.md, "Remote stores"):
    derived data, never one of the store's graphs."""
    return graph("union", base)


def current_graph(org: str, base: str = DEFAULT_BASE) -> str:
    return graph(f"current/{org}", base)


def mapping_graph(org: str, base: str = DEFAULT_BASE) -> str:
    """The organisation's derived links to programmes (harmonisation/mapping.py)."""
    return graph(f"mapping/{org}", base)


def is_history_graph(name: str, base: str = DEFAULT_BASE) -> bool:
    return name.startswith(f"{base}id/submission/")


PERSONAL_SOURCES = ("provenance/", "decisions")
"""The graphs whose people's names (``foaf:name`` of a ``prov:Agent``) are personal data (``personal_graph``)."""


def personal_graph(name: str, base: str = DEFAULT_BASE) -> str | None:
    """Where the names of the people in graph ``name`` are kept: ``{base}graph/personal/{rest}`` for the
    provenance graphs (who submitted) and the decisions graph (who decided); ``None`` for other graphs.

    The stores write those names there, not in ``name`` (``sparql.updates.split_personal``), and read them
    back with it (``Store.graph``); the personal graphs are in no union and the SPARQL endpoint leaves them
    out of its dataset unless the deployment opts in (``insatsgraf serve --expose-personal-data``)."""
    prefix = graph("", base)
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix) :]
    if rest == "decisions" or (rest.startswith("provenance/") and len(rest) > len("provenance/")):
        return graph(f"personal/{rest}", base)
    return None


def is_personal_graph(name: str, base: str = DEFAULT_BASE) -> bool:
    return name.startswith(graph("personal/", base))


def org_id(org_iri: str, base: str = DEFAULT_BASE) -> str:
    """The organisation id back from its IRI."""
    prefix = f"{base}id/organisation/"
    if not org_iri.startswith(prefix):
        raise ValueError(f"not an organisation IRI under {base}: {org_iri}")
    return org_iri[len(prefix) :]


def rebase(text: str, base: str) -> str:
    """Rewrite IRIs under the default base to ``base`` (the ontology namespace ``def#`` is kept)."""
    if base == DEFAULT_BASE:
        return text
    marker = "\x00DEF\x00"
    kept = text.replace(f"{DEFAULT_BASE}def#", marker)
    return kept.replace(DEFAULT_BASE, base).replace(marker, f"{DEFAULT_BASE}def#")
