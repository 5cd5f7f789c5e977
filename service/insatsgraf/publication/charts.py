"""Charts people would rather look at than read: offerings per prevention level, and the coverage matrix.

Plain functions over the rows of two catalogue queries (``prevention-level-counts``, ``coverage-matrix``):
rows → a small page model → server-side SVG and an HTML page (no JavaScript, no CDN). The web route
``GET /charts`` and ``insatsgraf report`` both render this page, so they always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from insatsgraf.catalogue import resolve
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.sparql.results import QueryResult
from insatsgraf.sparql.store import Store

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

DEFAULT_COUNTY = "Östergötlands län"

LEVELS = {
    # local name of the prevention-level concept → (sv, en, colour); Okabe–Ito colours, safe for colour blindness
    "universal": ("Universell", "Universal", "#009e73"),
    "selective": ("Selektiv", "Selective", "#e69f00"),
    "indicated": ("Indikerad", "Indicated", "#d55e00"),
}
OTHER_COLOUR = "#999999"
LEVELS_TITLE = (
    "Insatser per preventionsnivå och organisation / Offerings per prevention level and organisation"
)


@dataclass(frozen=True)
class Level:
    iri: str
    label_sv: str
    label_en: str
    colour: str


@dataclass(frozen=True)
class ChartOrganisation:
    iri: str
    label: str


@dataclass(frozen=True)
class Bar:
    """One bar: how many offerings of one organisation are classified at one prevention level."""

    organisation: ChartOrganisation
    level: Level
    count: int


@dataclass
class LevelChart:
    organisations: list[ChartOrganisation] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)

    def bar(self, organisation: ChartOrganisation, level: Level) -> Bar | None:
        return next((b for b in self.bars if b.organisation == organisation and b.level == level), None)


@dataclass(frozen=True)
class Programme:
    iri: str
    label: str


@dataclass
class CoverageMatrix:
    organisations: list[ChartOrganisation] = field(default_factory=list)
    programmes: list[Programme] = field(default_factory=list)
    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    """(organisation IRI, programme IRI) → number of offerings; a missing key means none."""

    @property
    def most(self) -> int:
        return max(self.cells.values(), default=0)

    def cell(self, organisation: ChartOrganisation, programme: Programme) -> int | None:
        return self.cells.get((organisation.iri, programme.iri))


@dataclass
class ChartsPage:
    county: str
    levels: LevelChart
    matrix: CoverageMatrix

    @property
    def empty(self) -> bool:
        return not self.levels.bars and not self.matrix.cells


# -- rows → model ------------------------------------------------------------------------------------


def _value(row: dict[str, dict[str, str]], var: str) -> str:
    return row[var]["value"] if var in row else ""


def level_chart(result: QueryResult) -> LevelChart:
    """The model of ``prevention-level-counts``: levels in the order universal, selective, indicated."""
    chart = LevelChart()
    levels: dict[str, Level] = {}
    orgs: dict[str, ChartOrganisation] = {}
    for row in result.rows:
        org_iri, level_iri = _value(row, "organisation"), _value(row, "level")
        org = orgs.setdefault(
            org_iri, ChartOrganisation(org_iri, _value(row, "organisationLabel") or org_iri)
        )
        if level_iri not in levels:
            sv, en, colour = LEVELS.get(level_iri.rsplit("/", 1)[-1], ("", "", OTHER_COLOUR))
            label = _value(row, "levelLabel") or level_iri.rsplit("/", 1)[-1]
            levels[level_iri] = Level(level_iri, sv or label, en or label, colour)
        chart.bars.append(Bar(org, levels[level_iri], int(_value(row, "offerings") or 0)))
    known = list(LEVELS)
    chart.levels = sorted(levels.values(), key=lambda lv: (_rank(lv.iri, known), lv.label_sv))
    chart.organisations = sorted(orgs.values(), key=lambda o: o.label)
    return chart


def _rank(iri: str, known: list[str]) -> int:
    name = iri.rsplit("/", 1)[-1]
    return known.index(name) if name in known else len(known)


def coverage_matrix(result: QueryResult) -> CoverageMatrix:
    """The model of ``coverage-matrix``: organisations and programmes sorted by label, sparse cells."""
    matrix = CoverageMatrix()
    orgs: dict[str, ChartOrganisation] = {}
    programmes: dict[str, Programme] = {}
    for row in result.rows:
        org_iri, prog_iri = _value(row, "organisation"), _value(row, "programme")
        orgs.setdefault(org_iri, ChartOrganisation(org_iri, _value(row, "organisationLabel") or org_iri))
        programmes.setdefault(prog_iri, Programme(prog_iri, _value(row, "programmeLabel") or prog_iri))
        matrix.cells[(org_iri, prog_iri)] = int(_value(row, "offerings") or 0)
    matrix.organisations = sorted(orgs.values(), key=lambda o: o.label)
    matrix.programmes = sorted(programmes.values(), key=lambda p: p.label)
    return matrix


def build_page(store: Store, catalogue: Catalogue, county: str = DEFAULT_COUNTY) -> ChartsPage:
    """Run the two chart queries for one county and build the page model; ``county`` may be a short form
    (``Sörmland``, ``04``: ``catalogue.resolve``), an unknown one is a UserError naming the counties."""
    county = resolve.resolve(store, resolve.COUNTY, "county", county)
    params = {"county": county}
    return ChartsPage(
        county=county,
        levels=level_chart(catalogue.run(store, "prevention-level-counts", params)),
        matrix=coverage_matrix(catalogue.run(store, "coverage-matrix", params)),
    )


# -- model → SVG / HTML ------------------------------------------------------------------------------

BAR_H, BAR_GAP, GROUP_GAP, PLOT_W, CHAR_W = 16, 2, 14, 520, 7.2


def level_svg(chart: LevelChart) -> Markup:
    """A grouped horizontal bar chart: one group per organisation, one bar per prevention level.

    Each bar carries ``data-organisation``, ``data-level`` and ``data-count`` (tests and scripts read them)
    and a ``<title>`` tooltip; the ``<title>``/``<desc>`` of the SVG describe the whole chart for screen readers.
    """
    if not chart.bars:
        return Markup("")
    label_w = min(280, int(CHAR_W * max(len(o.label) for o in chart.organisations)) + 16)
    ticks = _ticks(max(b.count for b in chart.bars))
    scale = PLOT_W / ticks[-1]
    group_h = len(chart.levels) * (BAR_H + BAR_GAP)
    top = 34
    height = top + len(chart.organisations) * (group_h + GROUP_GAP) + 24
    width = label_w + PLOT_W + 48
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart levels" role="img" '
            f'aria-labelledby="levels-title levels-desc" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">'
        ),
        f'<title id="levels-title">{escape(LEVELS_TITLE)}</title>',
        f'<desc id="levels-desc">{escape(_describe_levels(chart))}</desc>',
    ]
    x = label_w
    for level in chart.levels:  # legend
        out.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{level.colour}"/>'
            f'<text x="{x + 16}" y="16">{escape(level.label_sv)} / {escape(level.label_en)}</text>'
        )
        x += 16 + int(CHAR_W * (len(level.label_sv) + len(level.label_en) + 3)) + 18
    axis_bottom = height - 22
    for tick in ticks:
        tx = label_w + tick * scale
        out.append(
            f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{axis_bottom}" stroke="#e1e5eb"/>'
            f'<text x="{tx:.1f}" y="{axis_bottom + 14}" text-anchor="middle" fill="#5b6575">{tick}</text>'
        )
    y = top
    for org in chart.organisations:
        out.append(
            f'<g class="organisation" data-organisation="{escape(org.iri)}">'
            f'<text x="{label_w - 8}" y="{y + group_h / 2 + 4:.1f}" text-anchor="end" '
            f'font-weight="600">{escape(org.label)}</text>'
        )
        for i, level in enumerate(chart.levels):
            by = y + i * (BAR_H + BAR_GAP)
            bar = chart.bar(org, level)
            if bar is None:
                continue
            w = max(bar.count * scale, 1.0)
            tip = f"{org.label} – {level.label_sv} / {level.label_en}: {bar.count}"
            out.append(
                f'<rect class="bar" x="{label_w}" y="{by}" width="{w:.1f}" height="{BAR_H}" fill="{level.colour}" '
                f'data-organisation="{escape(org.iri)}" data-level="{escape(level.iri)}" data-count="{bar.count}">'
                f"<title>{escape(tip)}</title></rect>"
                f'<text x="{label_w + w + 4:.1f}" y="{by + BAR_H - 4}" aria-hidden="true">{bar.count}</text>'
            )
        out.append("</g>")
        y += group_h + GROUP_GAP
    out.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{axis_bottom}" stroke="#5b6575"/>')
    out.append("</svg>")
    return Markup("\n".join(out))


def _ticks(most: int) -> list[int]:
    """At most seven round ticks (steps 1, 2, 5, 10, 20, 50 …) from 0 to the first one ≥ ``most``."""
    step = 1
    while most / step > 6:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    top = max(-(-most // step), 1) * step
    return list(range(0, top + 1, step))


def _describe_levels(chart: LevelChart) -> str:
    parts = []
    for org in chart.organisations:
        counts = [f"{b.level.label_sv} {b.count}" for lv in chart.levels if (b := chart.bar(org, lv))]
        parts.append(f"{org.label}: {', '.join(counts)}")
    return "; ".join(parts) + "."


def heat_colour(count: int, most: int) -> str:
    """A blue, lighter for fewer offerings and darkest for the most any cell has."""
    share = count / most if most else 0.0
    light, dark = (222, 235, 247), (8, 81, 156)
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(light, dark, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def text_colour(count: int, most: int) -> str:
    return "#ffffff" if most and count / most > 0.5 else "#1d2330"


def render_html(
    page: ChartsPage, *, standalone: bool = False, link: Callable[[str], str | None] | None = None
) -> str:
    """The charts page. ``standalone`` inlines the CSS and drops the site navigation (``insatsgraf report``)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    css = ""
    if standalone:
        css = "\n".join(
            (STATIC / name).read_text(encoding="utf-8") for name in ("insatsgraf.css", "charts.css")
        )
    return env.get_template("charts.html").render(
        **page_context(page, standalone=standalone, link=link), css=Markup(css)
    )


def page_context(
    page: ChartsPage, *, standalone: bool = False, link: Callable[[str], str | None] | None = None
) -> dict[str, object]:
    """What ``templates/charts.html`` needs; ``link`` maps an IRI to its href (the IRI itself by default)."""

    def href(iri: str) -> str:
        return (link(iri) if link else None) or iri

    return {
        "page": page,
        "levels_svg": level_svg(page.levels),
        "heat_colour": heat_colour,
        "text_colour": text_colour,
        "link": href,
        "layout": "charts_standalone.html" if standalone else "base.html",
        "standalone": standalone,
    }
