"""Per-offering figures in the submission spreadsheet (``submission/figures.py``): observations about the
offering, written with the submission; bad figures refused with file, row and column, nothing written."""

from __future__ import annotations

import pytest
from rdflib.namespace import PROV

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import cube
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import figures
from insatsgraf.submission.lists import submit

SETTINGS = Settings()
HEADER = "insats,program,deltagare,varav_pojkar,varav_flickor,väntetid_dagar,period\n"
GOOD = (
    HEADER
    + "Mini Maria,mini-maria,176,142,34,21,2021\nKomet,komet,,,,14,2021-01-01/2021-06-30\nRåd och stöd,,,,,,\n"
).encode()


def _observations(store: OxigraphStore, org: str) -> int:
    graph = store.graph(figures.graph_name(org, SETTINGS.base))
    return len(set(graph.subjects(None, cube.QB.Observation)))


def test_figures_become_observations_about_the_offering(fresh_store: OxigraphStore) -> None:
    result = submit(fresh_store, SETTINGS, GOOD, "0581-norrkoping.csv", "0581", "2022-01-01", "Test")
    assert result.offerings == 3
    assert _observations(fresh_store, "0581") == 5  # 176, 142, 34 and 21 for Mini Maria; 14 for Komet
    rows = (
        Catalogue.load(SETTINGS.queries_dir)
        .run(fresh_store, "share-boys-girls", {"county": "Östergötlands län", "period": "2021"})
        .table()
    )
    mini = next(r for r in rows if r["subject"].endswith("/offering/0581/mini-maria"))
    assert (mini["boys"], mini["girls"]) == ("142", "34")  # "176 unga, varav 142 pojkar och 34 flickor"
    assert float(mini["shareBoys"]) == round(100 * 142 / 176, 1)
    graph = fresh_store.graph(figures.graph_name("0581", SETTINGS.base))
    dataset = next(graph.subjects(None, cube.QB.DataSet))
    assert str(graph.value(dataset, PROV.wasDerivedFrom)) == result.submission
    # a later list without figures leaves none behind
    plain = b"insats,program\nMini Maria,mini-maria\n"
    submit(fresh_store, SETTINGS, plain, "0581-norrkoping.csv", "0581", "2022-02-01", "Test")
    assert _observations(fresh_store, "0581") == 0


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        ("Mini Maria,mini-maria,10,8,5,,2021", "varav_flickor", "more-than-participants"),
        ("Mini Maria,mini-maria,10,,,,", "period", "bad-period"),
        ("Mini Maria,mini-maria,10,,,,2017-13", "period", "bad-period"),
        ("Mini Maria,mini-maria,tio,,,,2021", "deltagare", "not-a-number"),
        ("Mini Maria,mini-maria,,,,-3,2021", "vantetid_dagar", "negative-value"),
    ],
)
def test_bad_figures_are_refused_with_row_and_column(
    fresh_store: OxigraphStore, row: str, column: str, code: str
) -> None:
    before = {name: len(fresh_store.graph(name)) for name in fresh_store.graph_names()}
    with pytest.raises(UserError) as caught:
        submit(fresh_store, SETTINGS, (HEADER + row + "\n").encode(), "0581.csv", "0581", "2022-01-01", "T")
    assert (caught.value.file, caught.value.row, caught.value.column, caught.value.code) == (
        "0581.csv",
        2,
        column,
        code,
    )
    assert {name: len(fresh_store.graph(name)) for name in fresh_store.graph_names()} == before
