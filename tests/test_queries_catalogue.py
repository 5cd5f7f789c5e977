"""Every catalogue query parses, documents itself, and returns exactly the expected rows on the fixture.

The fixture (``tests/fixtures/queries/dataset.trig``) is small and hand-written; the expected rows in
``tests/fixtures/queries/expected/<query>.json`` were worked out from it by hand, one case per parameter
set (the first case uses the query's defaults, i.e. its example call).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from insatsgraf.catalogue.queries import Catalogue, CatalogueQuery
from insatsgraf.config import DEFAULT_BASE, Settings
from insatsgraf.model.iris import IG
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "queries"
DATASET = FIXTURES / "dataset.trig"
EVIDENCE = [FIXTURES / "evidence.trig", Settings().data_dir / "evidence-scales.ttl"]
"""Loaded with the dataset: fictional assessments, manual session counts, and the registries' scales."""
CURATED = "curated-evidence"
"""The tag of queries that answer only on imported assessments (none bundled): tests/test_evidence_queries.py."""
EXPECTED = FIXTURES / "expected"
CATALOGUE = Catalogue.load(Settings().queries_dir)


def expand(value: str) -> str:
    """Expected files abbreviate IRIs: ``id:…`` is under the base's ``id/``, ``ig:…`` the ontology."""
    if value.startswith("id:"):
        return f"{DEFAULT_BASE}id/{value[3:]}"
    if value.startswith("ig:"):
        return f"{IG}{value[3:]}"
    return value


def cases() -> Iterator[object]:
    for path in sorted(EXPECTED.glob("*.json")):
        for index, case in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            yield pytest.param(path.stem, case["params"], case["rows"], id=f"{path.stem}-{index}")


def as_multiset(rows: list[dict[str, str]]) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(tuple(sorted(row.items())) for row in rows)


def test_catalogue_answers_every_question_in_the_brief() -> None:
    assert len(CATALOGUE) >= 12


def test_every_query_has_expected_rows() -> None:
    """A new query brings its test: an expected file per query, and none for a query that is gone."""
    assert sorted(CATALOGUE.names()) == sorted(p.stem for p in EXPECTED.glob("*.json"))


@pytest.mark.parametrize("query", list(CATALOGUE), ids=lambda q: q.name)
def test_query_documents_itself(query: CatalogueQuery) -> None:
    assert query.why, "a first comment line saying why the query exists"
    assert query.summary and query.summary_sv and query.summary != query.name
    assert query.description
    assert query.tags
    assert query.example.startswith(f"insatsgraf query {query.name}")
    for param in query.params:
        assert param.type != "literal", f"{param.var}: name the type (BASIL ?_name_type)"
        assert param.default is not None, f"{param.name}: every parameter has an example default"
        assert param.description, f"{param.name}: described under #+ params"
    history = "GRAPH" in query.text
    assert query.include_history == history, "queries reading history graphs are tagged history, only they"


@pytest.mark.parametrize(("name", "params", "expected"), list(cases()))
def test_query_returns_exactly_the_expected_rows(
    backend: Callable[..., Store], name: str, params: dict[str, str], expected: list[dict[str, str]]
) -> None:
    """On every backend (conftest ``backend``: embedded, Oxigraph server, Virtuoso)."""
    result = CATALOGUE.run(backend([DATASET, *EVIDENCE]), name, params)
    assert result.kind == "select"
    want = [{k: expand(v) for k, v in row.items()} for row in expected]
    assert as_multiset(result.table()) == as_multiset(want)


@pytest.mark.parametrize("query", [q for q in CATALOGUE if CURATED not in q.tags], ids=lambda q: q.name)
def test_query_returns_rows_on_the_bundled_data(example_store: OxigraphStore, query: CatalogueQuery) -> None:
    """The acceptance check: every query, with its example parameters, answers on the bundled data.

    The real bundled data is one municipality (Linköping 2021); questions about pairs of municipalities and
    about changes between submissions need the fictional examples of ``insatsgraf load --examples`` too.
    """
    result = CATALOGUE.run(example_store, query.name, {})
    assert result.rows, f"{query.name} returned no rows on the bundled data with the examples"
