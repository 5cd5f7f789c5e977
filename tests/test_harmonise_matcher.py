"""The name matcher on the bundled catalogue: normalisation, labels, age suffixes, splits, variants, typos."""

from __future__ import annotations

import pytest

from insatsgraf.config import Settings
from insatsgraf.harmonisation.matcher import Catalogue, Rule, Thresholds, fold, match, strip_age
from insatsgraf.model.rdf import read_turtle


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    settings = Settings()
    return Catalogue.from_graph(read_turtle(settings.data_dir / "catalogue.ttl", settings.base))


def pairs(name: str, cat: Catalogue, **kw: object) -> set[tuple[str, str, str]]:
    return {(p.programme, p.relation, p.status) for p in match(name, cat, **kw)}  # type: ignore[arg-type]


def test_fold_ignores_case_diacritics_dashes_and_spacing() -> None:
    assert fold("  Älskade – förbannade\ttonåring ") == "alskade forbannade tonaring"
    assert fold("BRA-samtal") == fold("bra samtal")
    assert fold("Utväg Skaraborg – Stegen") == fold("Utväg Skaraborg - Stegen")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Komet 3-11 år", "Komet"),
        ("Komet (12–18 år)", "Komet"),
        ("Stödboende från 16 år", "Stödboende"),
        ("Komet 12-18", "Komet"),
        ("Råd och stöd", "Råd och stöd"),
    ],
)
def test_strip_age(text: str, expected: str) -> None:
    assert strip_age(text) == expected


def test_original_name_is_kept_in_the_proposal(catalogue: Catalogue) -> None:
    [p] = match("Komet 3–11 år", catalogue, "0461")
    assert (p.org, p.insats, p.programme, p.relation, p.status) == (
        "0461",
        "Komet 3–11 år",
        "komet",
        "same",
        "auto",
    )
    assert p.label == "Komet"


@pytest.mark.parametrize(
    "name,programme",
    [
        ("Cos", "cos"),
        ("Circle of security", "cos"),
        ("Trygghetscirkeln", "cos"),
        ("ÄFT", "aft"),
        ("Alskade forbannade tonaring", "aft"),
        ("MiniMaria", "mini-maria"),
        ("Mini-Maria", "mini-maria"),
        ("Intensiv hemmabaserad familjebehandling (IHF)", "ihf"),
        ("Råd- och stödsamtal", "rad-och-stod"),
        ("Utökat hembesöksprogram", "hembesoksprogram"),
        ("Samordnad individuell plan", "sip"),
        ("Kort strategisk familjeterapi", "bsft"),
        ("MIM/Theraplay", "mim-theraplay"),
        ("ART-grupp", "art"),
    ],
)
def test_labels_acronyms_and_tricky_labels_are_the_same_programme(
    catalogue: Catalogue, name: str, programme: str
) -> None:
    assert pairs(name, catalogue) == {(programme, "same", "auto")}


@pytest.mark.parametrize(
    "name,programme,kind",
    [
        ("Förstärkt Komet", "komet", "own-variant"),
        ("MST-liknande insats", "mst", "like"),
        ("Mini Macho", "machofabriken", "local-adaptation"),
        ("Individuell COS", "cos", "own-variant"),
        ("Familjebehandling enligt LIHF-modellen", "lihf", "own-variant"),
        ("Familjecentralsliknande verksamhet", "familjecentral", "like"),
        ("Komet (egen variant, 7 träffar)", "komet", "own-variant"),
    ],
)
def test_variant_markers_give_a_variant_never_the_programme(
    catalogue: Catalogue, name: str, programme: str, kind: str
) -> None:
    found = match(name, catalogue)
    assert [(p.programme, p.relation, p.variant_kind) for p in found] == [(programme, "variant", kind)]


def test_a_truncated_core_is_a_variant_sent_to_review(catalogue: Catalogue) -> None:
    [p] = match("Mini Macho", catalogue)
    assert p.status == "review" and p.basis == "variant"


@pytest.mark.parametrize(
    "name,expected",
    [
        ("LIHF/IHF", {"lihf", "ihf"}),
        ("Nätverksmöten och SIP", {"natverksmote", "sip"}),
        ("Familjehem och jourhem", {"familjehem", "jourhem"}),
        ("FFT & MST", {"fft", "mst"}),
        ("Råd och stöd samt familjebehandling", {"rad-och-stod", "familjebehandling"}),
        ("Komet, ABC och COS", {"komet", "abc", "cos"}),
    ],
)
def test_a_cell_naming_several_things_gives_several_mappings(
    catalogue: Catalogue, name: str, expected: set[str]
) -> None:
    found = match(name, catalogue)
    assert {p.programme for p in found} == expected
    assert {p.insats for p in found} == {name}
    assert all(p.relation == "same" and p.status == "auto" for p in found)


def test_the_same_programme_twice_in_a_cell_is_one_mapping(catalogue: Catalogue) -> None:
    assert pairs("RePULSE/rePULSE", catalogue) == {("repulse", "same", "auto")}


def test_a_split_part_that_names_nothing_sends_the_cell_to_review(catalogue: Catalogue) -> None:
    assert pairs("Komet och föräldrakvällar", catalogue) == {("komet", "same", "review")}


def test_typos_long_names_auto_short_names_review(catalogue: Catalogue) -> None:
    assert pairs("Kontaktpersson", catalogue) == {("kontaktperson", "same", "auto")}
    assert pairs("Komett", catalogue) == {("komet", "same", "review")}


def test_acronyms_are_never_matched_fuzzily(catalogue: Catalogue) -> None:
    # MST/MVP/SIG/SIP differ by one letter: only exact matches count
    assert pairs("MSP", catalogue) == {("", "none", "none")}
    assert pairs("SIQ", catalogue) == {("", "none", "none")}


@pytest.mark.parametrize(
    "name",
    [
        "Familjeterapihund",
        "Läsfrämjande program",
        "Ungdomshälsan",
        "Stödteam",
        "Stöd till barn med förälder i fängelse",
    ],
)
def test_local_interventions_on_no_list_are_none(catalogue: Catalogue, name: str) -> None:
    [p] = match(name, catalogue)
    assert (p.insats, p.programme, p.relation, p.status) == (name, "", "none", "none")


def test_a_longer_name_containing_a_label_is_only_a_review(catalogue: Catalogue) -> None:
    assert pairs("HVB för ensamkommande", catalogue) == {("hvb", "same", "review")}


def test_thresholds_are_configurable(catalogue: Catalogue) -> None:
    assert pairs("Komett", catalogue, thresholds=Thresholds(auto=90.0)) == {("komet", "same", "auto")}
    assert pairs("Komett", catalogue, thresholds=Thresholds(review=95.0)) == {("", "none", "none")}
    assert pairs("Förstärkt Komet", catalogue, thresholds=Thresholds(variant_auto=False)) == {
        ("komet", "variant", "review")
    }


def test_decision_rules_override_and_reject(catalogue: Catalogue) -> None:
    rules = [
        Rule(fold("Ungdomshälsan"), "mapped", "mini-maria", "like"),
        Rule(fold("HVB för ensamkommande"), "rejected", "hvb"),
        Rule(fold("Stödteam"), "accepted", "ihf", "same", org="0480"),
    ]
    cat = Catalogue(catalogue.entries.values(), rules)
    assert pairs("Ungdomshälsan", cat) == {("mini-maria", "variant", "decided")}
    assert pairs("HVB för ensamkommande", cat) == {("", "none", "none")}
    assert pairs("Stödteam", cat, org="0480") == {("ihf", "same", "decided")}
    assert pairs("Stödteam", cat, org="0580") == {("", "none", "none")}  # scoped to Nyköping only


@pytest.mark.parametrize("name", ["Komet (för föräldrar", "Komet (COS", "Komet (", "(", "((("])
def test_an_unclosed_parenthesis_is_read_not_recursed(name: str, catalogue: Catalogue) -> None:
    """Regression: an unclosed "(" made the matcher read the same text again until RecursionError."""
    found = match(name, catalogue, "0580")
    assert found
    if name.startswith("Komet"):
        assert "komet" in {p.programme for p in found}
