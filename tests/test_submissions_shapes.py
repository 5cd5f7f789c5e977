"""The shapes: valid against SHACL-for-SHACL, documented in sv and en, and proven by fixtures per shape.

Each ``tests/fixtures/shapes/<Shape>/invalid-*.ttl`` carries the results it must produce as
``sh:ValidationResult`` nodes (focus node, path, constraint component, source shape), like the
``dash:expectedResult`` blocks of the W3C SHACL test suite; the results of that shape must be exactly those.
"""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from insatsgraf.config import Settings
from insatsgraf.model.iris import ORG
from insatsgraf.model.rdf import read_turtle
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import register
from insatsgraf.submission.validate import authored_shapes, flatten, validate_graph

SETTINGS = Settings()
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
SHAPES_NS = "https://w3id.org/insatsgraf/shapes#"
SHAPE_FILES = sorted(SETTINGS.shapes_dir.glob("*.ttl"))
FIXTURE_FILES = sorted(FIXTURES.glob("*/*.ttl"))


def shacl_shacl() -> Graph:
    return Graph().parse(str(files("pyshacl") / "assets" / "shacl-shacl.ttl"), format="turtle")


@pytest.mark.parametrize("shapes", ["authored", "flattened"])
def test_shapes_conform_to_shacl_for_shacl(shapes: str) -> None:
    graph = authored_shapes(SETTINGS) if shapes == "authored" else flatten(authored_shapes(SETTINGS))
    conforms, _report, text = pyshacl.validate(graph, shacl_graph=shacl_shacl(), inference="none")
    assert conforms, text


def _langs(graph: Graph, node: object, prop: URIRef) -> set[str | None]:
    return {getattr(o, "language", None) for o in graph.objects(node, prop)}


def test_every_property_shape_is_named_documented_and_bilingual() -> None:
    graph = authored_shapes(SETTINGS)
    property_shapes = set(graph.subjects(SH.path, None))
    assert property_shapes
    for shape in property_shapes:
        assert isinstance(shape, URIRef), f"blank property shape with path {graph.value(shape, SH.path)}"
        assert str(shape).startswith(SHAPES_NS)
        assert re.fullmatch(r"[A-Za-z]+_Shape-[A-Za-z-]+", str(shape)[len(SHAPES_NS) :]), shape
        assert graph.value(shape, SH.name) is not None, f"{shape} has no sh:name"
        assert {"sv", "en"} <= _langs(graph, shape, RDFS.comment), f"{shape}: rdfs:comment in sv and en"
        assert {"sv", "en"} <= _langs(graph, shape, SH.message), f"{shape}: sh:message in sv and en"
    for node_shape in set(graph.subjects(SH.targetClass, None)) | set(graph.subjects(SH.targetNode, None)):
        assert str(node_shape).endswith("_Shape"), node_shape
        assert {"sv", "en"} <= _langs(graph, node_shape, RDFS.comment)


@pytest.mark.parametrize("path", SHAPE_FILES, ids=[p.name for p in SHAPE_FILES])
def test_shape_files_describe_themselves_with_the_package_version(path: Path) -> None:
    version = tomllib.loads((SETTINGS.root / "pyproject.toml").read_text())["project"]["version"]
    graph = Graph().parse(path)
    (header,) = list(graph.subjects(RDF.type, OWL.Ontology))
    assert str(graph.value(header, OWL.versionInfo)) == version
    assert {"sv", "en"} <= _langs(graph, header, DCTERMS.description)


def test_sh_in_lists_are_exactly_the_concept_schemes() -> None:
    """The vocabulary rules list concepts inline (fast); this keeps them equal to vocabularies.ttl (and
    partner-kinds.ttl)."""
    shapes = authored_shapes(SETTINGS)
    vocabularies = read_turtle(SETTINGS.data_dir / "vocabularies.ttl", SETTINGS.base)
    vocabularies += read_turtle(SETTINGS.data_dir / "partner-kinds.ttl", SETTINGS.base)
    checked = 0
    for shape, head in shapes.subject_objects(SH["in"]):
        members = set(Collection(shapes, head))
        schemes = {vocabularies.value(m, SKOS.inScheme) for m in members}
        assert len(schemes) == 1 and None not in schemes, (
            f"{shape}: sh:in mixes schemes or names unknown concepts"
        )
        (scheme,) = schemes
        assert members == set(vocabularies.subjects(SKOS.inScheme, scheme)), f"{shape} differs from {scheme}"
        checked += 1
    assert checked >= 7


def _split(path: Path) -> tuple[Graph, set[tuple[str, str | None, str, str]]]:
    """The fixture's data and its expected (focus, path, component, shape) results."""
    graph = Graph().parse(path, format="turtle")
    expected: set[tuple[str, str | None, str, str]] = set()
    for node in list(graph.subjects(RDF.type, SH.ValidationResult)):
        path_node = graph.value(node, SH.resultPath)
        expected.add(
            (
                str(graph.value(node, SH.focusNode)),
                str(path_node) if path_node else None,
                str(graph.value(node, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                str(graph.value(node, SH.sourceShape)),
            )
        )
        graph.remove((node, None, None))
    return graph, expected


def _family(shape: str | None, name: str) -> bool:
    local = (shape or "").rsplit("#", 1)[-1]
    return local == name or local.startswith(name + "-")


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[f"{p.parent.name}/{p.name}" for p in FIXTURE_FILES])
def test_shape_fixture(path: Path, bundled_store: OxigraphStore) -> None:
    data, expected = _split(path)
    name = path.parent.name
    if name in REGISTER_FOLDERS:
        _register_fixture(path, data, expected, bundled_store)
        return
    report = validate_graph(data, bundled_store, SETTINGS)
    got = {
        (r.focus, r.path, r.component or "", r.shape or "") for r in report.results if _family(r.shape, name)
    }
    if path.name.startswith("valid"):
        assert not expected
        assert got == set(), report.text()
    else:
        assert path.name.startswith("invalid") and expected, "an invalid fixture states its expected results"
        assert got == expected, report.text()
        assert all(r.message_sv and r.message_en for r in report.results)


REGISTER_FOLDERS = {"Organisation_Shape", "Municipality_Shape"}
"""Fixtures of the register's shapes, which validate registrations (``submission/register.py``), not lists."""


def _register_fixture(
    path: Path, data: Graph, expected: set[tuple[str, str | None, str, str]], store: OxigraphStore
) -> None:
    focus = [s for s in data.subjects(RDF.type, ORG.Organization) if isinstance(s, URIRef)]
    context = register.parents_context(store, data, SETTINGS.base)
    results = register.shacl_results(data, context, focus, SETTINGS)
    got = {(r.focus, r.path, r.component, r.shape) for r in results if _family(r.shape, path.parent.name)}
    if path.name.startswith("valid"):
        assert not expected and not results, results
    else:
        assert path.name.startswith("invalid") and expected, "an invalid fixture states its expected results"
        assert got == expected, results
        assert all(r.sv and r.en and r.sv != r.en for r in results)


def test_every_property_shape_has_an_invalid_fixture() -> None:
    graph = authored_shapes(SETTINGS)
    targeted = set(graph.subjects(SH.targetClass, None)) | set(graph.subjects(SH.targetNode, None))
    attached = {str(o) for s in targeted for o in graph.objects(s, SH.property)}
    covered = {shape for p in FIXTURE_FILES if p.name.startswith("invalid") for *_, shape in _split(p)[1]}
    assert attached - covered == set()


def test_flattening_keeps_the_results(bundled_store: OxigraphStore) -> None:
    """Validation uses flattened shapes for speed: on every fixture they give the authored shapes' results."""
    authored = authored_shapes(SETTINGS)
    flat = flatten(authored)
    for path in FIXTURE_FILES:
        data, _ = _split(path)
        results = []
        for shapes in (authored, flat):
            _c, report, _t = pyshacl.validate(
                data + Graph().parse(data=_types(bundled_store, data), format="nt"),
                shacl_graph=shapes,
                inference="none",
                ont_graph=read_turtle(SETTINGS.ontology_dir / "insatsgraf.ttl", SETTINGS.base),
            )
            results.append(
                {
                    (
                        str(report.value(n, SH.focusNode)),
                        str(report.value(n, SH.resultPath)),
                        str(report.value(n, SH.sourceShape)),
                        str(report.value(n, SH.value)),
                    )
                    for n in report.subjects(RDF.type, SH.ValidationResult)
                }
            )
        assert results[0] == results[1], path


def _types(store: OxigraphStore, data: Graph) -> str:
    from insatsgraf.submission.validate import referenced_types

    return referenced_types(data, store).serialize(format="nt")


def test_no_blank_node_shapes_carry_a_path() -> None:
    graph = authored_shapes(SETTINGS)
    assert not [s for s in graph.subjects(SH.path, None) if isinstance(s, BNode)]


def test_validation_leaves_the_submission_graph_as_it_was(bundled_store: OxigraphStore) -> None:
    """validate_graph adds the referenced types to the graph for the run only."""
    from rdflib.compare import to_isomorphic

    data, _ = _split(FIXTURES / "Offering_Shape" / "valid-full.ttl")
    before = to_isomorphic(data)
    report = validate_graph(data, bundled_store, SETTINGS)
    assert report.conforms
    assert to_isomorphic(data) == before
