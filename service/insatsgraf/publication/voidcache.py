"""VoID's numbers counted once per store version (``OxigraphStore.version``), like the dumps (``dumpcache``).

A GET of ``/.well-known/void`` asks ``counts(version, timeout)``: a version already counted answers at once;
otherwise one background thread counts it (requests for the same version wait for the same count, never
start their own) and the request waits at most ``timeout`` seconds, then gets ``VoidTimeout`` (the API's 503)
while the count goes on and serves the next request. Only the latest version's counts are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from insatsgraf.publication import void
from insatsgraf.publication.void import VoidCounts
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.store import QueryTimeout


class VoidTimeout(QueryTimeout):
    """The counts of this version were not ready within the request's time; they are still being made."""


class VoidCache:
    """The VoID counts of one embedded store, for its current version."""

    def __init__(self, store: OxigraphStore, counter: Callable[[OxigraphStore], VoidCounts] = void.count):
        self.store = store
        self.counter = counter
        self.runs = 0
        """How many counts were made (the tests check that a repeat GET makes none)."""
        self._done: tuple[str, VoidCounts] | None = None
        self._running: dict[str, Future[VoidCounts]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insatsgraf-void")
        store.on_close(self.close)

    @staticmethod
    def etag(ext: str, version: str) -> str:
        """The ETag of the VoID in the format with extension ``ext`` for ``version``: no work."""
        return f'"void-{ext}-{version}"'

    def counts(self, version: str, timeout: float) -> VoidCounts:
        """The counts of ``version`` (``store.version`` when asked), waiting for them at most ``timeout`` s."""
        with self._lock:
            if self._done is not None and self._done[0] == version:
                return self._done[1]
            running = self._running.get(version)
            if running is None:
                running = self._running[version] = self._pool.submit(self._count, version)
        try:
            return running.result(timeout=timeout)
        except FutureTimeout as exc:
            raise VoidTimeout(f"the VoID counts were not ready within {timeout:g} s") from exc

    def _count(self, version: str) -> VoidCounts:
        try:
            counts = self.counter(self.store)
            with self._lock:
                self.runs += 1
                if self.store.version == version:  # a write during the count: its numbers name no version
                    self._done = (version, counts)
            return counts
        finally:
            with self._lock:
                self._running.pop(version, None)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
