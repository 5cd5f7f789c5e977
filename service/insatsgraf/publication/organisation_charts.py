"""The page of one organisation (``GET /charts/organisation/{id}``, ``insatsgraf report --org ID``).

Built from small section functions (``SECTIONS``), each turning query rows into a ``Section``: a heading, a
server-side SVG bar chart and the same numbers as a table (no JavaScript, no CDN). One more section is one
more function in the list. The sections: the offerings by prevention level, SKR category and problem area
(``municipality-profile``, a municipality's units included); its figures against the county's and each
comparison group's; interventions ended according to plan (``ended-according-to-plan``); and decided
interventions per 1 000 inhabitants for every organisation of the county (``decided-interventions-per-1000``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from insatsgraf.catalogue import resolve, rq
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.publication import evidence_charts
from insatsgraf.publication.charts import STATIC, TEMPLATES
from insatsgraf.sparql.store import Store

ORG_COLOUR, COUNTY_COLOUR, GROUP_COLOUR, OTHER_COLOUR = "#0072b2", "#e69f00", "#009e73", "#999999"
"""Okabe–Ito colours: the organisation, the county, a comparison group, the other organisations."""
PROPERTIES = {
    "https://w3id.org/insatsgraf/def#preventionLevel": ("Preventionsnivå", "Prevention level"),
    "https://w3id.org/insatsgraf/def#skrCategory": ("SKR-kategori", "SKR category"),
    "https://w3id.org/insatsgraf/def#problemArea": ("Problemområde", "Problem area"),
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    colour: str = ORG_COLOUR
    note: str = ""


@dataclass
class BarGroup:
    """Bars drawn on one scale (a group of their own: figures of different measures are not comparable)."""

    label: str
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Section:
    id: str
    title_sv: str
    title_en: str
    text_sv: str
    text_en: str
    groups: list[BarGroup] = field(default_factory=list)
    query: str = ""

    @property
    def empty(self) -> bool:
        return not any(g.bars for g in self.groups)


@dataclass
class OrganisationPage:
    iri: str
    id: str
    label: str
    county: str
    parent: str | None
    sections: list[Section] = field(default_factory=list)


@dataclass
class Context:
    """What every section function may use."""

    store: Store
    catalogue: Catalogue
    page: OrganisationPage


# -- sections --------------------------------------------------------------------------------------


def offerings_section(ctx: Context) -> Section:
    """Offerings by prevention level, SKR category and problem area: one bar group per dimension."""
    rows = ctx.catalogue.run(ctx.store, "municipality-profile", {"org": ctx.page.iri}).table()
    counted: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        counted[row["property"]][row["conceptLabel"]].add(row["offering"])
    groups = []
    for prop, (sv, en) in PROPERTIES.items():
        bars = [Bar(label, len(offerings)) for label, offerings in sorted(counted.get(prop, {}).items())]
        groups.append(BarGroup(f"{sv} / {en}", bars))
    return Section(
        "offerings",
        "Insatser per preventionsnivå, SKR-kategori och problemområde",
        "Offerings by prevention level, SKR category and problem area",
        "Antal erbjudanden i varje klass; ett erbjudande kan ha flera. En kommuns siffror omfattar dess enheter.",
        "Number of offerings in each class; an offering can have several. A municipality's include its units'.",
        groups,
        "municipality-profile",
    )


def _figures(ctx: Context, orgs: list[str]) -> dict[str, dict[tuple[str, str, str], tuple[str, Decimal]]]:
    """org → (measure, period, age) → (measure label, value)."""
    safe = [o for o in orgs if _safe(o)]
    out: dict[str, dict[tuple[str, str, str], tuple[str, Decimal]]] = defaultdict(dict)
    if not safe:
        return out
    for row in ctx.store.query(rq.values(rq.read("charts-figures"), "org", safe)).table():
        key = (row["measure"], row["period"], row["age"])
        out[row["org"]][key] = (row["measureLabel"], Decimal(row["value"]))
    return out


def _safe(iri: str) -> bool:
    try:
        rq.iri_term(iri)
    except rq.UnsafeIri:
        return False
    return True


def comparison_section(ctx: Context) -> Section:
    """The organisation's figures against the mean of its county's other organisations and, per comparison
    group, the group's own figure (or the mean of its other members)."""
    peers = ctx.store.query(rq.bind(rq.read("charts-peers"), org=ctx.page.iri)).table()
    county = sorted({r["peer"] for r in peers if r["kind"] == "county"})
    groups: dict[str, tuple[str, set[str]]] = {}
    for r in peers:
        if r["kind"] == "group":
            groups.setdefault(r["group"], (r.get("groupLabel", r["group"]), set()))[1].add(r["peer"])
    figures = _figures(ctx, [ctx.page.iri, *county, *{p for _l, ps in groups.values() for p in ps}])
    out = []
    for key, (label, value) in sorted(
        figures.get(ctx.page.iri, {}).items(), key=lambda kv: (kv[1][0], kv[0])
    ):
        _measure, period, _age = key
        bars = [Bar(ctx.page.label, float(value), ORG_COLOUR)]
        values = [figures[o][key][1] for o in county if key in figures.get(o, {})]
        if values:
            bars.append(
                Bar(
                    f"{ctx.page.county} (medel / mean)",
                    float(sum(values) / len(values)),
                    COUNTY_COLOUR,
                    f"n={len(values)}",
                )
            )
        for group, (group_label, members) in sorted(groups.items()):
            if key in figures.get(group, {}):
                bars.append(
                    Bar(
                        f"{group_label}",
                        float(figures[group][key][1]),
                        GROUP_COLOUR,
                        "rapporterat / reported",
                    )
                )
                continue
            found = [figures[m][key][1] for m in members if m != group and key in figures.get(m, {})]
            if found:
                bars.append(
                    Bar(
                        f"{group_label} (medel / mean)",
                        float(sum(found) / len(found)),
                        GROUP_COLOUR,
                        f"n={len(found)}",
                    )
                )
        out.append(BarGroup(f"{label} {period}", bars))
    return Section(
        "figures",
        "Nyckeltal jämfört med länet och jämförelsegrupper",
        "Figures against the county and the comparison groups",
        "Organisationens nyckeltal (inte uppdelade), länets övriga organisationers medelvärde och varje "
        "jämförelsegrupps eget värde (eller dess övriga medlemmars medelvärde). Varje mått har sin egen skala.",
        "The organisation's figures (not broken down), the mean of the county's other organisations and each "
        "comparison group's own figure (or its other members' mean). Each measure has its own scale.",
        out,
        "cost-per-inhabitant-comparison",
    )


def ended_section(ctx: Context) -> Section:
    """Share of interventions ended according to plan, per problem area, one bar per year."""
    rows = ctx.catalogue.run(ctx.store, "ended-according-to-plan", {"org": ctx.page.iri}).table()
    by_area: dict[str, list[Bar]] = defaultdict(list)
    for row in rows:
        note = f"{row['accordingToPlan']} av / of {float(row['accordingToPlan']) + float(row['notAccordingToPlan']):g}"
        by_area[row["problemAreaLabel"]].append(
            Bar(row["period"], float(row["shareAccordingToPlan"]), ORG_COLOUR, note)
        )
    return Section(
        "ended",
        "Insatser avslutade enligt plan (%)",
        "Interventions ended according to plan (%)",
        "Andel av de avslutade insatserna som avslutades enligt plan, per problemområde och år.",
        "Share of the ended interventions that ended according to plan, per problem area and year.",
        [BarGroup(area, bars) for area, bars in sorted(by_area.items())],
        "ended-according-to-plan",
    )


def per_capita_section(ctx: Context) -> Section:
    """Decided interventions per 1 000 inhabitants 0–20 for each organisation of the county, latest period."""
    section = Section(
        "per-capita",
        f"Beslutade insatser per 1 000 invånare 0–20 år i {ctx.page.county}",
        f"Decided interventions per 1 000 inhabitants aged 0–20 in {ctx.page.county}",
        "Senaste period med uppgifter; en kommun utan egen siffra räknas ihop från sina stadsdelar.",
        "Latest period with figures; a municipality without its own figure is rolled up from its districts.",
        [],
        "decided-interventions-per-1000",
    )
    if not ctx.page.county:
        return section
    peers = ctx.store.query(rq.bind(rq.read("charts-peers"), org=ctx.page.iri)).table()
    orgs = [ctx.page.iri, *sorted({r["peer"] for r in peers if r["kind"] == "county"})]
    periods = {
        key[1]
        for figures in _figures(ctx, orgs).values()
        for key in figures
        if key[0].endswith("/decided-interventions")
    }
    if not periods:
        return section
    period = max(periods, key=lambda p: (p[:4], p))
    rows = ctx.catalogue.run(
        ctx.store, "decided-interventions-per-1000", {"county": ctx.page.county, "period": period}
    ).table()
    mine = {ctx.page.iri, ctx.page.parent}
    bars = [
        Bar(
            r["organisationLabel"] + (" (stadsdelar / districts)" if r["basis"] == "districts" else ""),
            float(r["per1000"]),
            ORG_COLOUR if r["organisation"] in mine else OTHER_COLOUR,
            f"{r['decided']} / {r['population']}",
        )
        for r in rows
    ]
    section.groups = [BarGroup(period, sorted(bars, key=lambda b: -b.value))]
    return section


def evidence_section(ctx: Context) -> Section:
    """The share of the organisation's offerings that implement a programme some registry has assessed
    (``evidence_charts.shares``: the query ``assessed-share-by-organisation``), one bar in per cent."""
    section = Section(
        "evidence-share",
        "Erbjudanden som vilar på ett bedömt program",
        "Offerings resting on an assessed programme",
        "Andel (%) av de aktuella erbjudandena som är ett program något evidensregister har bedömt.",
        "Share (%) of the current offerings that are a programme some evidence registry has assessed.",
        query="assessed-share-by-organisation",
    )
    if not ctx.page.county:
        return section
    found = evidence_charts.shares(ctx.store, ctx.catalogue, ctx.page.county, ctx.page.iri)
    bars = [Bar(s.label, s.percent, note=f"{s.assessed} / {s.offerings}") for s in found]
    section.groups = [BarGroup("% bedömda / % assessed", bars)]
    return section


SECTIONS: list[Callable[[Context], Section]] = [
    offerings_section,
    comparison_section,
    ended_section,
    per_capita_section,
    evidence_section,
]
"""The page's sections, in order: one function each (store, catalogue and page in, a Section out)."""


def build_page(store: Store, catalogue: Catalogue, org: str) -> OrganisationPage:
    """The page of ``org`` (an id, a name or an IRI: ``catalogue.resolve``; unknown is a UserError)."""
    iri = resolve.resolve(store, resolve.ORGANISATION, "org", org)
    rows = store.query(rq.bind(rq.read("charts-organisation"), org=iri)).table()
    row = rows[0] if rows else {}
    page = OrganisationPage(
        iri=iri,
        id=iri.rsplit("/", 1)[-1],
        label=row.get("label", iri.rsplit("/", 1)[-1]),
        county=row.get("county", ""),
        parent=row.get("parent"),
    )
    ctx = Context(store, catalogue, page)
    page.sections = [section(ctx) for section in SECTIONS]
    return page


# -- model → SVG / HTML ------------------------------------------------------------------------------

BAR_H, GAP, GROUP_GAP, PLOT_W, CHAR_W = 16, 4, 22, 360, 7.0


def bars_svg(section: Section) -> Markup:
    """Horizontal bars, one block per group on its own scale; each bar carries ``data-label`` and
    ``data-value`` and a ``<title>``; the SVG's ``<title>``/``<desc>`` describe it for screen readers."""
    groups = [g for g in section.groups if g.bars]
    if not groups:
        return Markup("")
    labels = [b.label for g in groups for b in g.bars]
    label_w = min(300, int(CHAR_W * max(len(text) for text in labels)) + 16)
    height = sum(20 + len(g.bars) * (BAR_H + GAP) + GROUP_GAP for g in groups) + 10
    width = label_w + PLOT_W + 120
    sid = escape(section.id)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" role="img" aria-labelledby="{sid}-title '
        f'{sid}-desc" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{sid}-title">{escape(section.title_sv)} / {escape(section.title_en)}</title>',
        f'<desc id="{sid}-desc">{escape(_describe(groups))}</desc>',
    ]
    y = 4
    for group in groups:
        out.append(f'<text x="4" y="{y + 12}" font-weight="600">{escape(group.label)}</text>')
        y += 20
        most = max((b.value for b in group.bars), default=0) or 1
        for bar in group.bars:
            w = max(bar.value / most * PLOT_W, 1.0) if bar.value > 0 else 0.0
            shown = f"{bar.value:,.1f}".replace(",", " ").removesuffix(".0")
            tip = f"{bar.label}: {shown}" + (f" ({bar.note})" if bar.note else "")
            out.append(
                f'<text x="{label_w - 8}" y="{y + BAR_H - 4}" text-anchor="end">{escape(bar.label)}</text>'
                f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{bar.colour}" '
                f'data-label="{escape(bar.label)}" data-value="{bar.value:g}"><title>{escape(tip)}</title></rect>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + BAR_H - 4}" aria-hidden="true">{escape(shown)}</text>'
            )
            y += BAR_H + GAP
        y += GROUP_GAP
    out.append("</svg>")
    return Markup("\n".join(out))


def _describe(groups: list[BarGroup]) -> str:
    return (
        "; ".join(f"{g.label}: " + ", ".join(f"{b.label} {b.value:g}" for b in g.bars) for g in groups) + "."
    )


def render_html(
    page: OrganisationPage, *, standalone: bool = False, link: Callable[[str], str | None] | None = None
) -> str:
    """The organisation page; ``standalone`` inlines the CSS and drops the navigation (``insatsgraf report``)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    css = ""
    if standalone:
        css = "\n".join(
            (STATIC / name).read_text(encoding="utf-8") for name in ("insatsgraf.css", "charts.css")
        )
    return env.get_template("charts_organisation.html").render(
        **page_context(page, standalone=standalone, link=link), css=Markup(css)
    )


def page_context(
    page: OrganisationPage, *, standalone: bool = False, link: Callable[[str], str | None] | None = None
) -> dict[str, object]:
    def href(iri: str) -> str:
        return (link(iri) if link else None) or iri

    return {
        "page": page,
        "svgs": {s.id: bars_svg(s) for s in page.sections},
        "link": href,
        "layout": "charts_standalone.html" if standalone else "base.html",
        "standalone": standalone,
    }
