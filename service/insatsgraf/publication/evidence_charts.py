"""Evidence charts: how much of each organisation's offer rests on an assessed programme, and where a
programme's ratings sit on the crosswalk.

``share_section`` runs the catalogue query ``assessed-share-by-organisation`` for a county (optionally one
organisation, for its page) and draws one bar per organisation, 0–100 %, as an HTML table with CSS bars
(no JavaScript; one inline SVG per page stays the levels chart's); ``levels_svg`` draws a programme's assessments (from ``describe.assessments_of_programme``)
as bars on the five-level crosswalk. Both return markup the pages embed as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.publication.describe import Value
from insatsgraf.sparql.store import Store

SHARE_TITLE = (
    "Andel erbjudanden som vilar på ett bedömt program / Share of offerings resting on an assessed programme"
)
COLOUR, TRACK = "#0072b2", "#e1e5eb"  # Okabe–Ito blue
LEVEL_RANKS = {
    "Stark": 4,
    "Måttlig": 3,
    "Lovande": 2,
    "Otillräcklig eller ograderad": 1,
    "Ingen effekt eller skadlig": 0,
}
"""The crosswalk's Swedish labels (data/ttl/evidence-scales.ttl) → rank, for the programme page's bars."""


@dataclass(frozen=True)
class Share:
    """One organisation: its current offerings, those implementing an assessed programme, the percentage."""

    iri: str
    label: str
    offerings: int
    assessed: int
    percent: int


def shares(store: Store, catalogue: Catalogue, county: str, org: str | None = None) -> list[Share]:
    """The rows of ``assessed-share-by-organisation`` for ``county`` (already resolved), or one organisation's."""
    rows = catalogue.run(store, "assessed-share-by-organisation", {"county": county}).table()
    found = [
        Share(
            r["organisation"],
            r["organisationLabel"],
            int(r["offerings"]),
            int(r["assessed"]),
            int(r["percent"]),
        )
        for r in rows
    ]
    return [s for s in found if org is None or s.iri == org]


def share_bars(found: list[Share], link: Callable[[str], str | None] | None = None) -> Markup:
    """A bar chart as an HTML table (one row per organisation, a bar 0–100 % wide), so it reads as a table
    without styles and sits beside the page's SVG charts; each ``span.bar`` carries ``data-organisation``,
    ``data-percent``, ``data-assessed`` and ``data-offerings``."""
    if not found:
        return Markup("")
    out = [
        f'<table class="evidence-share" aria-label="{escape(SHARE_TITLE)}">',
        '<thead><tr><th>Organisation</th><th>Andel <span class="en" lang="en">/ Share</span></th>'
        '<th class="num">Bedömda / erbjudanden <span class="en" lang="en">/ Assessed / offerings</span>'
        "</th></tr></thead><tbody>",
    ]
    for s in found:
        href = link(s.iri) if link else None
        name = escape(s.label)
        label = f'<a href="{escape(href)}">{name}</a>' if href else name
        tip = f"{s.label}: {s.percent} % – {s.assessed} av {s.offerings} erbjudanden / of {s.offerings} offerings"
        out.append(
            f'<tr data-organisation="{escape(s.iri)}"><th scope="row">{label}</th>'
            f'<td class="share"><span class="track" style="display:inline-block;width:16em;background:{TRACK}">'
            f'<span class="bar" style="display:block;height:1em;width:{s.percent}%;background:{COLOUR}" '
            f'title="{escape(tip)}" data-organisation="{escape(s.iri)}" data-percent="{s.percent}" '
            f'data-assessed="{s.assessed}" data-offerings="{s.offerings}"></span></span> {s.percent} %</td>'
            f'<td class="num">{s.assessed} / {s.offerings}</td></tr>'
        )
    out.append("</tbody></table>")
    return Markup("".join(out))


def share_section(
    store: Store,
    catalogue: Catalogue,
    county: str,
    org: str | None = None,
    link: Callable[[str], str | None] | None = None,
) -> Markup:
    """The chart with its heading and a sentence saying what it counts, for ``/charts`` and organisation pages."""
    found = shares(store, catalogue, county, org)
    head = (
        '<section id="evidence-share"><h2>Evidensbedömda program <span class="en" lang="en">/ Assessed '
        "programmes</span></h2><p>Andel av de aktuella erbjudandena som är ett program som något "
        'evidensregister har bedömt (varianter räknas inte). <span class="en" lang="en">Share of the current '
        "offerings that are a programme some evidence registry has assessed (variants are not counted).</span> "
        "<small>(<code>assessed-share-by-organisation</code>)</small></p>"
    )
    if not found:
        body = '<p class="no-data">Inga erbjudanden. <span class="en" lang="en">No offerings.</span></p>'
    else:
        body = f'<figure class="chart">{share_bars(found, link)}</figure>'
    return Markup(head + body + "</section>")


def levels_svg(assessments: list[dict[str, Value | None]]) -> Markup:
    """A programme's ratings as bars on the crosswalk (0 no effect or harmful … 4 strong), one per assessment,
    labelled with the registry and its own rating; ``rect.bar`` carries ``data-rank``."""
    rated = [a for a in assessments if a.get("level") is not None and a.get("registry") is not None]
    if not rated:
        return Markup("")
    texts = [f"{a['registry'].text}: {a['rating'].text if a.get('rating') else ''}"[:64] for a in rated]  # type: ignore[union-attr]
    plot_w, bar_h, gap = 240, 16, 6
    label_w = min(460, int(6.8 * max(len(s) for s in texts)) + 16)
    height = 8 + len(rated) * (bar_h + gap) + 6
    width = label_w + plot_w + 160
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart evidence-levels" role="img" '
        f'aria-label="Nivå i korsreferensen per bedömning / Crosswalk level per assessment" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">'
    ]
    y = 8
    for a, text in zip(rated, texts, strict=True):
        level = a["level"]
        assert level is not None
        rank = LEVEL_RANKS.get(level.text, 0)
        w = max(plot_w * rank / 4, 2.0)
        out.append(
            f'<text x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end">{escape(text)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="{TRACK}" opacity="0.4"/>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLOUR}" '
            f'data-rank="{rank}"><title>{escape(text)} → {escape(level.text)}</title></rect>'
            f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 4}">{escape(level.text)}</text>'
        )
        y += bar_h + gap
    out.append("</svg>")
    return Markup("\n".join(out))
