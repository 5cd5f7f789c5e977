"""Errors a user can fix. Each carries a message in Swedish and English and, where known, where it is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UserError(Exception):
    """Bad input: the message says what is wrong and what to do; nothing was written."""

    en: str
    sv: str = ""
    file: str | None = None
    row: int | None = None
    column: str | None = None
    code: str = "bad-input"

    def __str__(self) -> str:
        return self.text()

    def where(self) -> str:
        parts = [
            p
            for p in (
                self.file,
                f"row {self.row}" if self.row else None,
                f"column {self.column}" if self.column else None,
            )
            if p
        ]
        return ", ".join(parts)

    def text(self) -> str:
        where = self.where()
        prefix = f"{where}: " if where else ""
        sv = f"\n{prefix}{self.sv}" if self.sv else ""
        return f"{prefix}{self.en}{sv}"

    def to_json(self) -> dict[str, object]:
        return {
            "error": self.code,
            "message": {"en": self.en, "sv": self.sv},
            "file": self.file,
            "row": self.row,
            "column": self.column,
        }
