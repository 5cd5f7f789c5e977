"""SHACL validation of one submission graph, with a report in Swedish and English that names row and column.

Only the submission is validated, together with the few store nodes it points at (the types of the
organisations and catalogue entries it references) and the ontology's class hierarchy: never the whole
store, so the time depends on the submission's size only. No inference (``inference="none"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from insatsgraf.catalogue import rq
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import iris, vocab
from insatsgraf.model.iris import IG
from insatsgraf.model.rdf import new_graph, read_turtle
from insatsgraf.model.reference import REGISTER_CLASSES
from insatsgraf.sparql.store import Store
from insatsgraf.submission.columns import PATH_COLUMN

REFERENCE_PROPERTIES = (
    IG.offeredBy,
    IG.implements,
    IG.variantOf,
    IG.partner,
    IG.about,
    PROV.wasAttributedTo,
    IG.evidence,
    URIRef("http://www.w3.org/ns/oa#hasTarget"),  # evidence assessments (shapes/evidence.ttl)
    IG.rating,
)
EXTRA_COLUMNS = {
    str(FOAF.page): "evidenskalla",
    str(DCTERMS.bibliographicCitation): "evidenskalla",
    str(IG.about): "insats",
}
SHAPE_COLUMNS = {
    "EvidenceSource_Shape": "evidenskalla",
    "CollaborationDelivery_Shape": "samverkan_med",
    "Collaboration_Shape": "samverkan_med",
    "VariantKind_Shape": "variant",
}
SCOPE = "https://w3id.org/insatsgraf/shapes#Submission_Scope"
COMPARISONS = {"LessThanConstraintComponent", "LessThanOrEqualsConstraintComponent"}
"""Rules comparing two cells of a row: said only when neither cell is wrong itself (``alder_fran=tretton`` is
not a number; that it is not below alder_till adds nothing)."""


@dataclass
class Result:
    """One problem: where (row, column, node), what (message in sv and en) and which rule."""

    severity: str
    message_sv: str
    message_en: str
    focus: str
    path: str | None = None
    value: str | None = None
    row: int | None = None
    column: str | None = None
    shape: str | None = None
    component: str | None = None
    suggestions: list[str] = field(default_factory=list)

    def where(self) -> str:
        parts = [
            f"rad/row {self.row}" if self.row else None,
            f"kolumn/column {self.column}" if self.column else None,
        ]
        return ", ".join(p for p in parts if p) or self.focus


@dataclass
class ValidationReport:
    conforms: bool
    results: list[Result]
    file: str | None = None

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity != "Violation"]

    def to_json(self) -> dict[str, object]:
        return {
            "conforms": self.conforms,
            "file": self.file,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "results": [asdict(r) for r in self.results],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)

    def text(self) -> str:
        """A report for people: one block per problem, sorted by row, Swedish first."""
        head = (f"{self.file}: " if self.file else "") + (
            "godkänd / conforms" if self.conforms else "underkänd / does not conform"
        )
        lines = [f"{head} ({len(self.violations)} fel/violations, {len(self.warnings)} varningar/warnings)"]
        for r in self.results:
            label = "FEL/VIOLATION" if r.severity == "Violation" else "VARNING/WARNING"
            value = f' – värde/value: "{r.value}"' if r.value is not None else ""
            lines.append(f"{label} {r.where()}{value}")
            lines.append(f"  sv: {r.message_sv}")
            lines.append(f"  en: {r.message_en}")
            if r.suggestions:
                lines.append(f"  menade du / did you mean: {', '.join(r.suggestions)}")
        return "\n".join(lines)


class ValidationFailed(UserError):
    """A submission that does not conform; ``report`` has every problem. Nothing was written."""

    report: ValidationReport

    def __init__(self, report: ValidationReport, file: str | None = None):
        first = report.violations[0] if report.violations else None
        where = f" (first: {first.where()}: {first.message_en})" if first else ""
        where_sv = f" (första: {first.where()}: {first.message_sv})" if first else ""
        super().__init__(
            f"the submission does not conform: {len(report.violations)} violations{where}",
            f"inrapporteringen underkändes: {len(report.violations)} fel{where_sv}",
            file=file,
            code="validation-failed",
        )
        self.report = report

    def text(self) -> str:
        return self.report.text()

    def to_json(self) -> dict[str, object]:
        return {**super().to_json(), "report": self.report.to_json()}


# -- inputs ----------------------------------------------------------------------------------------


def flatten(shapes: Graph) -> Graph:
    """The same shapes, with each property shape of a class-targeting node shape targeting the class itself.

    pySHACL evaluates a node shape's ``sh:property`` shapes once per focus node (building their constraint
    components each time); a property shape with its own ``sh:targetClass`` is evaluated once for all focus
    nodes. The results are the same (same focus nodes, paths and ``sh:sourceShape``); validation of a
    500-row submission is about four times faster.
    """
    flat = Graph()
    flat += shapes
    for node_shape, prop_shape in list(flat.subject_objects(SH.property)):
        targets = list(flat.objects(node_shape, SH.targetClass))
        shared = len(set(flat.subject_predicates(prop_shape))) > 1  # used elsewhere too: leave it be
        if not targets or shared or (node_shape, SH.deactivated, Literal(True)) in flat:
            continue
        flat.remove((node_shape, SH.property, prop_shape))
        for target in targets:
            flat.add((prop_shape, SH.targetClass, target))
    return flat


def authored_shapes(settings: Settings) -> Graph:
    """Every file in ``shapes/``, rebased, as written (what SHACL-for-SHACL checks)."""
    graph = new_graph(settings.base)
    for path in sorted(settings.shapes_dir.glob("*.ttl")):
        graph += read_turtle(path, settings.base)
    return graph


def without_register(shapes: Graph) -> Graph:
    """The shapes less the node shapes of the register's classes (``model.reference.REGISTER_CLASSES``): a
    submission sees the organisations it names only as their types, which those shapes would fault."""
    kept = Graph()
    kept += shapes
    for shape in {s for cls in REGISTER_CLASSES for s in shapes.subjects(SH.targetClass, cls)}:
        kept.remove((shape, None, None))
    return kept


@lru_cache(maxsize=4)
def _shapes(settings: Settings, stamp: tuple[float, ...]) -> Graph:
    return flatten(without_register(authored_shapes(settings)))


def shapes_graph(settings: Settings) -> Graph:
    """The shapes used for validation: ``authored_shapes`` less the register's, flattened, cached until a
    file changes."""
    files = sorted(settings.shapes_dir.glob("*.ttl"))
    shapes_only = settings.with_(store="memory:", max_file_mb=0.0)  # the cache key: what the shapes depend on
    return _shapes(shapes_only, tuple(p.stat().st_mtime for p in files))


@lru_cache(maxsize=4)
def _hierarchy(path: Path, base: str, stamp: float) -> Graph:
    ontology = read_turtle(path, base)
    graph = Graph()
    for triple in ontology.triples((None, RDFS.subClassOf, None)):
        if isinstance(triple[2], URIRef):
            graph.add(triple)
    return graph


def class_hierarchy(settings: Settings) -> Graph:
    """The ontology's named rdfs:subClassOf axioms: what sh:class needs, and nothing more."""
    path = settings.ontology_dir / "insatsgraf.ttl"
    return _hierarchy(path, settings.base, path.stat().st_mtime)


def referenced_types(graph: Graph, store: Store) -> Graph:
    """The rdf:type triples of the nodes the submission points at but does not describe, fetched from the store."""
    described = set(graph.subjects(RDF.type, None))
    wanted = sorted(
        {
            o
            for p in REFERENCE_PROPERTIES
            for o in graph.objects(None, p)
            if isinstance(o, URIRef) and o not in described and " " not in str(o)
        }
    )
    context = Graph()
    if not wanted:
        return context
    safe = [str(iri) for iri in wanted if _writable(str(iri))]  # anything else cannot be in the store
    if not safe:
        return context
    result = store.query(rq.values(rq.read("types-of"), "s", safe))
    for row in result.rows:
        context.add((URIRef(row["s"]["value"]), RDF.type, URIRef(row["t"]["value"])))
    return context


def _writable(iri: str) -> bool:
    try:
        rq.iri_term(iri)
    except rq.UnsafeIri:
        return False
    return True


# -- validation ------------------------------------------------------------------------------------


SUBMITTED_CLASSES = (IG.Offering, IG.EvidenceSource, IG.Collaboration)
"""The classes a submission may describe: its offerings and what the ingester makes of their cells."""
EXTRA_PROPERTIES: dict[URIRef, tuple[URIRef, ...]] = {
    IG.Collaboration: (DCTERMS.source,),  # set by ``submit`` to the submission; a history download has it
}
"""Properties of the contract that no shape names (the rest are the shapes' ``sh:path``s)."""
OWN_OBJECTS = {IG.about: IG.Offering, IG.evidence: IG.EvidenceSource}
"""Properties whose value must be one of the submission's own resources of that class."""
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_SCOPE_RESULTS = 50
"""A hostile file can break the contract a million times; the report names the first ones."""


@lru_cache(maxsize=4)
def _contract(settings: Settings, stamp: tuple[float, ...]) -> dict[URIRef, frozenset[URIRef]]:
    shapes = authored_shapes(settings)
    allowed: dict[URIRef, set[URIRef]] = {
        c: {RDF.type, *EXTRA_PROPERTIES.get(c, ())} for c in SUBMITTED_CLASSES
    }

    def paths(shape: Node) -> list[URIRef]:
        path = shapes.value(shape, SH.path)
        if isinstance(path, URIRef):
            return [path]
        alternatives = shapes.value(path, SH.alternativePath) if path is not None else None
        if alternatives is None:
            return []  # an inverse path constrains other nodes, not what this class may say
        return [p for p in shapes.items(alternatives) if isinstance(p, URIRef)]

    for cls in SUBMITTED_CLASSES:
        for shape in shapes.subjects(SH.targetClass, cls):
            for found in (shape, *shapes.objects(shape, SH.property)):
                allowed[cls].update(paths(found))
    return {c: frozenset(p) for c, p in allowed.items()}


def contract(settings: Settings) -> dict[URIRef, frozenset[URIRef]]:
    """Class → the properties a submission may state about its own resources of that class: every
    ``sh:path`` of the shapes targeting it, plus ``rdf:type`` and ``EXTRA_PROPERTIES`` (one table)."""
    files = sorted(settings.shapes_dir.glob("*.ttl"))
    key = settings.with_(store="memory:", max_file_mb=0.0)
    return _contract(key, tuple(p.stat().st_mtime for p in files))


def own_prefixes(org: str, base: str) -> dict[URIRef, str]:
    """Class → the IRI prefix under which organisation ``org`` mints its resources of that class."""
    return {
        IG.Offering: iris.offering(org, "", base),
        IG.EvidenceSource: iris.evidence(org, "", base).rsplit("/", 1)[0] + "/",
        IG.Collaboration: iris.collaboration(org, "", base),
    }


def non_canonical(iri: str, base: str) -> bool:
    """Two spellings of one resource: ``.``/``..`` path segments (also as ``%2e``) in any IRI; under the base
    under ``id/`` also empty segments, a query or a fragment, which the package never mints."""
    _scheme, sep, rest = iri.partition("://")
    if not sep:
        return False
    path = rest.partition("/")[2].split("#")[0].split("?")[0]
    if any(seg.lower().replace("%2e", ".") in (".", "..") for seg in path.split("/")):
        return True
    minted = iri.startswith(f"{base}id/") or iri.startswith(f"{base}graph/")  # not the ontology's def#
    return minted and ("//" in path or "?" in iri or "#" in iri or iri.endswith("/"))


def scope_results(graph: Graph, org: str, settings: Settings) -> list[Result]:
    """Every triple outside the submission contract: organisation ``org`` may describe only its own offerings,
    collaborations and evidence sources (minted under its id), with the contract's classes and properties,
    and may point ``ig:about``/``ig:evidence`` only at its own resources.

    A first pass in the graph's own order finds whether there is any; only then are the triples sorted, so
    the results (at most ``MAX_SCOPE_RESULTS``) are the same whatever the order (a valid list is not sorted)."""
    if not _scope_results(graph, org, settings, graph):
        return []
    return _scope_results(
        graph, org, settings, sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
    )


def _scope_results(
    graph: Graph, org: str, settings: Settings, triples: Iterable[tuple[Node, Node, Node]]
) -> list[Result]:
    base = settings.base
    allowed = contract(settings)
    prefixes = own_prefixes(org, base)
    org_iri = URIRef(iris.organisation(org, base))
    max_chars = settings.limits.max_cell_chars
    results: list[Result] = []

    def refuse(triple: tuple[Node, Node, Node], en: str, sv: str) -> None:
        s, p, o = triple
        shown = " ".join(_term(t, base) for t in triple)
        results.append(
            Result(
                "Violation",
                f"Trippeln {shown} är inte tillåten i organisation {org}s inrapportering: {sv}",
                f"The triple {shown} is not allowed in organisation {org}'s submission: {en}",
                focus=str(s),
                path=str(p),
                value=_short(o, base)[:200],
                shape=SCOPE,
                component="scope",
                row=_row(graph, s),
            )
        )

    kinds: dict[Node, URIRef | None] = {}
    for subject in set(graph.subjects()):
        found = [
            c
            for c, prefix in prefixes.items()
            if isinstance(subject, URIRef) and str(subject).startswith(prefix)
        ]
        kind = found[0] if found and SLUG.match(str(subject)[len(prefixes[found[0]]) :]) else None
        kinds[subject] = kind
    canonical: dict[Node, bool] = {}

    def is_bad(term: Node) -> bool:
        bad = canonical.get(term)
        if bad is None:
            bad = canonical[term] = isinstance(term, URIRef) and non_canonical(str(term), base)
        return bad

    rdf_type = RDF.type
    attributed = (IG.offeredBy, PROV.wasAttributedTo)  # namespace look-ups once, not per triple
    for triple in triples:
        if len(results) >= MAX_SCOPE_RESULTS:
            break
        s, p, o = triple
        kind = kinds.get(s)
        bad_iri = s if is_bad(s) else p if is_bad(p) else o if is_bad(o) else None
        if bad_iri is not None:
            refuse(
                triple,
                f"<{bad_iri}> is not a canonical IRI (no '.' or '..' or empty path segments)",
                f"<{bad_iri}> är ingen kanonisk IRI (inga '.', '..' eller tomma sökvägsled)",
            )
        elif kind is None:
            refuse(
                triple,
                "its subject is not one of the organisation's own offerings, collaborations or evidence sources "
                f"(IRIs under id/offering/{org}/, id/collaboration/{org}/, id/evidence/{org}/); an organisation "
                "may not describe the catalogue, the register or another organisation's resources",
                "subjektet är inte ett av organisationens egna erbjudanden, samverkanstillfällen eller evidenskällor "
                f"(IRI:er under id/offering/{org}/, id/collaboration/{org}/, id/evidence/{org}/); en organisation "
                "får inte beskriva katalogen, registret eller andra organisationers resurser",
            )
        elif p not in allowed[kind]:
            refuse(
                triple,
                f"{_term(p, base)} is not a property of the submission contract for {_term(kind, base)}",
                f"{_term(p, base)} är ingen egenskap i inrapporteringens kontrakt för {_term(kind, base)}",
            )
        elif p == rdf_type and o != kind:
            refuse(
                triple,
                f"a resource under {prefixes[kind]} can only be a {_term(kind, base)}",
                f"en resurs under {prefixes[kind]} kan bara vara en {_term(kind, base)}",
            )
        elif p in attributed and o != org_iri:
            refuse(triple, f"the file is submitted for {org}", f"filen lämnas in för {org}")
        elif isinstance(p, URIRef) and p in OWN_OBJECTS and kinds.get(o) != OWN_OBJECTS[p]:
            refuse(
                triple,
                f"its value must be one of the file's own {_term(OWN_OBJECTS[p], base)} resources",
                f"värdet måste vara en av filens egna resurser av typen {_term(OWN_OBJECTS[p], base)}",
            )
        elif isinstance(o, Literal) and len(str(o)) > max_chars:
            refuse(
                triple,
                f"the text is {len(str(o))} characters long, over the limit of {max_chars}",
                f"texten är {len(str(o))} tecken lång, över gränsen {max_chars}",
            )
        elif isinstance(o, Literal) and "\x00" in str(o):
            refuse(triple, "the text holds a NUL character", "texten innehåller ett NUL-tecken")
    for subject, kind in sorted(kinds.items(), key=lambda item: str(item[0])):
        if kind is not None and (subject, RDF.type, kind) not in graph and len(results) < MAX_SCOPE_RESULTS:
            refuse(
                (subject, RDF.type, kind),
                "this statement is missing: each of the file's resources states its class",
                "denna uppgift saknas: var och en av filens resurser anger sin klass",
            )
    return results


def _term(term: Node, base: str) -> str:
    if isinstance(term, Literal):
        text = str(term)
        return '"' + (text[:60] + "…" if len(text) > 60 else text) + '"'
    if isinstance(term, URIRef):
        text = str(term)
        for namespace, prefix in (
            (str(IG), "ig:"),
            (str(RDF), "rdf:"),
            (str(RDFS), "rdfs:"),
            (str(OWL), "owl:"),
            (str(SKOS), "skos:"),
            (str(DCTERMS), "dct:"),
            (str(PROV), "prov:"),
            (str(FOAF), "foaf:"),
        ):
            if text.startswith(namespace):
                return prefix + text[len(namespace) :]
        return f"<{_short(term, base)[:120]}>"
    return "[]"


def validate_graph(
    graph: Graph, store: Store, settings: Settings, *, org: str | None = None, file: str | None = None
) -> ValidationReport:
    """Validate a submission graph with ``shapes/``; with ``org``, first check it is only about that organisation
    (``scope_results``): a file that breaks the contract is refused on that alone, without running SHACL."""
    scope = scope_results(graph, org, settings) if org is not None else []
    if scope:
        scope.sort(key=lambda r: (r.row or 0, r.focus, r.path or "", r.value or ""))
        return ValidationReport(conforms=False, results=scope, file=file)
    context = [t for t in (*referenced_types(graph, store), *class_hierarchy(settings)) if t not in graph]
    # The context is added to the submission graph for the run and taken out again, rather than copying
    # the submission into a new graph (a copy costs about a third of the validation time).
    for triple in context:
        graph.add(triple)
    import pyshacl  # here, not at the top: `insatsgraf serve` starts ~1 s sooner without it

    try:
        _conforms, report_graph, _text = pyshacl.validate(
            graph,
            shacl_graph=shapes_graph(settings),
            inference="none",
            advanced=False,
            meta_shacl=False,
            do_owl_imports=False,
            allow_warnings=True,
        )
    finally:
        for triple in context:
            graph.remove(triple)
    results: list[Result] = []
    seen: set[tuple[object, ...]] = set()
    # top-level results only: sh:detail results of nested shapes are typed sh:ValidationResult too
    found = [_result(report_graph, node, graph, settings) for node in report_graph.objects(None, SH.result)]
    for result in sorted(
        found, key=lambda r: r.component or ""
    ):  # deterministic: Datatype before MaxInclusive
        key = (result.focus, result.path, result.value, result.shape)  # one per rule, not per facet
        if key not in seen:
            seen.add(key)
            results.append(result)
    results = _without_moot_comparisons(results, settings)
    results.sort(  # errors first, then warnings, each by row and column
        key=lambda r: (r.severity != "Violation", r.row or 0, r.column or "", r.message_en, r.value or "")
    )
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=results, file=file)


def _without_moot_comparisons(results: list[Result], settings: Settings) -> list[Result]:
    """The results less each comparison of two cells (``COMPARISONS``) where either cell is wrong itself."""
    faults = {
        (r.focus, r.path) for r in results if r.severity == "Violation" and r.component not in COMPARISONS
    }
    if not faults:
        return results
    shapes = shapes_graph(settings)
    kept = []
    for r in results:
        if r.component in COMPARISONS and r.shape:
            shape = URIRef(r.shape)
            other = shapes.value(shape, SH.lessThanOrEquals) or shapes.value(shape, SH.lessThan)
            if (r.focus, r.path) in faults or (r.focus, str(other) if other else None) in faults:
                continue
        kept.append(r)
    return kept


def _short(term: object, base: str) -> str:
    text = str(term)
    return text[len(base) + 3 :] if text.startswith(f"{base}id/") else text


def _row(graph: Graph, focus: Node | None) -> int | None:
    """The spreadsheet row of an offering, or of the offering a collaboration or evidence source belongs to."""
    rows = [graph.value(focus, IG.sourceRow)]
    rows += [graph.value(o, IG.sourceRow) for o in graph.objects(focus, IG.about)]
    rows += [graph.value(s, IG.sourceRow) for s in graph.subjects(IG.evidence, focus)]
    numbers = [int(r) for r in rows if isinstance(r, Literal) and str(r).isdigit()]
    return min(numbers) if numbers else None


def _messages(report: Graph, node: Node) -> tuple[str, str]:
    sv = en = ""
    for message in report.objects(node, SH.resultMessage):
        lang = getattr(message, "language", None)
        if lang == "sv":
            sv = str(message)
        elif lang == "en" or not en:
            en = str(message)
    return sv or en, en or sv


def _result(report: Graph, node: Node, graph: Graph, settings: Settings) -> Result:
    severity = str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1]
    focus = report.value(node, SH.focusNode)
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    shape = report.value(node, SH.sourceShape)
    component = report.value(node, SH.sourceConstraintComponent)
    sv, en = _messages(report, node)
    path_text = str(path) if isinstance(path, URIRef) else None
    column = PATH_COLUMN.get(path_text or "") or EXTRA_COLUMNS.get(path_text or "")
    if column is None and shape is not None:
        column = SHAPE_COLUMNS.get(str(shape).rsplit("#", 1)[-1].split("-")[0])
    row = _row(graph, focus)
    if row is None and isinstance(value, URIRef) and _row(graph, value):
        row, value = (
            _row(graph, value),
            None,
        )  # a rule targeting a concept reports the row's offering as value
    result = Result(
        severity=severity,
        message_sv=sv,
        message_en=en,
        focus=str(focus),
        path=path_text,
        value=_short(value, settings.base) if value is not None else None,
        row=row,
        column=column,
        shape=str(shape) if shape is not None else None,
        component=str(component).rsplit("#", 1)[-1] if component is not None else None,
    )
    organisation_prefix = f"{settings.base}id/organisation/"
    if path == IG.partner and isinstance(value, URIRef) and str(value).startswith(organisation_prefix):
        typed = str(value)[len(organisation_prefix) :]  # the id or the slug of the name the cell held
        result.value = typed
        result.suggestions = vocab.load(settings).close_partners(typed)
    if path == IG.submittedProgramme:
        written = graph.value(focus, IG.submittedProgramme)
        if written is not None:
            result.value = str(written)
            result.suggestions = vocab.load(settings).close_programmes(str(written))
    return result


def validate_file(
    source: str | Path | bytes,
    store: Store,
    settings: Settings,
    *,
    org: str | None = None,
    filename: str | None = None,
) -> ValidationReport:
    """Read a spreadsheet or Turtle file and validate it (``UserError`` when it cannot be read)."""
    from insatsgraf.submission.edition_vocab import current
    from insatsgraf.submission.ingest import ingest_bytes, read_source

    data, name = read_source(source, filename, settings)
    graph, found_org, _header = ingest_bytes(data, name, org, settings, vocabulary=current(store, settings))
    return validate_graph(graph, store, settings, org=found_org, file=name)
