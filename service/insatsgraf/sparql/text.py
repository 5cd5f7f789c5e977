"""Looking at SPARQL text without parsing it: keywords outside strings, IRIs and comments.

Used on the package's own queries (``Store.query``, the remote store's request shape) to see whether a query
names its own dataset or is an update. Never for security: what an untrusted query may do is decided on its
parse (``sparql.parse``), because a scan misreads escapes such as ``ex:a\\#b`` (issue 12).
"""

from __future__ import annotations

import re

_TOKENS = re.compile(
    r'(?P<skip>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*)',
    re.DOTALL,
)
_UPDATE_START = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*|BASE\s*)\S*\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


def code_only(sparql: str) -> str:
    """The query text without strings, IRIs and comments, so keyword checks do not see inside them."""
    return _TOKENS.sub(lambda m: "<>" if m.group(0).startswith("<") else " ", sparql)


def has_keyword(sparql: str, word: str) -> bool:
    """Does ``word`` occur as a keyword (not inside a string, IRI, comment or name)?"""
    return re.search(rf"(?<![\w?$:]){word}(?![\w:-])", code_only(sparql), re.IGNORECASE) is not None


def is_update(sparql: str) -> bool:
    """Does the text start (after its prologue) with an update operation?"""
    return _UPDATE_START.match(code_only(sparql)) is not None


def names_dataset(sparql: str) -> bool:
    """Does the query name its own dataset with ``FROM`` / ``FROM NAMED``?"""
    return has_keyword(sparql, "FROM")
