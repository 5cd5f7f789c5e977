"""Binding values into SPARQL text: the one place a value becomes part of a query.

Parameters follow the BASIL convention: ``?_name_type`` is required, ``?__name_type`` optional (left a
variable when not given); the type suffix (``iri``, ``integer``, ``date``, ``string``, …) decides how a value
is checked and written. A value is never spliced in as text: it is parsed by type and written as one RDF term,
so no value can change the query's structure. The catalogue (``queries/``) and the package's own query files
(``catalogue/rq/``, ``sparql/rq/``) are bound through these functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from insatsgraf.errors import UserError
from insatsgraf.sparql.terms import quoted

XSD = "http://www.w3.org/2001/XMLSchema#"

TYPES = ("iri", "integer", "decimal", "date", "boolean", "string", "literal")
"""Type suffixes we understand; a two-letter suffix (``_sv``, ``_en``) is a language tag."""

_PARAM_RE = re.compile(r"[?$](__?[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)")
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|\\^`]+$")
_LANG_RE = re.compile(r"^[a-z]{2}$")

UNSAFE_IRI_CHARS = '<>"{}|\\^` \n'
"""Characters that could end an IRI written as ``<…>`` early (or split it), so they are refused."""


class UnsafeIri(ValueError):
    """A value that cannot be written as one IRI term (a character that could end it, or not absolute)."""


@cache
def read(folder: Path, name: str) -> str:
    """The text of ``{folder}/{name}.rq`` (read once per process)."""
    return (folder / f"{name}.rq").read_text(encoding="utf-8")


def param_vars(text: str) -> list[str]:
    """``_org_iri``, ``__from_date`` … in order of first use, outside comment lines."""
    seen: list[str] = []
    for line in _code_lines(text):
        for match in _PARAM_RE.finditer(line):
            if match.group(1) not in seen:
                seen.append(match.group(1))
    return seen


def split_var(var: str) -> tuple[str, str]:
    """``_problem_area_iri`` → (``problem_area``, ``iri``); an unknown suffix means a plain literal."""
    body = var.lstrip("_")
    head, _, suffix = body.rpartition("_")
    if head and (suffix in TYPES or _LANG_RE.match(suffix)):
        return head, suffix
    return body, "literal"


def bind(query_text: str, params: Mapping[str, str]) -> str:
    """Replace each ``?_name_type`` given in ``params`` (keyed ``name_type`` or ``name``) by a checked term.

    Values are parsed by the type in the variable's name and written by us, never copied as text, so no
    value can change the query's structure. Variables not given stay variables (an unbound optional).
    """
    by_var: dict[str, str] = {}
    for var in param_vars(query_text):
        by_var[var.lstrip("_")] = var
        by_var.setdefault(split_var(var)[0], var)
    terms: dict[str, str] = {}
    for key, value in params.items():
        if key not in by_var:
            raise UserError(
                f"the query has no parameter ?_{key}",
                f"frågan har ingen parameter ?_{key}",
                code="unknown-parameter",
            )
        var = by_var[key]
        name, type_ = split_var(var)
        terms[var] = term_for(name, type_, value)
    if not terms:
        return query_text
    pattern = re.compile(
        r"[?$](" + "|".join(re.escape(v) for v in sorted(terms, key=len, reverse=True)) + r")(?![A-Za-z0-9_])"
    )
    out = []
    for line in query_text.splitlines(keepends=True):
        if line.lstrip().startswith("#"):
            out.append(line)
        else:
            out.append(pattern.sub(lambda m: terms[m.group(1)], line))
    return "".join(out)


def term_for(name: str, type_: str, value: str) -> str:
    """The SPARQL syntax of one RDF term for ``value`` read as ``type_``, or a UserError saying why not."""
    value = str(value)

    def bad(expected_en: str, expected_sv: str) -> UserError:
        return UserError(
            f"parameter {name}: {value!r} is not {expected_en}",
            f"parametern {name}: {value!r} är inte {expected_sv}",
            code="bad-parameter",
        )

    if type_ == "iri":
        if not _IRI_RE.match(value):
            raise bad(
                "an absolute IRI (e.g. https://w3id.org/insatsgraf/id/organisation/0580)",
                "en absolut IRI (t.ex. https://w3id.org/insatsgraf/id/organisation/0580)",
            )
        return f"<{value}>"
    if type_ == "integer":
        try:
            return str(int(value.strip()))
        except ValueError:
            raise bad("an integer", "ett heltal") from None
    if type_ == "decimal":
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise bad("a decimal number", "ett decimaltal") from None
        if not number.is_finite():
            raise bad("a finite decimal number", "ett ändligt decimaltal")
        return f'"{number}"^^<{XSD}decimal>'
    if type_ == "date":
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise bad("a date YYYY-MM-DD", "ett datum ÅÅÅÅ-MM-DD") from None
        return f'"{day.isoformat()}"^^<{XSD}date>'
    if type_ == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise bad("true or false", "true eller false")
        return "true" if lowered in ("true", "1") else "false"
    literal = quoted(value)
    if _LANG_RE.match(type_):
        return f"{literal}@{type_}"
    return literal


def _code_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            yield line


def iri_term(value: str) -> str:
    """``<value>`` for an absolute IRI; ``UnsafeIri`` for anything that could end the term early."""
    if any(c in value for c in UNSAFE_IRI_CHARS):
        raise UnsafeIri(value)
    try:
        return term_for("iri", "iri", value)
    except UserError:
        raise UnsafeIri(value) from None


def bind_iris(text: str, **iris: str) -> str:
    """``text`` with each ``?_{name}_iri`` given as ``name=…`` replaced by the checked IRI term."""
    for value in iris.values():
        iri_term(value)
    return bind(text, {f"{name}_iri": value for name, value in iris.items()})


def values(text: str, var: str, iris: Iterable[str]) -> str:
    """``text`` with its one empty ``VALUES ?{var} {}`` block filled with the checked IRI terms."""
    block = re.compile(r"VALUES\s+\?" + re.escape(var) + r"\s*\{\s*\}")
    lines = text.splitlines(keepends=True)
    found = [i for i, line in enumerate(lines) if not line.lstrip().startswith("#") and block.search(line)]
    if len(found) != 1 or len(block.findall(lines[found[0]])) != 1:
        raise ValueError(f"the query has no single empty VALUES ?{var} {{}} block to fill")
    terms = " ".join(iri_term(i) for i in iris)
    lines[found[0]] = block.sub(lambda _: f"VALUES ?{var} {{ {terms} }}", lines[found[0]])
    return "".join(lines)
