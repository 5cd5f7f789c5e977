"""Settings: where the repository's data lives, which base IRI to publish under, where the store is.

One frozen object passed to every entry point (CLI, app factory, tests), so nothing reads module globals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_BASE = "https://w3id.org/insatsgraf/"
ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the package lives in ``service/insatsgraf``)."""


def _default_store() -> str:
    return os.environ.get("INSATSGRAF_STORE", str(Path.cwd() / ".insatsgraf" / "store"))


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

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
