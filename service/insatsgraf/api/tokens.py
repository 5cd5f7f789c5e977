"""Write tokens: bearer tokens of an organisation (or of a curator), stored hashed in a JSON file.

Each token has a role. An *organisation* token (``insatsgraf token issue --org ID``) writes for its
organisation only: its submissions, and harmonisation decisions scoped to it (or to its district units,
``org:unitOf`` in the register). A *curator* token (``insatsgraf token issue --curator``) belongs to no
organisation and makes national decisions: unscoped ones, which change the catalogue (``skos:hiddenLabel``).
A file written before roles existed has no ``role`` keys: its tokens load as organisation tokens.

A token looks like ``igt_<id>_<secret>``. The id (public, 12 hex digits) names the record so it can be
listed and revoked; only ``sha256(salt + secret)`` is stored, and verification compares digests in
constant time. The file is re-read when it changes, so tokens issued or revoked with the CLI take effect
in a running server without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from insatsgraf.config import Settings
from insatsgraf.errors import UserError

PREFIX = "igt"
_TOKEN_RE = re.compile(rf"^{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{20,}})$")
_ORG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def tokens_path(settings: Settings) -> Path:
    """The token file: ``$INSATSGRAF_TOKENS``, else beside an on-disk store, else ``./.insatsgraf``."""
    env = os.environ.get("INSATSGRAF_TOKENS")
    if env:
        return Path(env)
    return settings.state_dir / "tokens.json"


ORGANISATION = "organisation"
CURATOR = "curator"
ROLES = (ORGANISATION, CURATOR)


@dataclass(frozen=True)
class TokenInfo:
    """What is known about a token without its secret. A curator's token has ``org == ""``."""

    id: str
    org: str
    created: str
    label: str = ""
    revoked: str | None = None
    role: str = ORGANISATION

    @property
    def active(self) -> bool:
        return self.revoked is None

    @property
    def curator(self) -> bool:
        return self.role == CURATOR

    @property
    def holder(self) -> str:
        """Who holds it, for messages: the organisation id, or "curator"."""
        return CURATOR if self.curator else self.org


@dataclass(frozen=True)
class _Record:
    info: TokenInfo
    salt: str
    sha256: str


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class TokenRegistry:
    """The token file: issue, list, revoke, verify. Safe to share between threads of one process."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}
        self._stamp: tuple[int, int] | None = None

    # -- file ------------------------------------------------------------------------------------

    def _load(self) -> dict[str, _Record]:
        """The records, re-read only when the file changed (mtime and size)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._records, self._stamp = {}, None
            return self._records
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UserError(
                    f"the token file cannot be read: {exc}. Fix or delete it and issue new tokens.",
                    f"tokenfilen går inte att läsa: {exc}. Rätta eller ta bort den och utfärda nya token.",
                    file=str(self.path),
                    code="bad-token-file",
                ) from exc
            records = {}
            for item in doc.get("tokens", []):
                role = item.get("role", ORGANISATION)  # files from before roles: organisation tokens
                if role not in ROLES:
                    raise UserError(
                        f"the token file names an unknown role '{role}' (token {item.get('id')}).",
                        f"tokenfilen anger en okänd roll '{role}' (token {item.get('id')}).",
                        file=str(self.path),
                        code="bad-token-file",
                    )
                info = TokenInfo(
                    id=item["id"],
                    org=item.get("org", ""),
                    created=item["created"],
                    label=item.get("label", ""),
                    revoked=item.get("revoked"),
                    role=role,
                )
                records[info.id] = _Record(info, item["salt"], item["sha256"])
            self._records, self._stamp = records, stamp
        return self._records

    def _save(self, records: dict[str, _Record]) -> None:
        """Write atomically (temporary file, then rename), readable by the owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "version": 1,
            "tokens": [{**asdict(r.info), "salt": r.salt, "sha256": r.sha256} for r in records.values()],
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, self.path)
        self._stamp = None  # force a re-read next time, so this process sees exactly the file

    # -- operations ------------------------------------------------------------------------------

    def issue(self, org: str, label: str = "") -> tuple[str, TokenInfo]:
        """A new token for ``org``: returns the secret token (shown once) and its record."""
        if not _ORG_RE.match(org or ""):
            raise UserError(
                f"'{org}' is not an organisation id (a municipality code like 0580, or 0180-bromma).",
                f"'{org}' är inte ett organisations-id (en kommunkod som 0580, eller 0180-bromma).",
                code="bad-org",
            )
        return self._issue(org, label, ORGANISATION)

    def issue_curator(self, label: str = "") -> tuple[str, TokenInfo]:
        """A new curator token (national decisions, catalogue changes): the secret token and its record."""
        return self._issue("", label, CURATOR)

    def _issue(self, org: str, label: str, role: str) -> tuple[str, TokenInfo]:
        with self._lock:
            records = dict(self._load())
            token_id = secrets.token_hex(6)
            while token_id in records:
                token_id = secrets.token_hex(6)
            secret = secrets.token_urlsafe(32)
            salt = secrets.token_hex(16)
            info = TokenInfo(id=token_id, org=org, created=_now(), label=label, role=role)
            records[token_id] = _Record(info, salt, _digest(salt, secret))
            self._save(records)
        return f"{PREFIX}_{token_id}_{secret}", info

    def list(self, org: str | None = None) -> list[TokenInfo]:
        with self._lock:
            infos = [r.info for r in self._load().values()]
        return sorted(
            (i for i in infos if org is None or i.org == org),
            key=lambda i: (i.role != CURATOR, i.org, i.created, i.id),
        )

    def revoke(self, token_id: str) -> TokenInfo:
        """Mark a token revoked (the record stays, so the list shows when)."""
        with self._lock:
            records = dict(self._load())
            record = records.get(token_id)
            if record is None:
                raise UserError(
                    f"no token with id '{token_id}'. `insatsgraf token list` shows the ids.",
                    f"ingen token med id '{token_id}'. `insatsgraf token list` visar id:na.",
                    code="unknown-token",
                )
            if record.info.revoked is None:
                info = TokenInfo(**{**asdict(record.info), "revoked": _now()})
                records[token_id] = _Record(info, record.salt, record.sha256)
                self._save(records)
            return records[token_id].info

    def verify(self, token: str) -> TokenInfo | None:
        """The token's record if the token is valid and not revoked, else ``None``."""
        match = _TOKEN_RE.match(token.strip())
        with self._lock:
            records = self._load()
        record = records.get(match.group(1)) if match else None
        secret = match.group(2) if match else ""
        salt = record.salt if record else "00" * 16
        expected = record.sha256 if record else "0" * 64
        ok = hmac.compare_digest(_digest(salt, secret), expected)  # same work whether or not the id exists
        if not ok or record is None or not record.info.active:
            return None
        return record.info
