"""The served dumps (``/dumps/insatsgraf.{ext}.gz``): built once per store version, in the background, into files.

The ETag is ``"{ext}-{store.version}"``, known before any work, so a client holding the current dump gets its
304 at once. A missing dump is built by one background thread (one build at a time; requests for the same
dump wait for the same build) from a snapshot of the store (``OxigraphStore.snapshot``: hard links, so the
dump is of one state of the data while writers go on), written by Oxigraph graph by graph through gzip into
``{store}/insatsgraf-dumps/`` and renamed into place when complete; the files of older versions are removed
once a newer one is there. Queries are not held up: Oxigraph reads outside the GIL, the build holds it only
to hand each chunk to zlib, and the endpoint's queries run in worker processes (``sparql.workers``).
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import threading
import uuid
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from insatsgraf.publication.dumps import DUMP_NAME, FORMATS, write_dump
from insatsgraf.sparql.embedded import OxigraphStore

FOLDER = "insatsgraf-dumps"
"""The dumps' folder inside an on-disk store's directory (Oxigraph's RocksDB leaves other files alone)."""


class DumpCache:
    """The gzip dump files of one embedded store, by format and version."""

    def __init__(self, store: OxigraphStore):
        self.store = store
        if store.path is not None and not store.read_only:
            self.folder = store.path / FOLDER
            self.folder.mkdir(exist_ok=True)
            self._own_folder = False
            for left in self.folder.glob(".*"):  # a build's snapshot or part file left by a crash
                if left.is_dir():
                    shutil.rmtree(left, ignore_errors=True)
                else:
                    left.unlink(missing_ok=True)
        else:  # in memory (tests, demos) or read-only: a temporary folder, removed on close
            self.folder = Path(tempfile.mkdtemp(prefix="insatsgraf-dumps-"))
            self._own_folder = True
            weakref.finalize(self, shutil.rmtree, self.folder, True)
        self._builds: dict[tuple[str, str], Future[Path]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insatsgraf-dump")
        store.on_close(self.close)

    @staticmethod
    def etag(fmt: str, version: str) -> str:
        """The ETag of the dump in ``fmt`` of ``version`` (``store.version``): no work."""
        return f'"{FORMATS[fmt].ext}-{version}"'

    def path(self, fmt: str, version: str) -> Path:
        """The finished dump file of ``version`` (the one its ETag named), built now if it is not there."""
        final = self.folder / f"{DUMP_NAME}.{FORMATS[fmt].ext}.{version}.gz"
        if final.exists():
            return final
        with self._lock:
            build = self._builds.get((fmt, version))
            if build is None:
                build = self._pool.submit(self._build, fmt, version, final)
                self._builds[(fmt, version)] = build
        try:
            return build.result()
        finally:
            with self._lock:
                if self._builds.get((fmt, version)) is build and build.done():
                    del self._builds[(fmt, version)]

    def _build(self, fmt: str, version: str, final: Path) -> Path:
        if final.exists():  # an earlier build of the same version finished while this one waited
            return final
        part = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.part")
        snapshot = None
        try:
            source = self.store
            if self.store.path is not None:
                snapshot = self.folder / f".snapshot-{uuid.uuid4().hex[:8]}"
                self.store.snapshot(snapshot)
                source = OxigraphStore(snapshot, base=self.store.base, read_only=True)
            try:
                with (
                    part.open("wb") as raw,
                    gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as out,
                ):
                    write_dump(source, fmt, out)
            finally:
                if source is not self.store:
                    source.close()
            part.replace(final)
        finally:
            part.unlink(missing_ok=True)
            if snapshot is not None:
                shutil.rmtree(snapshot, ignore_errors=True)
        self._remove_older(fmt, final)
        return final

    def _remove_older(self, fmt: str, keep: Path) -> None:
        """The other versions' files of this format (an open download keeps reading its unlinked file)."""
        for old in self.folder.glob(f"{DUMP_NAME}.{FORMATS[fmt].ext}.*.gz"):
            if old != keep:
                old.unlink(missing_ok=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)
