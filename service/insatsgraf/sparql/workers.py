"""Evaluating untrusted queries in worker processes: really stopped at the deadline, capped in memory (issue 12).

Oxigraph cannot stop a running evaluation, and a thread cannot be killed, so a query that never ends held its
thread (and its slot) after the endpoint had answered 503, and a cross join with ``ORDER BY`` could take all
the server's memory. ``WorkerPool.evaluate`` instead hands each query to one of ``workers`` processes, each
running one query at a time under ``RLIMIT_AS`` (``memory_mb``); at the deadline the process is killed and a
spare, started ahead, takes its place at once (a new spare starts: ``workers + 1`` processes in all, about
60 MB resident each when idle). A worker that dies (Oxigraph aborts when an allocation fails under the cap)
is replaced the same way and the query answers ``QueryOutOfMemory``; so does an answer over
``MAX_ANSWER_BYTES``, which the server would otherwise have to hold.

Workers read a *snapshot* of the on-disk store, without its personal graphs unless the deployment exposes
them (``OxigraphStore.snapshot``), opened with ``pyoxigraph.Store.read_only``: a read-only
handle sees the data as they were when it was opened, and opening one on a directory another process writes
is undefined behaviour. So after each write (``OxigraphStore.generation`` changes) the first query makes a
snapshot with ``Store.backup`` — hard links to the store's immutable files, 6 ms for the bundled data — and
workers reopen it (35 ms) when their next query names a newer one: the first query after a write takes about
50 ms, the others 2–3 ms more than in a thread (13 ms against 10.5 for a catalogue-sized SELECT). A snapshot no running query uses is
removed. Snapshots live in a temporary folder beside the store (same file system, so the links are cheap).

The endpoint awaits a worker in its event loop (``evaluate_async``: the job written to an idle worker, its
pipe watched by the loop), not in a thread per query; that took about 0.25 ms of every request (issue 16).
What would hold the loop up goes through ``evaluate_as`` in a thread instead: no idle worker to wait for, a
snapshot to make, a long query text; a reply over ``LOOP_READ_BYTES`` is read in a thread.

Workers have no network (``sparql.sandbox``, a seccomp filter on Linux): the parse refuses ``SERVICE``
(``sparql.parse``), and should a parser ever misread a query, pyoxigraph in a worker still cannot connect.

Messages are JSON (no pickle): a query goes in; SELECT rows come back as SPARQL-JSON terms, ASK as a
boolean, CONSTRUCT/DESCRIBE as N-Triples bytes. When the endpoint names the results format its client
accepts (``results_as``), a SELECT or ASK answer comes back already written in it (``Written``: by
Oxigraph's serialiser, ``OxigraphStore.evaluate_as``, or else by the same ``media.write_results`` the
endpoint would call): the endpoint sends those bytes as they are instead of reading the rows and writing
them again (up to 70 ms for the catalogue's larger answers, issue 16). An in-memory store cannot be shared with another process, so
``evaluator_for`` keeps it on the thread path (``OxigraphStore.evaluate`` in the endpoint's thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import queue
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox

from insatsgraf.sparql import media
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.results import QueryResult
from insatsgraf.sparql.sandbox import deny_network
from insatsgraf.sparql.store import (
    Answer,
    BadDatasetIri,
    Dataset,
    Limits,
    PersonalDataHidden,
    QueryIsUpdate,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    ResultsAs,
    ServiceNotAllowed,
    StoreError,
    TooManyRows,
    Written,
)

DEFAULT_MEMORY_MB = 1024
"""Address space of one worker (``RLIMIT_AS``): Python, rdflib and pyoxigraph reserve about 230 MB of it
before any query (with two malloc arenas; 560 MB with glibc's default of eight per core)."""
START_TIMEOUT = 30.0
"""Seconds a new worker may take to import its modules and say it is ready."""
REST_DELAY = 3.0
"""Seconds the other workers wait after the first is ready, unless it answers a query sooner: on a busy
machine (2 cores here) four more processes importing at once would slow the first answer (issue 16)."""
MAX_ANSWER_BYTES = 128 * 1024 * 1024
"""Largest answer a worker hands back (rows within ``max_rows`` can still be huge strings): the server's own
memory must not be what a query's answer takes. Larger → ``QueryOutOfMemory``."""

LOOP_READ_BYTES = 4 * 1024 * 1024
"""Largest reply message ``evaluate_async`` reads in the event loop (the worker writes it at once: about 1 ms
for this size); a larger one is read in a thread, so that other requests are not held up meanwhile."""
LOOP_JOB_BYTES = 32 * 1024
"""Largest job ``evaluate_async`` writes in the event loop: it fits a pipe's buffer, so the write returns at
once. A longer query text (up to the upload limit) goes through ``evaluate_as`` in a thread."""

_ERRORS: dict[str, type[StoreError]] = {
    cls.__name__: cls
    for cls in (
        BadDatasetIri,
        PersonalDataHidden,
        QueryIsUpdate,
        QueryOutOfMemory,
        QuerySyntaxError,
        QueryTimeout,
        ServiceNotAllowed,
        TooManyRows,
        StoreError,
    )
}


class Evaluator(Protocol):
    """What the endpoint needs: the ``evaluate`` half of ``Store``."""

    def evaluate(self, sparql: str, dataset: Dataset, limits: Limits) -> Answer: ...

    def evaluate_as(
        self, sparql: str, dataset: Dataset, limits: Limits, results_as: ResultsAs | None
    ) -> Answer | Written: ...


@runtime_checkable
class AsyncEvaluator(Evaluator, Protocol):
    """An evaluator whose queries can be awaited in the event loop, without a thread per query."""

    async def evaluate_async(
        self, sparql: str, dataset: Dataset, limits: Limits, results_as: ResultsAs | None
    ) -> Answer | Written | None: ...


def evaluator_for(store: Any, workers: int, memory_mb: int, *, expose_personal: bool = False) -> Evaluator:
    """Worker processes for a writable on-disk embedded store; the store itself (threads) otherwise."""
    if isinstance(store, OxigraphStore) and store.path is not None and not store.read_only and workers > 0:
        return WorkerPool(store, workers=workers, memory_mb=memory_mb, expose_personal=expose_personal)
    return store  # type: ignore[no-any-return]


@dataclass
class _Snapshot:
    generation: int
    path: Path
    users: int = 0


class _Died(Exception):
    """The worker's pipe closed: it crashed, or aborted when an allocation failed under its memory cap."""


PIPE_BYTES = 1024 * 1024
"""What the pipe of replies holds (Linux's default is 64 kB): a 1.4 MB answer crossed a 64 kB pipe in 22
turns, each waking the worker and the server, about 7 ms in all (issue 16). Linux lets an unprivileged
process ask for up to ``/proc/sys/fs/pipe-max-size`` (1 MB by default); where it cannot, the default stays."""


def _widen(fd: int) -> None:
    try:
        import fcntl  # (POSIX; F_SETPIPE_SZ on Linux only)
    except ImportError:
        return
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _settle(readable: asyncio.Future[None]) -> None:
    if not readable.done():
        readable.set_result(None)


def _read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes from the pipe; ``_Died`` if it closes first."""
    parts: list[bytes] = []
    while size:
        try:
            chunk = os.read(fd, min(size, 1 << 20))
        except OSError as exc:
            raise _Died() from exc
        if not chunk:
            raise _Died()
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def _read_size(fd: int) -> int:
    """The length of the next message, framed as ``multiprocessing.connection.Connection.send_bytes`` frames
    it (a 4-byte big-endian length, or -1 and 8 bytes); ``_Died`` past ``MAX_ANSWER_BYTES``."""
    (size,) = struct.unpack("!i", _read_exactly(fd, 4))
    if size == -1:
        (size,) = struct.unpack("!Q", _read_exactly(fd, 8))
    if size < 0 or size > MAX_ANSWER_BYTES + 1024:
        raise _Died()
    return int(size)


def _read_message(fd: int) -> bytes:
    return _read_exactly(fd, _read_size(fd))


async def _read_message_async(fd: int) -> bytes:
    """``_read_message`` in the event loop (the worker writes a message at once), over ``LOOP_READ_BYTES`` in a
    thread, so that other requests are not held up while it crosses."""
    size = _read_size(fd)
    if size > LOOP_READ_BYTES:
        return await asyncio.to_thread(_read_exactly, fd, size)
    return _read_exactly(fd, size)


def _head(message: bytes) -> dict[str, Any]:
    """A reply's head; a message that is not JSON means the worker is broken (``_Died``)."""
    try:
        head = json.loads(message)
    except ValueError as exc:
        raise _Died() from exc
    if not isinstance(head, dict):
        raise _Died()
    return head


class _Worker:
    """One child process and the two pipe ends that talk to it."""

    def __init__(self, memory_mb: int):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        _widen(from_child_w)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "insatsgraf.sparql.workers", str(memory_mb)],
                stdin=to_child_r,
                stdout=from_child_w,
                close_fds=True,
                # malloc arenas reserve address space the cap counts; an abort at the cap logs one line
                env={**os.environ, "MALLOC_ARENA_MAX": "2", "RUST_BACKTRACE": "0"},
                start_new_session=True,  # Ctrl-C on the server does not reach a worker mid-query
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._send = Connection(to_child_w, readable=False)
        self._recv = Connection(from_child_r, writable=False)
        self.ready = False
        self.sandboxed = False
        """No network sockets (``sparql.sandbox``): known once it is ready."""
        self.spare = False
        self.started = False
        """Ready, and so handed to the idle queue (or kept as the spare): set under the pool's lock."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, deadline: float) -> bool:
        if not self.ready:
            try:
                message = self._reply(deadline)
            except _Died:
                return False
            self.ready = message is not None and message[0].get("ready") is True
            self.sandboxed = message is not None and message[0].get("sandboxed") is True
        return self.ready

    def ask(self, job: dict[str, Any], deadline: float) -> tuple[dict[str, Any], bytes] | None:
        """Send one job; its reply, or ``None`` if the deadline passed; ``_Died`` if the worker died."""
        self.send(json.dumps(job).encode("utf-8"))
        return self._reply(deadline)

    def send(self, job: bytes) -> None:
        try:
            self._send.send_bytes(job)
        except OSError as exc:
            raise _Died() from exc

    def _reply(self, deadline: float) -> tuple[dict[str, Any], bytes] | None:
        """The next message; ``None`` at the deadline; ``_Died`` when the pipe closes (the process ended)."""
        try:
            if not self._recv.poll(max(0.0, deadline - time.monotonic())):
                return None
        except (EOFError, OSError) as exc:
            raise _Died() from exc
        fd = self._fd()
        head = _head(_read_message(fd))
        return head, _read_message(fd) if head.get("body") else b""

    async def reply_async(self, deadline: float) -> tuple[dict[str, Any], bytes] | None:
        """``_reply`` awaited in the event loop: woken when the pipe is readable, not by a thread."""
        loop = asyncio.get_running_loop()
        fd = self._fd()
        readable: asyncio.Future[None] = loop.create_future()
        loop.add_reader(fd, _settle, readable)
        try:
            await asyncio.wait_for(readable, max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return None
        finally:
            loop.remove_reader(fd)
            os.set_blocking(fd, True)  # (the loop made it non-blocking; the reads below wait for the rest)
        head = _head(await _read_message_async(fd))
        return head, await _read_message_async(fd) if head.get("body") else b""

    def _fd(self) -> int:
        """The pipe of replies; ``_Died`` once ``kill`` has closed it (the pool may close meanwhile)."""
        try:
            return self._recv.fileno()
        except OSError as exc:
            raise _Died() from exc

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        for conn in (self._send, self._recv):
            with contextlib.suppress(OSError):
                conn.close()


def _shutdown(workers: set[_Worker], folder: Path) -> None:
    for worker in list(workers):
        worker.kill()
    shutil.rmtree(folder, ignore_errors=True)


class WorkerPool:
    """``workers`` processes evaluating queries on snapshots of ``store``; see the module text."""

    def __init__(
        self,
        store: OxigraphStore,
        *,
        workers: int = 4,
        memory_mb: int = DEFAULT_MEMORY_MB,
        expose_personal: bool = False,
    ):
        assert store.path is not None, "an in-memory store cannot be read by another process"
        self.store = store
        self.memory_mb = memory_mb
        self.expose_personal = expose_personal
        """Whether the snapshots keep the personal graphs (``serve --expose-personal-data``); by default
        they are removed from them (``OxigraphStore.snapshot``)."""
        prefix = f".{store.path.name}-query-snapshots-"
        for stale in store.path.parent.glob(
            f"{prefix}*"
        ):  # left by a server killed with -9: one writer a store
            shutil.rmtree(stale, ignore_errors=True)
        self._folder = Path(tempfile.mkdtemp(prefix=prefix, dir=store.path.parent))
        self._lock = threading.RLock()
        self._snapshots: list[_Snapshot] = []
        self._numbers = itertools.count()
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()  # the last used is warm
        self._all: set[_Worker] = set()
        self._closed = False
        self._answered = threading.Event()
        """The pool has answered a query: the other workers may start (``_start_rest``)."""
        first = self._spawn()
        self._spare: _Worker | None = None
        """Started ahead (by ``_start_rest``): it takes a killed worker's place at once, and a new spare starts."""
        threading.Thread(
            target=self._start_rest, args=(first, workers - 1), name="sparql-worker-start", daemon=True
        ).start()
        self._finalizer = weakref.finalize(self, _shutdown, self._all, self._folder)
        store.on_close(self.close)

    # -- processes -------------------------------------------------------------------------------

    def _spawn(self, *, spare: bool = False) -> _Worker:
        """Start a process; a thread waits until it is ready and then makes it idle (a spare waits)."""
        worker = _Worker(self.memory_mb)
        worker.spare = spare
        with self._lock:
            self._all.add(worker)
        threading.Thread(target=self._warm, args=(worker,), name="sparql-worker-start", daemon=True).start()
        return worker

    def _warm(self, worker: _Worker) -> None:
        if not worker.wait_ready(time.monotonic() + START_TIMEOUT):
            self._retire(worker)
            return
        with self._lock:
            worker.started = True
            if not worker.spare and not self._closed:
                self._idle.put(worker)

    def _start(self) -> None:
        self._spawn()

    def _start_rest(self, first: _Worker, count: int) -> None:
        """The other workers and the spare start once the first has answered a query (or ``REST_DELAY`` after it
        is ready), so that on a busy machine the first query does not wait for all of them to import and warm
        up at once (serve answers sooner)."""
        deadline = time.monotonic() + START_TIMEOUT
        while not first.started and first in self._all and time.monotonic() < deadline and not self._closed:
            time.sleep(0.02)
        if first.started:
            self._answered.wait(REST_DELAY)
        with self._lock:
            if self._closed:
                return
            for _ in range(count):
                self._start()
            if self._spare is None:  # (a worker retired meanwhile has already started one)
                self._spare = self._spawn(spare=True)

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker that overran or died; the spare takes its place and a new spare starts."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                return
            spare, self._spare = self._spare, self._spawn(spare=True)
            if spare is None:  # the pool is still starting: a new worker instead
                self._start()
                return
            spare.spare = False
            if spare.started:
                self._idle.put(spare)  # else its start thread makes it idle when it is ready

    def sandboxed(self) -> bool:
        """Do all started workers run without network sockets?"""
        with self._lock:
            started = [w for w in self._all if w.started]
        return bool(started) and all(w.sandboxed for w in started)

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and monitoring)."""
        with self._lock:
            return sorted(w.pid for w in self._all)

    def serving_pids(self) -> list[int]:
        """The ids of the workers that are ready and take queries (not the spare, not those still starting)."""
        with self._lock:
            return sorted(w.pid for w in self._all if w.started and not w.spare)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._finalizer()

    # -- snapshots -------------------------------------------------------------------------------

    def _snapshot(self, *, make: bool = True) -> _Snapshot | None:
        """The newest snapshot, made now if the store was written since the last one; counted as in use.
        Unless ``make``, ``None`` where that would wait: a snapshot to make (the backup takes tens of
        milliseconds) or one being made."""
        if not self._lock.acquire(blocking=make):
            return None
        try:
            generation = self.store.generation  # read before the backup: a later write only makes it newer
            current = self._snapshots[-1] if self._snapshots else None
            if current is None or current.generation != generation:
                if not make:
                    return None
                path = self._folder / f"{generation}-{next(self._numbers)}"
                self.store.snapshot(path, without_personal=not self.expose_personal)
                current = _Snapshot(generation, path)
                self._snapshots.append(current)
            current.users += 1
            return current
        finally:
            self._lock.release()

    def _release(self, snapshot: _Snapshot, *, wait: bool = True) -> bool:
        """One query fewer reads ``snapshot``; the snapshots no query reads, but the newest, are removed. Unless
        ``wait``, ``False`` (and nothing done) where that would wait for the lock or remove a folder."""
        if not self._lock.acquire(blocking=wait):
            return False
        try:
            newest = self._snapshots[-1]
            unused = [
                s for s in self._snapshots if s is not newest and s.users == (1 if s is snapshot else 0)
            ]
            if unused and not wait:
                return False
            snapshot.users -= 1
            for old in unused:
                self._snapshots.remove(old)
                shutil.rmtree(old.path, ignore_errors=True)
            return True
        finally:
            self._lock.release()

    # -- evaluation ------------------------------------------------------------------------------

    def evaluate(self, sparql: str, dataset: Dataset, limits: Limits) -> Answer:
        answer = self.evaluate_as(sparql, dataset, limits, None)
        assert not isinstance(answer, Written)
        return answer

    def evaluate_as(
        self, sparql: str, dataset: Dataset, limits: Limits, results_as: ResultsAs | None
    ) -> Answer | Written:
        """The answer; a SELECT or ASK one already written when ``results_as`` says how (``Written``)."""
        snapshot = self._snapshot()
        assert snapshot is not None
        try:
            try:  # only started workers are idle
                worker = self._idle.get(timeout=max(0.0, limits.deadline - time.monotonic()))
            except queue.Empty:
                raise QueryTimeout() from None
            try:
                reply = worker.ask(self._job(snapshot, sparql, dataset, limits, results_as), limits.deadline)
            except _Died:
                self._retire(worker)
                raise self._died(worker) from None
        finally:
            self._release(snapshot)
        return self._answered_by(worker, reply)

    async def evaluate_async(
        self, sparql: str, dataset: Dataset, limits: Limits, results_as: ResultsAs | None
    ) -> Answer | Written | None:
        """``evaluate_as`` awaited in the event loop: the job is written to an idle worker and its pipe awaited
        there, with no thread per query (about 0.25 ms less a request, issue 16). ``None`` when it cannot start
        at once (no worker idle, a snapshot to make or being made, a text over ``LOOP_JOB_BYTES``): the caller runs
        ``evaluate_as`` in a thread, which waits for those. ``limits.cancel`` is not read: at the deadline the
        worker is killed, as it is when the awaiting request is cancelled."""
        if len(sparql) + len(dataset.checked_as or "") > LOOP_JOB_BYTES // 4:  # (4 bytes a character at most)
            return None
        snapshot = self._snapshot(make=False)
        if snapshot is None:
            return None
        try:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return None
            try:
                job = json.dumps(self._job(snapshot, sparql, dataset, limits, results_as)).encode("utf-8")
                if len(job) > LOOP_JOB_BYTES:
                    self._idle.put(worker)
                    return None
                worker.send(job)
                reply = await worker.reply_async(limits.deadline)
            except _Died:
                await asyncio.to_thread(self._retire, worker)
                raise self._died(worker) from None
            except asyncio.CancelledError:  # its reply would be read by the next query: the worker goes
                self._retire(worker)
                raise
        finally:
            if not self._release(snapshot, wait=False):  # (removing an old snapshot's folder: in a thread)
                asyncio.get_running_loop().run_in_executor(None, self._release, snapshot)
        if reply is None:
            await asyncio.to_thread(self._retire, worker)
            raise QueryTimeout()
        return self._answered_by(worker, reply)

    def _job(
        self,
        snapshot: _Snapshot,
        sparql: str,
        dataset: Dataset,
        limits: Limits,
        results_as: ResultsAs | None,
    ) -> dict[str, Any]:
        return {
            "store": str(snapshot.path),
            "base": self.store.base,
            "query": sparql,
            "default": dataset.default,
            "named": dataset.named,
            "history": dataset.include_history,
            "base_iri": dataset.base_iri,
            "expose_personal": dataset.expose_personal,
            "checked_as": dataset.checked_as,
            "max_rows": limits.max_rows,
            "deadline": limits.deadline,
            "results_as": results_as.media_type if results_as else None,
            "for_spreadsheets": bool(results_as and results_as.for_spreadsheets),
        }

    @staticmethod
    def _died(worker: _Worker) -> QueryOutOfMemory:
        return QueryOutOfMemory(f"the query's worker stopped (exit {worker.process.returncode})")

    def _answered_by(self, worker: _Worker, reply: tuple[dict[str, Any], bytes] | None) -> Answer | Written:
        """The answer of a reply, the worker idle again; at the deadline (``None``) the worker is retired."""
        if reply is None:
            self._retire(worker)
            raise QueryTimeout()
        self._idle.put(worker)
        self._answered.set()
        return _answer(*reply)


def _answer(head: dict[str, Any], body: bytes) -> Answer | Written:
    if "error" in head:
        raise _ERRORS.get(head["error"], StoreError)(head.get("message", ""))
    kind = head["kind"]
    if kind == "written":
        return Written(head["media_type"], body)
    if kind == "ask":
        return QueryResult(kind="ask", boolean=bool(head["boolean"]))
    if kind == "select":
        return QueryResult(kind="select", vars=head["vars"], rows=head["rows"])
    return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


# -- the worker process ----------------------------------------------------------------------------


_OUT_OF_MEMORY = {"error": "QueryOutOfMemory", "message": "the query needed more memory than its worker has"}


def _too_large() -> dict[str, Any]:
    return {"error": "QueryOutOfMemory", "message": f"the answer is over {MAX_ANSWER_BYTES >> 20} MB"}


def _evaluate(store: OxigraphStore, job: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """One job's reply: a JSON head and, for triples, N-Triples bytes; never raises ``MemoryError``."""
    dataset = Dataset(
        job["default"],
        job["named"],
        job["history"],
        job.get("base_iri"),
        job.get("expose_personal", False),
        job.get("checked_as"),
    )
    limits = Limits(job["max_rows"], job["deadline"])
    results_as = (
        ResultsAs(job["results_as"], bool(job.get("for_spreadsheets"))) if job.get("results_as") else None
    )
    try:
        answer = store.evaluate_as(job["query"], dataset, limits, results_as)
        if isinstance(answer, Written):
            return {"kind": "written", "media_type": answer.media_type, "body": True}, answer.body
        if isinstance(answer, list):
            data = ox.serialize(answer, format=ox.RdfFormat.N_TRIPLES) or b""
            return (
                ({"kind": "graph", "body": True}, data)
                if len(data) <= MAX_ANSWER_BYTES
                else (_too_large(), b"")
            )
        size = sum(len(term["value"]) + 64 for row in answer.rows for term in row.values())
        if size > MAX_ANSWER_BYTES:
            return _too_large(), b""
        if job.get("results_as") in media.RESULT_TYPES:
            written = media.write_results(
                answer, job["results_as"], for_spreadsheets=bool(job.get("for_spreadsheets"))
            )
            if len(written) > MAX_ANSWER_BYTES:
                return _too_large(), b""
            return {"kind": "written", "media_type": job["results_as"], "body": True}, written
        if answer.kind == "ask":
            return {"kind": "ask", "boolean": bool(answer.boolean)}, b""
        return {"kind": "select", "vars": answer.vars, "rows": answer.rows}, b""
    except StoreError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}, b""
    except MemoryError:
        return dict(_OUT_OF_MEMORY), b""


def _serve(memory_mb: int) -> None:
    """The worker's loop: one job at a time from stdin, one reply on the original stdout, until EOF."""
    import resource

    if memory_mb > 0:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    sandboxed = deny_network()  # before any thread starts: a SERVICE call cannot connect (sparql.sandbox)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inbox = Connection(os.dup(0), writable=False)
    outbox = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # a stray print must not corrupt the replies
    from insatsgraf.sparql.parse import check_query

    check_query("ASK {}")  # builds rdflib's grammar now, not during the first query
    outbox.send_bytes(json.dumps({"ready": True, "sandboxed": sandboxed}).encode("utf-8"))
    store: OxigraphStore | None = None
    opened = ""
    while True:
        try:
            job = json.loads(inbox.recv_bytes())
        except EOFError:
            return
        try:
            if store is None or job["store"] != opened:
                if store is not None:
                    store.close()
                store, opened = None, ""
                store, opened = OxigraphStore(job["store"], base=job["base"], read_only=True), job["store"]
            head, body = _evaluate(store, job)
        except Exception as exc:  # noqa: BLE001 - reported to the endpoint; the worker goes on
            head, body = {"error": "StoreError", "message": f"{type(exc).__name__}: {exc}"}, b""
        try:
            message = json.dumps(head).encode("utf-8")
        except MemoryError:
            head, body = dict(_OUT_OF_MEMORY), b""
            message = json.dumps(head).encode("utf-8")
        if len(message) > MAX_ANSWER_BYTES:  # string escapes can make JSON longer than the values
            head, body = _too_large(), b""
            message = json.dumps(head).encode("utf-8")
        outbox.send_bytes(message)
        if head.get("body"):
            outbox.send_bytes(body)


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MEMORY_MB)
