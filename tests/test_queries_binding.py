"""Parameters are bound as checked RDF terms: a value can never change the structure of a query."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from insatsgraf.catalogue.queries import Catalogue, CatalogueQuery, parse_query
from insatsgraf.errors import UserError
from insatsgraf.sparql.binding import bind, term_for
from insatsgraf.sparql.embedded import OxigraphStore

QUERY = """# Why: a test query.
#+ summary: Test
#+ summary_sv: Test
#+ description: Uses ?_org_iri in a comment, which must stay as it is.
#+ tags:
#+   - test
#+ params:
#+   org: the organisation
#+ defaults:
#+   - org: https://w3id.org/insatsgraf/id/organisation/0580
#+   - name: MiniMaria
#+ enumerate:
#+   - kind:
#+     - a
#+     - b
#+ example: insatsgraf query test
PREFIX ig: <https://w3id.org/insatsgraf/def#>
# a comment line mentioning ?_name_string
SELECT ?offering ?__from_date WHERE {
  ?offering ig:offeredBy ?_org_iri ; ig:localName ?_name_string ; ig:sessions ?__count_integer .
  OPTIONAL { ?offering ig:kind ?__kind_string }
}
"""


@pytest.fixture
def query() -> CatalogueQuery:
    return parse_query(QUERY, name="test")


def test_header_is_parsed(query: CatalogueQuery) -> None:
    assert query.why == "Why: a test query."
    assert query.summary == "Test" and query.tags == ("test",)
    assert query.example == "insatsgraf query test"
    params = {p.name: p for p in query.params}
    assert list(params) == ["from", "org", "name", "count", "kind"]
    assert (params["org"].type, params["org"].required, params["org"].default) == (
        "iri",
        True,
        "https://w3id.org/insatsgraf/id/organisation/0580",
    )
    assert params["org"].description == "the organisation"
    assert (params["count"].type, params["count"].required) == ("integer", False)
    assert params["from"].type == "date"
    assert params["kind"].enum == ("a", "b")


def test_defaults_are_bound_and_unbound_optionals_stay_variables(query: CatalogueQuery) -> None:
    text = query.bind({})
    assert "ig:offeredBy <https://w3id.org/insatsgraf/id/organisation/0580>" in text
    assert 'ig:localName "MiniMaria"' in text
    assert "?__count_integer" in text and "?__from_date" in text
    assert "Uses ?_org_iri in a comment" in text, "comments are not rewritten"
    assert "# a comment line mentioning ?_name_string" in text


def test_values_are_written_by_type(query: CatalogueQuery) -> None:
    text = query.bind(
        {
            "org": "https://example.org/x",
            "name": 'a "quoted"\nname',
            "count_integer": " 7 ",
            "from": "2021-06-01",
            "kind": "b",
        }
    )
    assert "<https://example.org/x>" in text
    assert r'"a \"quoted\"\nname"' in text
    assert "ig:sessions 7 ." in text
    assert '"2021-06-01"^^<http://www.w3.org/2001/XMLSchema#date>' in text


@pytest.mark.parametrize(
    ("name", "type_", "value"),
    [
        ("org", "iri", "https://example.org/x> } ; DROP ALL ; <x:y"),
        ("org", "iri", "not an iri"),
        ("org", "iri", "relative/path"),
        ("org", "iri", "https://example.org/{x}"),
        ("count", "integer", "7 ; DROP ALL"),
        ("count", "integer", "1.5"),
        ("from", "date", "2021-13-01"),
        ("from", "date", '2021-01-01" } DROP ALL {'),
        ("flag", "boolean", "yes please"),
        ("n", "decimal", "NaN"),
    ],
)
def test_bad_values_are_refused_with_the_parameter_named(name: str, type_: str, value: str) -> None:
    with pytest.raises(UserError) as caught:
        term_for(name, type_, value)
    assert f"parameter {name}:" in caught.value.en and f"parametern {name}:" in caught.value.sv


def test_a_string_cannot_escape_its_literal() -> None:
    """The classic injection: close the literal and add a pattern. It stays one literal."""
    sneaky = '" } UNION { ?s ?p ?o } #'
    graph = Graph()
    graph.add((URIRef("urn:a"), URIRef("urn:p"), Literal("x")))
    graph.add((URIRef("urn:b"), URIRef("urn:p"), Literal(sneaky)))
    store = OxigraphStore(None)
    store.replace_graphs({"urn:g": graph})
    text = bind("SELECT ?s WHERE { ?s <urn:p> ?_name_string }", {"name_string": sneaky})
    assert store.query(text).values("s") == ["urn:b"], "the value matched as one literal, nothing more"


def test_unknown_and_missing_parameters_are_user_errors(query: CatalogueQuery) -> None:
    with pytest.raises(UserError, match="no parameter 'nope'"):
        query.bind({"nope": "x"})
    with pytest.raises(UserError, match="must be one of a, b"):
        query.bind({"kind": "c"})
    required = parse_query("SELECT * WHERE { ?s ?p ?_org_iri }", name="bare")
    with pytest.raises(UserError, match="needs the parameter org"):
        required.bind({})


def test_query_moves_to_the_deployment_base(query: CatalogueQuery) -> None:
    text = query.bind({}, base="https://example.org/ig/")
    assert "<https://example.org/ig/id/organisation/0580>" in text
    assert "<https://w3id.org/insatsgraf/def#>" in text, "the ontology namespace is not rebased"


def test_catalogue_get_unknown_name_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "one.rq").write_text(QUERY, encoding="utf-8")
    catalogue = Catalogue.load(tmp_path)
    assert catalogue.names() == ["one"]
    with pytest.raises(UserError, match="no query named 'two'"):
        catalogue.get("two")


def test_bad_header_yaml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ summary: a: b\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        CatalogueQuery.from_file(bad)
    assert caught.value.file == str(bad)
