"""The words people type (issue 15, item 3): kommunkod, organisation ids and names, programme ids, county names,
short names and codes are resolved through the register and the catalogue in the store, the same for
``insatsgraf query``, ``GET /queries/{name}``, ``GET /charts`` and ``insatsgraf report``; an unknown value is
an error (exit 2, HTTP 400) naming the closest values or those that exist, with an example of its own kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from insatsgraf.api import create_app
from insatsgraf.catalogue import resolve
from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.cli import app
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled

CATALOGUE = Catalogue.load(Settings().queries_dir)
ORG = "https://w3id.org/insatsgraf/id/organisation/"
PROGRAMME = "https://w3id.org/insatsgraf/id/programme/"
runner = CliRunner()


def rows(store: OxigraphStore, name: str, params: dict[str, str]) -> list[dict[str, str]]:
    return sorted(CATALOGUE.run(store, name, params).table(), key=lambda r: sorted(r.items()))


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("short") / "store"
    store = OxigraphStore(path)
    load_bundled(store, Settings(), examples=True)
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def client(example_store: OxigraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings().with_(store="memory:"), store=example_store)) as c:
        yield c


def invoke(*args: str, store: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"INSATSGRAF_STORE": store, "COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


# -- the kinds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "param", "kind"),
    [
        ("municipality-profile", "org", resolve.ORGANISATION),
        ("collaboration-candidates", "org", resolve.ORGANISATION),
        ("offerings-of-programme", "programme", resolve.PROGRAMME),
        ("coverage-matrix", "county", resolve.COUNTY),
        ("same-programme-different-names", "county", resolve.COUNTY),
        ("gaps-indicated-by-problem-area", "problem_area", None),
        ("gaps-indicated-by-problem-area", "level", None),
    ],
)
def test_a_parameters_kind_comes_from_its_name(query: str, param: str, kind: str | None) -> None:
    assert CATALOGUE.get(query).param(param).kind == kind


def test_the_kind_can_come_from_the_description() -> None:
    assert resolve.kind_of("who", "iri", "The organisation asked about") == resolve.ORGANISATION
    assert resolve.kind_of("p", "iri", "a programme ({base}id/programme/{id})") == resolve.PROGRAMME
    assert resolve.kind_of("where", "string", "Län / county") == resolve.COUNTY
    assert resolve.kind_of("where", "string", "free text") is None
    assert resolve.kind_of("org", "string") is None, "a string named org is taken as written"


# -- each short form gives the answer of the full value ----------------------------------------------


@pytest.mark.parametrize("typed", ["0580", "Linköping", "linköping", f"{ORG}0580"])
def test_organisation_short_forms(example_store: OxigraphStore, typed: str) -> None:
    expected = rows(example_store, "municipality-profile", {"org": f"{ORG}0580"})
    assert expected
    assert rows(example_store, "municipality-profile", {"org": typed}) == expected


def test_a_district_id_resolves(example_store: OxigraphStore) -> None:
    assert resolve.resolve(example_store, resolve.ORGANISATION, "org", "0180-bromma") == f"{ORG}0180-bromma"


@pytest.mark.parametrize("typed", ["komet", "KOMET", "Komet"])
def test_programme_short_forms(example_store: OxigraphStore, typed: str) -> None:
    expected = rows(example_store, "offerings-of-programme", {"programme": f"{PROGRAMME}komet"})
    assert expected, "the examples run Komet"
    assert rows(example_store, "offerings-of-programme", {"programme": typed}) == expected


@pytest.mark.parametrize(
    ("typed", "county"),
    [
        ("Sörmland", "Södermanlands län"),
        ("sörmland", "Södermanlands län"),
        ("Södermanland", "Södermanlands län"),
        ("04", "Södermanlands län"),
        ("4", "Södermanlands län"),
        ("Östergötland", "Östergötlands län"),
        ("05", "Östergötlands län"),
        ("Östergötlands län", "Östergötlands län"),
        ("Stockholm", "Stockholms län"),
    ],
)
def test_county_short_forms(example_store: OxigraphStore, typed: str, county: str) -> None:
    assert resolve.resolve(example_store, resolve.COUNTY, "county", typed) == county
    assert rows(example_store, "coverage-matrix", {"county": typed}) == rows(
        example_store, "coverage-matrix", {"county": county}
    )


def test_a_full_county_name_without_data_is_a_fair_question(example_store: OxigraphStore) -> None:
    assert resolve.resolve(example_store, resolve.COUNTY, "county", "Skåne län") == "Skåne län"
    assert rows(example_store, "coverage-matrix", {"county": "Skåne län"}) == []


# -- unknown values: which exist, with an example of the parameter's own kind --------------------------


def error(store: OxigraphStore, name: str, params: dict[str, str]) -> UserError:
    with pytest.raises(UserError) as caught:
        CATALOGUE.run(store, name, params)
    return caught.value


def test_an_unknown_organisation_lists_organisations(example_store: OxigraphStore) -> None:
    exc = error(example_store, "municipality-profile", {"org": "9999"})
    assert exc.code == "unknown-value" and exc.column == "org"
    assert "no organisation '9999'" in exc.en and "ingen organisation '9999'" in exc.sv
    assert "0580" in exc.en and "more" in exc.en and "till" in exc.sv
    assert "id/organisation/0580" in exc.en and "programme" not in exc.en


def test_a_misspelt_organisation_names_the_closest(example_store: OxigraphStore) -> None:
    exc = error(example_store, "municipality-profile", {"org": "Linkoping"})
    assert "closest: 0580 (Linköping)" in exc.en and "närmast: 0580 (Linköping)" in exc.sv


def test_an_unknown_programme_names_the_closest_with_a_programme_example(
    example_store: OxigraphStore,
) -> None:
    exc = error(example_store, "offerings-of-programme", {"programme": "komt"})
    assert exc.code == "unknown-value" and exc.column == "programme"
    assert "no programme 'komt'" in exc.en and "inget program 'komt'" in exc.sv
    assert "closest: komet (Komet)" in exc.en
    assert "id/programme/komet" in exc.en and "organisation" not in exc.en


@pytest.mark.parametrize("typed", ["Sörmlnd", "99", "Ingenstans"])
def test_an_unknown_county_lists_the_counties(example_store: OxigraphStore, typed: str) -> None:
    exc = error(example_store, "coverage-matrix", {"county": typed})
    assert exc.code == "unknown-value" and exc.column == "county"
    assert f"no county '{typed}'" in exc.en and f"inget län '{typed}'" in exc.sv
    assert "04 (Södermanlands län)" in exc.en and "IRI" not in exc.en


def test_a_concept_parameter_example_is_its_own_default(example_store: OxigraphStore) -> None:
    exc = error(example_store, "gaps-indicated-by-problem-area", {"problem_area": "mental"})
    assert exc.code == "bad-parameter"
    assert "id/concept/problem-area/mental-health" in exc.en and "organisation" not in exc.en


# -- the same on the command line, over HTTP, on /charts and in the report ------------------------------


def test_cli_takes_short_forms(store_dir: str) -> None:
    code, out, err = invoke(
        "query", "offerings-of-programme", "-p", "programme=komet", "-f", "csv", store=store_dir
    )
    assert code == 0, err
    full = invoke(
        "query", "offerings-of-programme", "-p", f"programme={PROGRAMME}komet", "-f", "csv", store=store_dir
    )[1]
    assert out == full and len(out.splitlines()) > 1
    code, out, err = invoke("query", "coverage-matrix", "-p", "county=Sörmland", "-f", "csv", store=store_dir)
    assert code == 0 and len(out.splitlines()) > 1, err


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("org=9999", "no organisation '9999'"),
        ("county=Sörmlnd", "no county 'Sörmlnd'"),
    ],
)
def test_cli_unknown_values_exit_2_in_both_languages(store_dir: str, param: str, message: str) -> None:
    query = "coverage-matrix" if param.startswith("county") else "municipality-profile"
    code, out, err = invoke("query", query, "-p", param, store=store_dir)
    assert code == 2 and out == ""
    assert message in err and ("ingen organisation" in err or "inget län" in err)


def test_http_takes_short_forms(client: TestClient) -> None:
    r = client.get("/queries/municipality-profile", params={"org": "0580"}, headers={"accept": "text/csv"})
    full = client.get(
        "/queries/municipality-profile", params={"org": f"{ORG}0580"}, headers={"accept": "text/csv"}
    )
    assert r.status_code == 200 and r.text == full.text and len(r.text.splitlines()) > 1
    r = client.get(
        "/queries/offerings-of-programme", params={"programme": "komet"}, headers={"accept": "text/csv"}
    )
    assert r.status_code == 200 and len(r.text.splitlines()) > 1


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/queries/offerings-of-programme", {"programme": "komt"}, "no programme 'komt'"),
        ("/queries/municipality-profile", {"org": "9999"}, "no organisation '9999'"),
        ("/queries/coverage-matrix", {"county": "Sörmlnd"}, "no county 'Sörmlnd'"),
        ("/charts", {"county": "Sörmlnd"}, "no county 'Sörmlnd'"),
    ],
)
def test_http_unknown_values_are_400(
    client: TestClient, path: str, params: dict[str, str], message: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "unknown-value" and message in body["message"]["en"] and body["message"]["sv"]


def test_the_openapi_error_example_matches_the_parameter_kind(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def example(name: str) -> str:
        content = paths[f"/queries/{name}"]["get"]["responses"]["400"]["content"]["application/json"]
        return str(content["example"]["message"]["en"])

    assert "programme" in example("offerings-of-programme") and "organisation" not in example(
        "offerings-of-programme"
    )
    assert "organisation" in example("municipality-profile")
    assert "county" in example("coverage-matrix")


def test_charts_take_a_short_county_name(client: TestClient) -> None:
    r = client.get("/charts", params={"county": "Sörmland"})
    assert r.status_code == 200 and "Diagram för Södermanlands län" in r.text and "Gnesta" in r.text


def test_report_takes_a_county_code(store_dir: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--store", store_dir, "--county", "04", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert "Diagram för Södermanlands län" in result.stdout


def test_report_for_an_unknown_county_exits_2(store_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--store", store_dir, "--county", "Sörmlnd", "--out", str(out)])
    assert result.exit_code == 2 and "no county 'Sörmlnd'" in result.stderr and not out.exists()
