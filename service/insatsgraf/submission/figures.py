"""Per-offering figures in the submission spreadsheet: participants (of which boys, girls) and waiting time.

The optional columns (``columns.FIGURE_COLUMNS``) of a row become Data Cube observations about that row's
offering, in the organisation's companion graph ``{base}graph/statistics/offerings-{org}`` (one
``qb:DataSet``, derived from the submission), which ``lists.commit`` writes in the same transaction as the
submission. A row's figures need its period; a cell that is no number, negative, or boys and girls adding up
to more than the participants is refused with file, row and column before anything is written.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import cube, iris
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph
from insatsgraf.submission import curated, statistics
from insatsgraf.submission.ingest import read_table, sniff_kind

VALUES = {
    "deltagare": ("participants", "all"),
    "varav_pojkar": ("participants", "boys"),
    "varav_flickor": ("participants", "girls"),
    "vantetid_dagar": ("waiting-time", "all"),
}
"""Figure column → (measure, sex)."""
SOURCE = "organisationens inrapportering / the organisation's submission"


def collection(org: str) -> curated.Collection:
    return curated.Collection("statistics", f"offerings-{org}"[:80])


def graph_name(org: str, base: str) -> str:
    return collection(org).graph(base)


def from_upload(data: bytes, filename: str, offerings: Graph, org: str, settings: Settings) -> Graph | None:
    """The companion graph of a spreadsheet's figure columns (``None``: no figures, or a Turtle file)."""
    if sniff_kind(data, filename) == "turtle":
        return None
    table = read_table(data, filename, settings.limits)
    if not any(column in table.columns for column in (*VALUES, "period")):
        return None
    by_row = {
        int(str(row)): subject
        for subject, row in offerings.subject_objects(IG.sourceRow)
        if (subject, RDF.type, IG.Offering) in offerings
    }
    base = settings.base
    key = collection(org).key
    dataset = URIRef(cube.dataset(key, base))
    org_iri = URIRef(iris.organisation(org, base))
    total = URIRef(cube.total(base))
    graph = new_graph(base)
    periods: dict[str, statistics.Period] = {}
    for number, row in table.rows:
        filled = {c: row[c] for c in VALUES if row.get(c, "").strip()}
        if not filled:
            continue
        period = statistics.parse_period(row.get("period", ""))
        if period is None:
            raise UserError(
                f'the figures need their period: "{row.get("period", "")[:40]}" is not one (write a year, 2021, '
                "or a start and end date, 2021-01-01/2021-06-30)",
                f'siffrorna behöver sin period: "{row.get("period", "")[:40]}" är ingen (skriv ett år, 2021, '
                "eller ett start- och slutdatum, 2021-01-01/2021-06-30)",
                file=filename,
                row=number,
                column="period",
                code="bad-period",
            )
        periods[period.notation] = period
        values: dict[str, Decimal] = {}
        for column, text in filled.items():
            value = statistics.parse_number(text)
            if value is None or value < 0:
                raise UserError(
                    f'"{text[:40]}" is not a number of zero or more',
                    f'"{text[:40]}" är inget tal som är noll eller mer',
                    file=filename,
                    row=number,
                    column=column,
                    code="not-a-number" if value is None else "negative-value",
                )
            values[column] = value
        if (
            "deltagare" in values
            and values.get("varav_pojkar", 0) + values.get("varav_flickor", 0) > values["deltagare"]
        ):
            raise UserError(
                "boys and girls add up to more than the participants",
                "pojkar och flickor blir fler än deltagarna",
                file=filename,
                row=number,
                column="varav_flickor" if "varav_flickor" in values else "varav_pojkar",
                code="more-than-participants",
            )
        offering = by_row[number]
        for column, value in values.items():
            measure, sex = VALUES[column]
            dims = {
                IG.refOrganisation: org_iri,
                cube.SDMX_DIMENSION.refPeriod: URIRef(cube.period(period.notation, base)),
                IG.measure: URIRef(iris.concept("measure", measure, base)),
                cube.SDMX_DIMENSION.sex: URIRef(iris.concept("sex", sex, base)),
                cube.SDMX_DIMENSION.age: total,
                IG.refSubject: offering,
                IG.refProblemArea: total,
                IG.endingReason: total,
            }
            obs = URIRef(cube.observation(key, tuple(str(v) for v in dims.values()), base))
            graph.add((obs, RDF.type, cube.QB.Observation))
            graph.add((obs, cube.QB.dataSet, dataset))
            for prop, term in dims.items():
                graph.add((obs, prop, term))
            graph.add((obs, cube.SDMX_MEASURE.obsValue, statistics.number_literal(value)))
            unit = "days" if measure == "waiting-time" else "persons"
            graph.add((obs, cube.SDMX_ATTRIBUTE.unitMeasure, URIRef(iris.concept("unit", unit, base))))
            graph.add((obs, DCTERMS.source, Literal(SOURCE)))
            graph.add((obs, PROV.wasAttributedTo, org_iri))
            graph.add((obs, IG.sourceRow, Literal(number, datatype=XSD.integer)))
    if not graph:
        return None
    title = f"Nyckeltal per insats, {org}"
    graph.add((dataset, RDF.type, cube.QB.DataSet))
    graph.add((dataset, cube.QB.structure, URIRef(cube.structure(base))))
    graph.add((dataset, DCTERMS.title, Literal(title)))
    graph.add((dataset, RDFS.label, Literal(title)))
    graph.add((dataset, PROV.wasAttributedTo, org_iri))
    for notation, period in periods.items():
        iri = URIRef(cube.period(notation, base))
        graph.add((iri, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((iri, URIRef("http://www.w3.org/2004/02/skos/core#notation"), Literal(notation)))
        graph.add((iri, RDFS.label, Literal(notation)))
        graph.add(
            (
                iri,
                URIRef("http://www.w3.org/ns/dcat#startDate"),
                Literal(period.start.isoformat(), datatype=XSD.date),
            )
        )
        graph.add(
            (
                iri,
                URIRef("http://www.w3.org/ns/dcat#endDate"),
                Literal(period.end.isoformat(), datatype=XSD.date),
            )
        )
    statistics.check_shapes(graph, settings, filename)
    return graph


def link(graph: Graph | None, submission: str) -> Graph | None:
    """Say which submission the figures come from (once its IRI is known, in ``commit``)."""
    if graph is not None:
        for dataset in graph.subjects(RDF.type, cube.QB.DataSet):
            graph.set((dataset, PROV.wasDerivedFrom, URIRef(submission)))
    return graph
