"""HermiT (through owlready2) finds the ontology consistent with the bundled data and classifies what it defines."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from insatsgraf.config import ROOT, Settings
from insatsgraf.model.rdf import read_turtle
from insatsgraf.model.reasoning import reason
from insatsgraf.submission.bundled import bundled_graphs, bundled_submissions
from tests.conftest import FIXTURES, require_binary

pytestmark = pytest.mark.slow
BASE = Settings().base
OFFERING = f"{BASE}id/offering/0461/mini-komet"
IG = "https://w3id.org/insatsgraf/def#"


@pytest.fixture(scope="module")
def model() -> list[Graph]:
    require_binary("java")
    paths = [path for _, path in bundled_graphs(Settings())] + bundled_submissions(Settings())
    return [read_turtle(path, BASE) for path in paths]


def test_ontology_with_bundled_data_is_consistent(model: list[Graph]) -> None:
    report = reason(model)
    assert report.consistent


def test_reasoner_classifies_a_variant_offering(model: list[Graph]) -> None:
    example = read_turtle(FIXTURES / "model" / "valid-variant-offering.ttl", BASE)
    report = reason([*model, example])
    assert report.consistent
    assert f"{IG}VariantOffering" in report.types[OFFERING]
    assert f"{IG}ProgrammeOffering" not in report.types[OFFERING]
    assert f"{OFFERING} a {IG}VariantOffering" in report.inferred


@pytest.mark.parametrize("name", ["invalid-programme-and-type.ttl", "invalid-offering-is-programme.ttl"])
def test_disjointness_makes_contradictions_inconsistent(model: list[Graph], name: str) -> None:
    example = read_turtle(FIXTURES / "model" / name, BASE)
    assert not reason([*model, example]).consistent


def test_fixture_paths_exist() -> None:
    assert (ROOT / "ontology" / "insatsgraf.ttl").exists()
    assert Path(FIXTURES / "model").is_dir()


def test_reason_command_reports_inferences_and_fails_on_contradictions(model: list[Graph]) -> None:
    from typer.testing import CliRunner

    from insatsgraf.cli import app

    runner = CliRunner()
    ok = runner.invoke(app, ["reason", str(FIXTURES / "model" / "valid-variant-offering.ttl")])
    assert ok.exit_code == 0, ok.output
    assert "consistent: True" in ok.output and "VariantOffering" in ok.output
    bad = runner.invoke(app, ["reason", str(FIXTURES / "model" / "invalid-offering-is-programme.ttl")])
    assert bad.exit_code == 1
    assert "consistent: False" in bad.output


def test_reasoner_refusal_is_a_clear_error_not_a_traceback(model: list[Graph]) -> None:
    """Regression: a submission's xsd:date once crashed `reason` with a Java stack trace."""
    from typer.testing import CliRunner

    from insatsgraf.cli import app

    result = CliRunner().invoke(app, ["reason", str(FIXTURES / "model" / "invalid-datatype.ttl")])
    assert result.exit_code == 2
    assert "HermiT refused the input" in result.output and "datatype" in result.output
