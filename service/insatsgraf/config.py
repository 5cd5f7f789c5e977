"""Settings: where the repository's data lives, which base IRI to publish under, where the store is.

One frozen object passed to every entry point (CLI, app factory, tests), so nothing reads module globals.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from insatsgraf.errors import UserError

DEFAULT_BASE = "https://w3id.org/insatsgraf/"
ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the package lives in ``service/insatsgraf``)."""


def _default_store() -> str:
    return os.environ.get("INSATSGRAF_STORE", str(Path.cwd() / ".insatsgraf" / "store"))


@dataclass(frozen=True)
class InputLimits:
    """What one submitted file may cost, each limit checked BEFORE the work it bounds (README, "Submissions").

    One table: the ingester (``submission/ingest.py``) and the validator read these, nothing else decides.
    """

    max_rows: int = 5_000
    """Data rows of a spreadsheet (and offerings of a Turtle file): the largest municipality lists a few
    hundred; 5 000 rows validate in seconds, while 200 000 took minutes and 1.5 GB."""
    max_columns: int = 64
    """Columns with a value: the contract has 17; a cell at column XFD would widen every row to 16 384."""
    max_cell_chars: int = 2_000
    """Characters of one cell (or Turtle literal): a description is a paragraph, a 1 MB cell is an attack."""
    max_triples: int = 200_000
    """Statements of a Turtle submission: 5 000 offerings of ~30 statements each, and margin."""
    max_nesting: int = 8
    """Depth of ``[ … ]`` and ``( … )`` in Turtle, refused before rdflib parses (it recurses, and a file
    nested 10 000 deep raised RecursionError); a submission needs no nesting at all beyond its header."""
    max_zip_members: int = 200
    """Parts of an XLSX archive: a workbook has about a dozen."""
    max_member_bytes: int = 32 * 1024 * 1024
    """Decompressed size of one XLSX part, from the zip directory (Python's zipfile never inflates more than
    that): a 150 KB file held a shared string that inflated to gigabytes."""
    max_unpacked_bytes: int = 64 * 1024 * 1024
    """Decompressed size of all XLSX parts together."""
    max_shared_strings: int = 100_000
    """Shared strings of an XLSX (``xl/sharedStrings.xml``), counted in a streaming pass before openpyxl
    loads them all: rows × columns of the contract is 85 000; a 5 MB file held 2 million."""
    max_seconds: float = 60.0
    """Time to read and validate one submission (checked between stages and every few hundred rows); the
    write lock is taken only after it, for the commit."""
    max_days_ahead: int = 366
    """How far in the future a submission's date may be (``--date 9999-12-31`` was accepted)."""
    earliest_date: str = "1990-01-01"
    """The earliest submission date: before Swedish municipalities kept such lists at all."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> InputLimits:
        """The defaults, each overridden by ``INSATSGRAF_LIMIT_<NAME>`` (``INSATSGRAF_LIMIT_MAX_ROWS=20000``):
        a deployment whose lists are larger sets its bounds without a code change. A value that is not a
        positive number of the limit's kind (or, for ``EARLIEST_DATE``, a date) is refused, naming it."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for spec in fields(cls):
            name = f"INSATSGRAF_LIMIT_{spec.name.upper()}"
            raw = env.get(name)
            if raw is not None:
                values[spec.name] = _limit(name, raw.strip(), getattr(cls, spec.name))
        return cls(**values)  # type: ignore[arg-type]


def _limit(name: str, raw: str, default: object) -> object:
    """One limit from its environment variable, of its default's kind."""
    if isinstance(default, str):  # the earliest date
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            kind, slag = "a date (YYYY-MM-DD)", "ett datum (ÅÅÅÅ-MM-DD)"
    else:
        whole = isinstance(default, int)
        try:
            value = int(raw) if whole else float(raw)
        except ValueError:
            value = 0
        if value > 0:
            return value
        kind, slag = ("a whole number", "ett heltal") if whole else ("a number", "ett tal")
        kind, slag = f"{kind} above 0", f"{slag} över 0"
    raise UserError(
        f"{name}={raw!r} is not a valid limit: give {kind} (the default is {default})",
        f"{name}={raw!r} är ingen giltig gräns: ange {slag} (standard är {default})",
        code="bad-setting",
    )


@dataclass(frozen=True)
class Settings:
    base: str = field(default_factory=lambda: os.environ.get("INSATSGRAF_BASE", DEFAULT_BASE))
    store: str = field(default_factory=_default_store)
    """A directory path (embedded store), ``memory:`` or ``sparql+http(s)://…`` (remote endpoint)."""
    root: Path = ROOT
    domain: Path = field(
        default_factory=lambda: Path(os.environ.get("INSATSGRAF_DOMAIN", ROOT / "data" / "reference"))
    )
    """The reference data: programmes.csv, organisations.csv, municipalities-scb.csv and the example submission
    (``data/reference`` in the repository, see its SOURCE.md; ``INSATSGRAF_DOMAIN`` overrides it)."""
    max_file_mb: float = field(default_factory=lambda: float(os.environ.get("INSATSGRAF_MAX_FILE_MB", "10")))
    """The largest submitted file read, in MB (``INSATSGRAF_MAX_FILE_MB``): bounds the ingester's work."""
    limits: InputLimits = field(default_factory=InputLimits.from_env)
    """The other bounds on one submission's work (rows, cells, XLSX parts, nesting, time, date), each
    settable as ``INSATSGRAF_LIMIT_<NAME>`` (``InputLimits.from_env``)."""

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.root / "data" / "ttl"

    @property
    def examples_dir(self) -> Path:
        """Fictional example submissions, loaded only on request (``insatsgraf load --examples``)."""
        return self.root / "data" / "examples"

    @property
    def standards_dir(self) -> Path:
        """Copies of the standards the tests check against (DCAT-AP 3.0.1 shapes), in the repository."""
        return self.root / "data" / "reference" / "standards"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def state_dir(self) -> Path:
        """Where a deployment keeps its own files (tokens, harmonisation decisions), never in the checkout:
        the folder holding an on-disk store, else ``./.insatsgraf`` (``memory:`` and remote stores)."""
        spec = self.store
        if spec in ("memory:", ":memory:") or spec.startswith("sparql+"):
            return Path.cwd() / ".insatsgraf"
        return Path(spec).resolve().parent

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
