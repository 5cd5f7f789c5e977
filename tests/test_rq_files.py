"""The service's own queries (``catalogue/rq/*.rq``, the stores' ``sparql/rq/*.rq``): each says why and what it
takes, each parses and runs as written and with example parameters bound, and binding refuses an IRI that
could end early."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from insatsgraf.catalogue import queries, rq
from insatsgraf.publication import describe
from insatsgraf.sparql import binding, updates

RQ_FILES = sorted([*rq.RQ_DIR.glob("*.rq"), *updates.RQ_DIR.glob("*.rq")])
PACKAGE = Path(rq.__file__).parents[1]
UPDATE = re.compile(r"^\s*(INSERT|DELETE)\b", re.MULTILINE)
EXAMPLE_IRI = "https://w3id.org/insatsgraf/id/programme/komet"
EMPTY_VALUES = re.compile(r"VALUES\s+\?(\w+)\s*\{\s*\}")


def _header(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _bound_example(text: str) -> str:
    """The query with every ``?_name_iri`` bound and every empty ``VALUES ?var {}`` filled (two IRIs)."""
    params = queries.parse_query(text, name="example").params
    assert all(p.type in ("iri", "string") for p in params), "rq files take IRI and string parameters only"
    example = {"iri": EXAMPLE_IRI, "string": "https://w3id.org/insatsgraf/"}
    text = binding.bind(text, {p.full_name: example[p.type] for p in params})
    for var in EMPTY_VALUES.findall(_code(text)):
        text = rq.values(text, var, [EXAMPLE_IRI, EXAMPLE_IRI + "-2"])
    return text


def _run(text: str) -> None:
    """Parse and evaluate on an empty Oxigraph store (a syntax error raises ``SyntaxError``)."""
    if UPDATE.search(_code(text)):
        ox.Store().update(text)
        return
    result = ox.Store().query(text)
    if not isinstance(result, ox.QueryBoolean):
        list(result)  # type: ignore[call-overload]


def test_the_folder_holds_the_queries_the_code_reads() -> None:
    names = {p.stem for p in RQ_FILES}
    used = set()
    for module in PACKAGE.rglob("*.py"):
        code = module.read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:rq|updates)\.read\(\s*"([^"]+)"', code))
        used |= set(re.findall(r'(?:_bound|_own)\("([^"]+)"', code))
    assert used, "no module reads an rq file"
    assert used <= names, f"read but missing: {used - names}"
    assert names <= used, f"files nobody reads: {names - used}"


@pytest.mark.parametrize("path", RQ_FILES, ids=lambda p: p.name)
def test_each_file_says_why_and_names_its_parameters(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = _header(text)
    assert header.startswith("# ") and len(header.splitlines()) >= 2, f"{path.name}: no why-comment"
    assert "Parameters:" in header, f"{path.name}: the header does not say which parameters it takes"
    for p in queries.parse_query(text, name=path.stem).params:
        assert f"?{p.var}" in header, f"{path.name}: parameter ?{p.var} not described in the header"
    for var in EMPTY_VALUES.findall(_code(text)):
        assert f"VALUES ?{var}" in header, f"{path.name}: VALUES ?{var} not described in the header"
    if "Parameters: none" in header:
        assert not queries.parse_query(text, name=path.stem).params and not EMPTY_VALUES.search(_code(text))


@pytest.mark.parametrize("path", RQ_FILES, ids=lambda p: p.name)
def test_each_file_parses_and_runs_as_written_and_bound(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    _run(text)  # its PREFIX lines are in the file: it runs as it is
    bound = _bound_example(text)
    assert "?_" not in _code(bound) and not EMPTY_VALUES.search(_code(bound))
    _run(bound)


def test_the_describe_limit_is_the_one_in_the_file() -> None:
    assert re.findall(r"LIMIT\s+(\d+)", _code(rq.read("describe"))) == [str(describe.INCOMING_LIMIT)]


@pytest.mark.parametrize(
    "bad", [EXAMPLE_IRI + "> ?p ?o } #", EXAMPLE_IRI + " x", EXAMPLE_IRI + "\n", 'https://a/"x', "komet"]
)
def test_binding_refuses_an_iri_that_could_end_early(bad: str) -> None:
    with pytest.raises(rq.UnsafeIri):
        rq.bind(rq.read("describe"), resource=bad)
    with pytest.raises(rq.UnsafeIri):
        rq.values(rq.read("describe-labels"), "s", [EXAMPLE_IRI, bad])


def test_binding_writes_the_iri_as_one_term_and_nothing_else() -> None:
    text = rq.read("describe-programme-offerings")
    bound = rq.bind(text, programme=EXAMPLE_IRI)
    assert f"?offering ?relation <{EXAMPLE_IRI}> ." in bound
    assert _header(bound) == _header(text)  # comments are left as written
    with pytest.raises(ValueError, match="VALUES"):
        rq.values(text, "s", [EXAMPLE_IRI])  # no empty VALUES ?s block to fill
