"""The file name as a safety check: a list named for one organisation is not submitted as another's.

``0486-strangnas-2024.xlsx`` submitted with ``--org 0580`` would replace Linköping's list with Strängnäs's;
``submit`` (CLI) and ``POST /organisations/{org}/submissions`` refuse it unless forced.
"""

from __future__ import annotations

from insatsgraf.config import Settings
from insatsgraf.errors import UserError
from insatsgraf.model import vocab
from insatsgraf.submission.ingest import guess_org


def check_file_name(
    filename: str, org: str | None, settings: Settings, *, force: bool = False, how: str = "--force"
) -> None:
    """Raise ``UserError`` (code ``file-name-mismatch``) when ``filename`` starts with the id of an organisation
    other than ``org``; ``how`` names the override in the message (``--force``, ``force=true``)."""
    if force or not org:
        return
    named = guess_org(filename, vocab.load(settings))
    if named is None or named == org:
        return
    raise UserError(
        f"the file name starts with organisation {named}, but the list is submitted for {org}: it would "
        f"replace {org}'s current list. Check the organisation (or rename the file); use {how} if {org} is "
        "right",
        f"filnamnet börjar med organisation {named}, men listan lämnas in för {org}: den skulle ersätta "
        f"{org}s nuvarande lista. Kontrollera organisationen (eller byt namn på filen); använd {how} om "
        f"{org} stämmer",
        file=filename,
        code="file-name-mismatch",
    )
