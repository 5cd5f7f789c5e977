"""The knowledge model's files: they parse, describe themselves, label every term, and match the CSV sources."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from typer.testing import CliRunner

from insatsgraf.cli import app as cli
from insatsgraf.config import ROOT, Settings
from insatsgraf.model import iris
from insatsgraf.model.iris import IG, ORG
from insatsgraf.model.reference import catalogue_graph, organisations_graph, write_all
from insatsgraf.publication.dcat import dcat_ap_shapes_dir

SETTINGS = Settings()
ONTOLOGY = ROOT / "ontology" / "insatsgraf.ttl"
VOCABULARIES = ROOT / "data" / "ttl" / "vocabularies.ttl"
TURTLE_FILES = sorted(
    p
    for folder in ("ontology", "shapes", "data", "queries", "tests/fixtures")
    for p in (ROOT / folder).rglob("*.ttl")
    if "invalid-syntax" not in p.name and "standards" not in p.parts  # SEMIC's shapes: test_dcat_description
)


def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_turtle_file_parses(path: Path) -> None:
    assert len(parse(path)) > 0


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.mark.parametrize(
    "path",
    [ONTOLOGY, VOCABULARIES, ROOT / "data/ttl/catalogue.ttl", ROOT / "data/ttl/organisations.ttl"],
    ids=lambda p: p.name,
)
def test_files_describe_themselves_with_the_project_version(path: Path) -> None:
    graph = parse(path)
    versions = {str(v) for v in graph.objects(None, OWL.versionInfo)}
    assert versions == {project_version()}, (
        f"{path.name}: owl:versionInfo {versions} != pyproject {project_version()}"
    )
    assert any(graph.triples((None, URIRef("http://purl.org/dc/terms/description"), None)))


def ontology_terms(graph: Graph) -> list[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted({s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(str(IG))})


def test_every_class_and_property_is_labelled_and_commented_in_sv_and_en() -> None:
    graph = parse(ONTOLOGY)
    terms = ontology_terms(graph)
    assert len(terms) > 40
    missing = []
    for term in terms:
        for prop in (RDFS.label, RDFS.comment):
            langs = {o.language for o in graph.objects(term, prop) if isinstance(o, Literal)}
            if not {"sv", "en"} <= langs:
                missing.append(f"{term} {prop} has {langs}")
    assert not missing, "\n".join(missing)


def test_ontology_header() -> None:
    graph = parse(ONTOLOGY)
    onto = URIRef("https://w3id.org/insatsgraf/def")
    assert (onto, RDF.type, OWL.Ontology) in graph
    assert graph.value(onto, OWL.versionIRI) == URIRef(f"https://w3id.org/insatsgraf/def/{project_version()}")
    assert graph.value(onto, URIRef("http://purl.org/dc/terms/license")) is not None


def test_model_does_not_hard_code_children() -> None:
    """Elderly care is next: target groups include adults and elderly, and no class is about children only."""
    vocab = parse(VOCABULARIES)
    assert URIRef(iris.concept("target-group", "elderly")) in set(vocab.subjects(RDF.type, SKOS.Concept))
    graph = parse(ONTOLOGY)
    names = [str(t).split("#")[1].lower() for t in ontology_terms(graph)]
    assert not [n for n in names if "child" in n or "barn" in n]


def test_every_concept_scheme_is_complete() -> None:
    vocab = parse(VOCABULARIES)
    schemes = set(vocab.subjects(RDF.type, SKOS.ConceptScheme))
    assert {
        URIRef(iris.scheme(s))
        for s in (
            "prevention-level",
            "skr-category",
            "problem-area",
            "target-group",
            "form",
            "delivery",
            "variant-kind",
            "evidence-kind",
            "collaboration-kind",
            "intervention-kind",
        )
    } <= schemes
    for concept in vocab.subjects(RDF.type, SKOS.Concept):
        langs = {o.language for o in vocab.objects(concept, SKOS.prefLabel)}
        assert {"sv", "en"} <= langs, concept
        assert vocab.value(concept, SKOS.notation) is not None, concept
        scheme = vocab.value(concept, SKOS.inScheme)
        assert (scheme, SKOS.hasTopConcept, concept) in vocab, concept
        assert str(concept) == iris.concept(
            str(scheme).rsplit("/", 1)[1], str(vocab.value(concept, SKOS.notation))
        )


def test_prevention_levels_map_to_society_group_individual() -> None:
    vocab = parse(VOCABULARIES)
    expected = {"universal": "samhällsnivå", "selective": "gruppnivå", "indicated": "individnivå"}
    for notation, level in expected.items():
        labels = {
            str(o) for o in vocab.objects(URIRef(iris.concept("prevention-level", notation)), SKOS.altLabel)
        }
        assert level in labels


def read_csv(name: str) -> list[dict[str, str]]:
    with (SETTINGS.domain / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_catalogue_holds_every_programme_row() -> None:
    graph = parse(ROOT / "data/ttl/catalogue.ttl")
    rows = read_csv("programmes.csv")
    assert len(rows) > 50
    for row in rows:
        node = URIRef(iris.programme(row["id"]))
        expected_class = IG.InterventionType if row["kind"] == "insatstyp" else IG.Programme
        assert (node, RDF.type, expected_class) in graph, row["id"]
        assert Literal(row["pref_label_sv"], lang="sv") in set(graph.objects(node, SKOS.prefLabel))
        alts = {str(a) for a in graph.objects(node, SKOS.altLabel)}
        assert {a for a in row["alt_labels"].split("|") if a} == alts, row["id"]


def test_register_holds_every_organisation_row() -> None:
    graph = parse(ROOT / "data/ttl/organisations.ttl")
    rows = read_csv("organisations.csv")
    for row in rows:
        node = URIRef(iris.organisation(row["id"]))
        assert (node, RDF.type, ORG.Organization) in graph, row["id"]
        if row["part_of"]:
            assert (node, ORG.unitOf, URIRef(iris.organisation(row["part_of"]))) in graph
    bromma = URIRef(iris.organisation("0180-bromma"))
    assert (bromma, RDF.type, IG.DistrictAdministration) in graph
    note = graph.value(URIRef(iris.organisation("0180-socialforvaltningen")), RDFS.comment)
    assert str(note) == "central specialised open care (e.g. Mini Maria, MST, Skolfam)"


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    write_all(SETTINGS.domain, tmp_path)
    for name in ("catalogue.ttl", "organisations.ttl"):
        assert isomorphic(parse(tmp_path / name), parse(ROOT / "data/ttl" / name)), (
            f"{name} is stale: run build-catalogue"
        )


def test_generator_follows_the_base_iri() -> None:
    graph = catalogue_graph(SETTINGS.domain / "programmes.csv", base="http://example.org/x/")
    assert (URIRef("http://example.org/x/id/programme/komet"), RDF.type, IG.Programme) in graph
    orgs = organisations_graph(SETTINGS.domain / "organisations.csv", base="http://example.org/x/")
    assert (URIRef("http://example.org/x/id/organisation/0580"), RDF.type, IG.Municipality) in orgs


def test_the_reference_data_is_in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clone stands on its own: the default domain folder is the repository's, with a SOURCE note."""
    monkeypatch.delenv("INSATSGRAF_DOMAIN", raising=False)
    assert Settings().domain == ROOT / "data" / "reference"
    assert dcat_ap_shapes_dir(Settings()).is_relative_to(ROOT)
    for name in ("programmes.csv", "organisations.csv", "municipalities-scb.csv", "SOURCE.md"):
        assert (ROOT / "data" / "reference" / name).is_file(), name
    assert (ROOT / "data" / "reference" / "submissions" / "0580-linkoping-2021.csv").is_file()


def test_build_catalogue_says_which_file_is_missing(tmp_path: Path) -> None:
    (tmp_path / "programmes.csv").write_bytes((ROOT / "data" / "reference" / "programmes.csv").read_bytes())
    result = CliRunner().invoke(
        cli, ["build-catalogue", "--domain", str(tmp_path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2, result.output
    assert "organisations.csv not found in" in result.output and "finns inte i" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
