"""Reconciliation Service API 0.2 (W3C Entity Reconciliation Community Group, the version OpenRefine speaks).

Pure functions over the harmonisation matcher and the store's catalogue and organisation register:
manifest, reconciliation query batches, suggest (entities, types, properties), HTML previews, and data
extension (property proposals and values). The HTTP layer is ``api/harmonise.py``.
Spec: https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/

Entities are identified relative to the identifier space ``{base}id/``: ``programme/komet``,
``organisation/0580``; full IRIs are accepted too.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from insatsgraf import __version__
from insatsgraf.catalogue import rq
from insatsgraf.errors import UserError
from insatsgraf.harmonisation.matcher import Catalogue, Proposal, compact, fold, match, rank
from insatsgraf.model import iris
from insatsgraf.sparql.store import Store

API_VERSION = "0.2"
SCHEMA_SPACE = "https://w3id.org/insatsgraf/def#"
TYPE_PROGRAMME = f"{SCHEMA_SPACE}Intervention"
TYPE_ORGANISATION = "http://www.w3.org/ns/org#Organization"
TYPES = {
    TYPE_PROGRAMME: "Program eller insatstyp / Programme or intervention type",
    TYPE_ORGANISATION: "RegisteredOrganisation (kommun, stadsdelsförvaltning, region) / RegisteredOrganisation",
}
TYPE_ALIASES = {
    "programme": TYPE_PROGRAMME,
    "program": TYPE_PROGRAMME,
    "ig:Intervention": TYPE_PROGRAMME,
    "ig:Programme": TYPE_PROGRAMME,
    f"{SCHEMA_SPACE}Programme": TYPE_PROGRAMME,
    "organisation": TYPE_ORGANISATION,
    "organization": TYPE_ORGANISATION,
    "org:Organization": TYPE_ORGANISATION,
}

QUERY_PROPERTIES = {
    "municipality": "Kommun eller organisation (id, t.ex. 0580) / Municipality or organisation id",
    "county": "Län / County (organisations)",
    "kind": "Typ av insats (t.ex. behandlingsprogram) / Intervention kind (programmes)",
}
EXTEND_PROPERTIES = {
    TYPE_PROGRAMME: {
        "label_en": "Engelskt namn / English name",
        "altLabel": "Andra namn / Other names",
        "definition": "Beskrivning / Description",
        "kind": "Typ av insats / Intervention kind",
        "minAge": "Lägsta ålder / Minimum age",
        "maxAge": "Högsta ålder / Maximum age",
        "offeredBy": "Erbjuds av / Offered by (same programme)",
        "variantOfferedBy": "Variant erbjuds av / Variant offered by",
    },
    TYPE_ORGANISATION: {
        "municipalityCode": "Kommunkod / Municipality code",
        "county": "Län / County",
        "unitOf": "Del av / Unit of",
        "kind": "Typ av organisation / Kind of organisation",
        "programmes": "Program som erbjuds / Programmes offered",
    },
}
DEFAULT_LIMIT = 5

# -- bounds on one request (issue 12) ----------------------------------------------------------------
# Matching runs Python regexes and fuzzy scoring, which hold the GIL: a thread pool keeps them off the event
# loop, but one long name still stalls every other request while a regex runs (a name of 1 000 spaces took
# 92 s and held a concurrent ``ASK {}`` as long). So the work of one request is bounded before it starts;
# past a bound the request is refused with 400 ``bad-reconciliation-query``.
MAX_QUERY_CHARS = 300
"""Longest query text, after runs of whitespace are collapsed to one space. Catalogue labels and local names
are under 120 characters; at 300 the slowest text found takes about 30 ms (92 s at 1 000 uncollapsed)."""
MAX_BATCH = 200
"""Queries in one batch (the manifest's ``batchSize``; OpenRefine sends 10 by default)."""
MAX_BATCH_CHARS = 20_000
"""Query text in one batch: 200 queries of 100 characters; a batch stays under a second or two."""
MAX_LIMIT = 100
"""Most candidates asked for per query (``limit``): every candidate is scored, then cut to the limit."""
MAX_PROPERTY_VALUES = 50
"""Property values per query (``properties``): each is compared with every registered organisation."""
MAX_EXTEND_IDS = 1_000
"""Entities in one data-extension query (``ids``)."""
MAX_BODY_BYTES = 256 * 1024
"""A POSTed form, read before it is parsed (413 past it): a batch at ``MAX_BATCH_CHARS`` stays under it even
when every character is percent-encoded UTF-8 inside JSON escapes."""


# -- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredOrganisation:
    id: str
    name: str
    kind: str = ""
    code: str = ""
    county: str = ""
    parent: str | None = None
    kind_label: str = ""
    """The kind's names, ``Kommun / Municipality`` (``kind`` is the class's local name)."""


def bilingual(sv: str, en: str) -> str:
    """``Kommun / Municipality``; one name when there is one, or both are the same."""
    return " / ".join(dict.fromkeys(x for x in (sv, en) if x))


@dataclass
class ReconData:
    """What the service answers from: catalogue (with decisions), details, who offers what, organisations."""

    base: str
    catalogue: Catalogue
    details: dict[str, dict[str, str]] = field(default_factory=dict)
    offered: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    organisations: dict[str, RegisteredOrganisation] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store) -> ReconData:
        base = store.base
        data = cls(base, Catalogue.from_store(store))
        for row in store.query(rq.read("harmonise-programme-details")).table():
            data.details[row["id"]] = row
        for row in store.query(rq.read("harmonise-programme-offerings")).table():
            data.offered.setdefault(row["id"], []).append((iris.org_id(row["org"], base), row["relation"]))
        for row in store.query(rq.read("harmonise-organisations")).table():
            org = data.organisations.get(row["id"])
            kind = row.get("class", "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            parent = iris.org_id(row["parent"], base) if "parent" in row else None
            if org is None or (kind and not org.kind):
                data.organisations[row["id"]] = RegisteredOrganisation(
                    row["id"],
                    row["name"],
                    kind,
                    row.get("code", ""),
                    row.get("county", ""),
                    parent,
                    bilingual(row.get("classSv", ""), row.get("classEn", "")) if kind else "",
                )
        return data

    def kind_label(self, programme: str) -> str:
        """The programme's intervention kind by its names (``Behandlingsprogram / Treatment programme``)."""
        detail = self.details.get(programme, {})
        return bilingual(detail.get("kindSv", ""), detail.get("kindEn", "")) or detail.get("kind", "")

    def offered_by(self, programme: str, relation: str = "same") -> list[str]:
        """The organisations with an offering of the programme (``same``) or of a variant (``variant``)."""
        return sorted({o for o, r in self.offered.get(programme, []) if r == relation})

    def programmes_of(self, org: str) -> list[tuple[str, str]]:
        return sorted((pid, rel) for pid, offers in self.offered.items() for o, rel in offers if o == org)


def entity_id(kind: str, local: str) -> str:
    return f"{kind}/{local}"


def parse_entity(value: str, base: str) -> tuple[str, str] | None:
    """``programme/komet`` or ``{base}id/programme/komet`` → ("programme", "komet")."""
    value = value.strip()
    prefix = f"{base}id/"
    if value.startswith(prefix):
        value = value[len(prefix) :]
    kind, _, local = value.partition("/")
    if kind in ("programme", "organisation") and local:
        return kind, local
    return None


# -- manifest ------------------------------------------------------------------------------------


def manifest(service_url: str, base: str, site_url: str | None = None) -> dict[str, Any]:
    """The service manifest (GET on the endpoint without parameters); ``view`` opens an entity's page on
    ``site_url`` (the running service's root, ``http://host:port/``) when given, else at its IRI."""
    service_url = service_url.rstrip("/")
    view_root = f"{site_url.rstrip('/')}/" if site_url else base
    return {
        "versions": [API_VERSION],
        "name": "insatsgraf – program och organisationer / programmes and organisations",
        "identifierSpace": f"{base}id/",
        "schemaSpace": SCHEMA_SPACE,
        "documentation": "https://w3id.org/insatsgraf/def",
        "serviceVersion": __version__,
        "defaultTypes": [{"id": t, "name": n} for t, n in TYPES.items()],
        "view": {"url": f"{view_root}id/{{{{id}}}}"},
        "preview": {"url": f"{service_url}/preview?id={{{{id}}}}", "width": 420, "height": 220},
        "suggest": {
            "entity": {"service_url": service_url, "service_path": "/suggest/entity"},
            "type": {"service_url": service_url, "service_path": "/suggest/type"},
            "property": {"service_url": service_url, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": service_url, "service_path": "/properties"},
            "property_settings": [],
        },
        "batchSize": MAX_BATCH,
    }


# -- reconciliation queries ----------------------------------------------------------------------


def _bad(en: str, sv: str) -> UserError:
    return UserError(en, sv, code="bad-reconciliation-query")


def parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _bad(f"'{what}' is not JSON: {exc}", f"'{what}' är inte JSON: {exc}") from exc


def _types(query: Mapping[str, Any]) -> list[str]:
    raw = query.get("type")
    if raw is None:
        return [TYPE_PROGRAMME]
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _bad(
            "'type' must be a type id or a list of them.", "'type' ska vara ett typ-id eller en lista av dem."
        )
    out = []
    for v in values:
        t = TYPE_ALIASES.get(v, v)
        if t not in TYPES:
            raise _bad(
                f"unknown type '{v}': use {TYPE_PROGRAMME} or {TYPE_ORGANISATION}.",
                f"okänd typ '{v}': använd {TYPE_PROGRAMME} eller {TYPE_ORGANISATION}.",
            )
        out.append(t)
    return out


def _values(v: Any, base: str) -> list[str]:
    """A property value (string, number, {id, name}, or a list of them) → plain strings."""
    items = v if isinstance(v, list) else [v]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id", item.get("name", ""))
        if isinstance(item, bool):
            item = str(item).lower()
        elif isinstance(item, (int, float)):
            item = f"{int(item):04d}"  # a municipality code typed as a number: 580 → 0580
        text = str(item).strip()
        entity = parse_entity(text, base)
        out.append(entity[1] if entity else text)
    return [o for o in out if o]


def _constraints(query: Mapping[str, Any], base: str) -> dict[str, list[str]]:
    props = query.get("properties", [])
    if not isinstance(props, list):
        raise _bad("'properties' must be a list of {pid, v}.", "'properties' ska vara en lista av {pid, v}.")
    out: dict[str, list[str]] = {}
    for prop in props:
        if not isinstance(prop, dict) or "pid" not in prop or "v" not in prop:
            raise _bad("each property needs 'pid' and 'v'.", "varje egenskap behöver 'pid' och 'v'.")
        pid = str(prop["pid"])
        if pid not in QUERY_PROPERTIES:
            raise _bad(
                f"unknown property '{pid}': use one of {', '.join(QUERY_PROPERTIES)}.",
                f"okänd egenskap '{pid}': använd någon av {', '.join(QUERY_PROPERTIES)}.",
            )
        out.setdefault(pid, []).extend(_values(prop["v"], base))
    if sum(len(v) for v in out.values()) > MAX_PROPERTY_VALUES:
        raise _bad(
            f"at most {MAX_PROPERTY_VALUES} property values per query.",
            f"högst {MAX_PROPERTY_VALUES} egenskapsvärden per fråga.",
        )
    return out


def _limit(query: Mapping[str, Any]) -> int:
    limit = query.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 1 <= limit <= MAX_LIMIT:
        raise _bad(
            f"'limit' must be a positive integer, at most {MAX_LIMIT}.",
            f"'limit' ska vara ett positivt heltal, högst {MAX_LIMIT}.",
        )
    return int(limit)


def _org_ids(data: ReconData, wanted: list[str]) -> set[str]:
    """RegisteredOrganisation ids for property values given as ids, municipality codes or names."""
    out: set[str] = set()
    for value in wanted:
        key = fold(value)
        for org in data.organisations.values():
            if value in (org.id, org.code) or key == fold(org.name):
                out.add(org.id)
    return out


def reconcile(data: ReconData, queries: Any) -> dict[str, Any]:
    """A reconciliation result batch for a query batch (``{"q0": {"query": …}, …}``)."""
    if not isinstance(queries, dict):
        raise _bad(
            "the query batch must be a JSON object of queries.",
            "frågebatchen ska vara ett JSON-objekt med frågor.",
        )
    if len(queries) > MAX_BATCH:
        raise _bad(f"at most {MAX_BATCH} queries per batch.", f"högst {MAX_BATCH} frågor per batch.")
    texts = [q.get("query", "") for q in queries.values() if isinstance(q, dict)]
    if sum(len(t) for t in texts if isinstance(t, str)) > MAX_BATCH_CHARS:
        raise _bad(
            f"at most {MAX_BATCH_CHARS} characters of query text per batch: send smaller batches.",
            f"högst {MAX_BATCH_CHARS} tecken frågetext per batch: skicka mindre batcher.",
        )
    return {key: {"result": reconcile_one(data, query)} for key, query in queries.items()}


def _query_text(query: Mapping[str, Any]) -> str:
    """The query's text, whitespace collapsed, refused past ``MAX_QUERY_CHARS``."""
    text = query.get("query", "")
    if not isinstance(text, str):
        raise _bad("'query' must be a string.", "'query' ska vara en sträng.")
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        raise _bad(
            f"'query' has {len(text)} characters; at most {MAX_QUERY_CHARS} are matched (a name, not a text).",
            f"'query' har {len(text)} tecken; högst {MAX_QUERY_CHARS} matchas (ett namn, inte en text).",
        )
    return text


def reconcile_one(data: ReconData, query: Any) -> list[dict[str, Any]]:
    if not isinstance(query, dict):
        raise _bad("each query must be a JSON object.", "varje fråga ska vara ett JSON-objekt.")
    text = _query_text(query)
    constraints = _constraints(query, data.base)
    if not text.strip() and not constraints:
        raise _bad("a query needs 'query' or 'properties'.", "en fråga behöver 'query' eller 'properties'.")
    limit = _limit(query)
    out: list[dict[str, Any]] = []
    for type_ in _types(query):
        if type_ == TYPE_PROGRAMME:
            out += _programme_candidates(data, text, constraints)
        else:
            out += _organisation_candidates(data, text, constraints)
    out.sort(key=lambda c: (-c["score"], c["name"]))
    return out[:limit]


def _programme_type() -> list[dict[str, str]]:
    return [{"id": TYPE_PROGRAMME, "name": TYPES[TYPE_PROGRAMME]}]


def _programme_candidates(
    data: ReconData, text: str, constraints: dict[str, list[str]]
) -> list[dict[str, Any]]:
    kinds = set(constraints.get("kind", []))
    orgs = _org_ids(data, constraints["municipality"]) if "municipality" in constraints else set()
    scope = next(iter(sorted(orgs)), "") if len(orgs) == 1 else ""
    entity = parse_entity(text, data.base)
    seen: dict[str, dict[str, Any]] = {}
    if entity and entity[0] == "programme" and entity[1] in data.catalogue.entries:
        seen[entity[1]] = _programme_candidate(data, entity[1], 100.0, True, "same", "", orgs)
    elif text.strip():
        for p in _proposals(text, data, scope):
            if p.programme and p.programme not in seen:
                exact = p.status in ("auto", "decided") and p.relation == "same"
                seen[p.programme] = _programme_candidate(
                    data, p.programme, p.score, exact, p.relation, p.variant_kind, orgs
                )
        for pid, score in rank(text, data.catalogue, DEFAULT_LIMIT * 2):
            if pid not in seen and score >= 50.0:
                seen[pid] = _programme_candidate(data, pid, min(score, 79.0), False, "", "", orgs)
    else:  # properties only: what the organisations run
        for org in sorted(orgs):
            for pid, rel in data.programmes_of(org):
                seen.setdefault(pid, _programme_candidate(data, pid, 50.0, False, rel, "", orgs))
    cands = list(seen.values())
    if kinds:
        cands = [c for c in cands if data.details.get(c["id"].split("/", 1)[1], {}).get("kind") in kinds]
    return cands


def _proposals(text: str, data: ReconData, scope: str) -> list[Proposal]:
    """The matcher's reading of ``text``; none when it recurses without end (an unclosed "(" in
    ``matcher._parenthesised``): the fuzzy ranking still proposes candidates."""
    try:
        return match(text, data.catalogue, scope)
    except RecursionError:
        return []


def _programme_candidate(
    data: ReconData, pid: str, score: float, is_match: bool, relation: str, kind: str, orgs: set[str]
) -> dict[str, Any]:
    offered_here = any(o in orgs for o, _ in data.offered.get(pid, []))
    description = data.details.get(pid, {}).get("definition", "")
    if relation == "variant":
        description = (
            f"variant ({kind or 'own-variant'}) av/of {data.catalogue.label(pid)}. {description}".strip()
        )
    return {
        "id": entity_id("programme", pid),
        "name": data.catalogue.label(pid),
        "description": description,
        "score": round(float(score), 1),
        "match": bool(is_match),
        "type": _programme_type(),
        "features": [
            {"id": "name", "value": round(float(score), 1)},
            {"id": "variant", "value": relation == "variant"},
            {"id": "offered_in_municipality", "value": offered_here},
        ],
    }


_ORG_NOISE = (
    "kommun",
    "kommuns",
    "stad",
    "stads",
    "kommunen",
    "staden",
    "stadsdelsforvaltning",
    "stadsdelsforvaltningen",
    "stadsdelsforvaltnings",
    "sdf",
)


def _org_keys(name: str) -> set[str]:
    key = fold(name)
    words = [w for w in key.split() if w not in _ORG_NOISE]
    keys = {key, " ".join(words)}
    keys |= {k[:-1] for k in list(keys) if k.endswith("s")}  # "Linköpings kommun"
    return {compact(k) for k in keys if k}


def _organisation_candidates(
    data: ReconData, text: str, constraints: dict[str, list[str]]
) -> list[dict[str, Any]]:
    orgs = list(data.organisations.values())
    if "municipality" in constraints:
        wanted = _org_ids(data, constraints["municipality"])
        orgs = [o for o in orgs if o.id in wanted or o.parent in wanted]
    if "county" in constraints:
        counties = {fold(c) for c in constraints["county"]}
        orgs = [
            o for o in orgs if fold(o.county) in counties or fold(o.county).removesuffix(" lan") in counties
        ]
    entity = parse_entity(text, data.base)
    keys = _org_keys(text) if text.strip() else set()
    out: list[dict[str, Any]] = []
    for org in orgs:
        if entity and entity[0] == "organisation":
            score = 100.0 if entity[1] == org.id else 0.0
        elif not keys:
            score = 50.0
        elif text.strip() in (org.id, org.code) or keys & _org_keys(org.name):
            score = 100.0
        else:
            score = max(fuzz.ratio(k, o) for k in keys for o in _org_keys(org.name))
        if score < 50.0:
            continue
        out.append(
            {
                "id": entity_id("organisation", org.id),
                "name": org.name,
                "description": " · ".join(x for x in (org.kind, org.code, org.county) if x),
                "score": round(score, 1),
                "match": score == 100.0,
                "type": [{"id": TYPE_ORGANISATION, "name": TYPES[TYPE_ORGANISATION]}],
                "features": [{"id": "name", "value": round(score, 1)}],
            }
        )
    if sum(c["match"] for c in out) > 1:  # two organisations with the same name: let a person choose
        for c in out:
            c["match"] = False
    return out


# -- suggest -------------------------------------------------------------------------------------


def suggest_entities(
    data: ReconData, prefix: str, cursor: int = 0, type_: str | None = None, limit: int = 10
) -> dict[str, Any]:
    """Entities whose name (or any label) has a word starting with ``prefix``; ids match too."""
    if len(prefix) > MAX_QUERY_CHARS:
        raise _bad(
            f"'prefix' has {len(prefix)} characters; at most {MAX_QUERY_CHARS}.",
            f"'prefix' har {len(prefix)} tecken; högst {MAX_QUERY_CHARS}.",
        )
    key = fold(prefix)
    types = _types({"type": type_} if type_ else {"type": list(TYPES)})
    found: list[tuple[int, str, dict[str, Any]]] = []
    if TYPE_PROGRAMME in types:
        for entry in data.catalogue.entries.values():
            labels = [fold(t) for t, _ in entry.labels]
            best = _prefix_rank(key, labels)
            if best is not None:
                found.append(
                    (
                        best,
                        entry.label_sv,
                        {
                            "id": entity_id("programme", entry.id),
                            "name": entry.label_sv,
                            "description": data.details.get(entry.id, {}).get("definition", ""),
                            "notable": _programme_type(),
                        },
                    )
                )
    if TYPE_ORGANISATION in types:
        for org in data.organisations.values():
            best = _prefix_rank(key, [fold(org.name), org.id, org.code])
            if best is not None:
                found.append(
                    (
                        best,
                        org.name,
                        {
                            "id": entity_id("organisation", org.id),
                            "name": org.name,
                            "description": " · ".join(x for x in (org.kind, org.county) if x),
                            "notable": [{"id": TYPE_ORGANISATION, "name": TYPES[TYPE_ORGANISATION]}],
                        },
                    )
                )
    found.sort(key=lambda t: (t[0], fold(t[1])))
    return {"result": [item for _, _, item in found[cursor : cursor + limit]]}


def _prefix_rank(key: str, labels: list[str]) -> int | None:
    """0: a label starts with the prefix; 1: a word of a label does; None: no match."""
    if not key:
        return 1
    if any(label.startswith(key) or compact(label).startswith(compact(key)) for label in labels if label):
        return 0
    if any(word.startswith(key) for label in labels for word in label.split()):
        return 1
    return None


def suggest_types(prefix: str) -> dict[str, Any]:
    key = fold(prefix)

    def local(t: str) -> str:
        return fold(t.rsplit("#", 1)[-1])

    return {
        "result": [
            {"id": t, "name": n}
            for t, n in TYPES.items()
            if _prefix_rank(key, [fold(n), local(t)]) is not None
        ]
    }


def suggest_properties(prefix: str) -> dict[str, Any]:
    key = fold(prefix)
    props = dict(QUERY_PROPERTIES)
    for table in EXTEND_PROPERTIES.values():
        props.update(table)
    return {
        "result": [
            {"id": pid, "name": name}
            for pid, name in props.items()
            if not key or fold(pid).startswith(key) or key in fold(name)
        ]
    }


# -- preview -------------------------------------------------------------------------------------


def preview_html(data: ReconData, id_: str) -> str:
    """A small HTML page for an entity (shown by OpenRefine in an iframe)."""
    entity = parse_entity(id_, data.base)
    if (
        entity is None
        or (entity[0] == "programme" and entity[1] not in data.catalogue.entries)
        or (entity[0] == "organisation" and entity[1] not in data.organisations)
    ):
        raise UserError(
            f"unknown entity '{id_}': use ids like programme/komet or organisation/0580.",
            f"okänd entitet '{id_}': använd id som programme/komet eller organisation/0580.",
            code="unknown-entity",
        )
    kind, local = entity
    iri = f"{data.base}id/{kind}/{local}"
    rows: list[tuple[str, str]] = []
    if kind == "programme":
        entry = data.catalogue.entries[local]
        detail = data.details.get(local, {})
        title = entry.label_sv
        others = sorted({t for t, k in entry.labels if k in ("alt", "pref") and t != entry.label_sv})
        rows = [
            ("Andra namn / Other names", ", ".join(others)),
            ("Typ / Kind", data.kind_label(local)),
            ("Ålder / Age", "–".join(x for x in (detail.get("minAge", ""), detail.get("maxAge", "")) if x)),
            ("Erbjuds av / Offered by", _org_list(data, data.offered_by(local))),
            ("Variant erbjuds av / Variant offered by", _org_list(data, data.offered_by(local, "variant"))),
        ]
        text = detail.get("definition", "")
    else:
        org = data.organisations[local]
        title = org.name
        parent = data.organisations.get(org.parent or "")
        rows = [
            ("Typ / Kind", org.kind_label or org.kind),
            ("Kommunkod / Code", org.code),
            ("Län / County", org.county),
            ("Del av / Unit of", parent.name if parent else ""),
            ("Program / Programmes", str(len(data.programmes_of(local)))),
        ]
        text = ""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows if v)
    return (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font:14px sans-serif;margin:8px}th{text-align:left;padding-right:8px}</style>"
        "</head><body>"
        f'<h1 style="font-size:16px"><a href="{html.escape(iri)}" target="_blank">'
        f"{html.escape(title)}</a></h1>"
        f"<p>{html.escape(text)}</p><table>{body}</table></body></html>"
    )


def _org_list(data: ReconData, orgs: list[str]) -> str:
    """``2: Linköping, Norrköping``: the count, and the organisations it counts (as data extension lists them)."""
    if not orgs:
        return ""
    names = [data.organisations[o].name if o in data.organisations else o for o in orgs]
    return f"{len(orgs)}: {', '.join(names)}"


# -- data extension ------------------------------------------------------------------------------


def propose_properties(type_: str, limit: int | None = None) -> dict[str, Any]:
    """Properties that data extension can fetch for entities of a type."""
    t = _types({"type": type_})[0]
    props = [{"id": pid, "name": name} for pid, name in EXTEND_PROPERTIES[t].items()]
    out: dict[str, Any] = {"type": type_, "properties": props[:limit] if limit else props}
    if limit:
        out["limit"] = limit
    return out


def extend(data: ReconData, query: Any) -> dict[str, Any]:
    """Property values for entities: ``{"ids": [...], "properties": [{"id": ...}]}`` → ``{meta, rows}``."""
    if (
        not isinstance(query, dict)
        or not isinstance(query.get("ids"), list)
        or not isinstance(query.get("properties"), list)
    ):
        raise _bad(
            "the extension query needs 'ids' and 'properties' lists.",
            "utökningsfrågan behöver listorna 'ids' och 'properties'.",
        )
    pids: list[str] = []
    for prop in query["properties"]:
        pid = prop.get("id") if isinstance(prop, dict) else None
        if not isinstance(pid, str) or not any(pid in table for table in EXTEND_PROPERTIES.values()):
            raise _bad(f"unknown property '{pid}'.", f"okänd egenskap '{pid}'.")
        pids.append(pid)
    if len(query["ids"]) > MAX_EXTEND_IDS:
        raise _bad(
            f"at most {MAX_EXTEND_IDS} ids per extension query.",
            f"högst {MAX_EXTEND_IDS} id:n per utökningsfråga.",
        )
    entities = [parse_entity(str(id_), data.base) for id_ in query["ids"]]
    kinds = {TYPE_PROGRAMME if e[0] == "programme" else TYPE_ORGANISATION for e in entities if e}
    tables = [EXTEND_PROPERTIES[t] for t in sorted(kinds)] or list(EXTEND_PROPERTIES.values())
    names: dict[str, str] = {}
    for table in tables:  # a property both types have (kind) is named for the ids asked about
        for pid, name in table.items():
            names[pid] = name if pid not in names else "Typ / Kind"
    for table in EXTEND_PROPERTIES.values():
        for pid, name in table.items():
            names.setdefault(pid, name)
    meta = []
    for pid in pids:
        item: dict[str, Any] = {"id": pid, "name": names[pid]}
        if pid in ("offeredBy", "variantOfferedBy", "unitOf"):
            item["type"] = {"id": TYPE_ORGANISATION, "name": TYPES[TYPE_ORGANISATION]}
        elif pid == "programmes":
            item["type"] = {"id": TYPE_PROGRAMME, "name": TYPES[TYPE_PROGRAMME]}
        meta.append(item)
    rows = {}
    for id_, entity in zip(query["ids"], entities, strict=True):
        rows[str(id_)] = {pid: _extend_values(data, entity, pid) for pid in pids}
    return {"meta": meta, "rows": rows}


def _org_value(data: ReconData, org_id: str) -> dict[str, str]:
    org = data.organisations.get(org_id)
    return {"id": entity_id("organisation", org_id), "name": org.name if org else org_id}


def _extend_values(data: ReconData, entity: tuple[str, str] | None, pid: str) -> list[dict[str, Any]]:
    if entity is None:
        return []
    kind, local = entity
    if kind == "programme" and local in data.catalogue.entries:
        entry = data.catalogue.entries[local]
        detail = data.details.get(local, {})
        if pid == "label_en":
            return [{"str": entry.label_en}] if entry.label_en else []
        if pid == "altLabel":
            return [{"str": t} for t, k in entry.labels if k == "alt"]
        if pid == "definition":
            return [{"str": detail[pid]}] if detail.get(pid) else []
        if pid == "kind":
            return [{"str": data.kind_label(local)}] if detail.get("kind") else []
        if pid in ("minAge", "maxAge"):
            return [{"int": int(detail[pid])}] if detail.get(pid) else []
        if pid in ("offeredBy", "variantOfferedBy"):
            rel = "same" if pid == "offeredBy" else "variant"
            return [_org_value(data, o) for o in data.offered_by(local, rel)]
    if kind == "organisation" and local in data.organisations:
        org = data.organisations[local]
        if pid == "municipalityCode":
            return [{"str": org.code}] if org.code else []
        if pid == "county":
            return [{"str": org.county}] if org.county else []
        if pid == "kind":
            return [{"str": org.kind_label or org.kind}] if org.kind else []
        if pid == "unitOf":
            return [_org_value(data, org.parent)] if org.parent else []
        if pid == "programmes":
            return [
                {"id": entity_id("programme", p), "name": data.catalogue.label(p)}
                for p in sorted({p for p, _ in data.programmes_of(local)})
            ]
    return []
