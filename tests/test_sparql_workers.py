"""Hostile queries (issue 12): stopped at their timeout in worker processes, capped in memory, and the
endpoint answering others meanwhile. A real uvicorn server on a loopback port and an on-disk store.

The four hostile queries are cross joins of the bundled data with itself three times (about 10^10 rows):
one that counts (runs for hours in Oxigraph) and one that sorts (takes all memory it can get).
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.config import Settings
from insatsgraf.sparql import media
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.sparql.results import QueryResult
from insatsgraf.sparql.store import (
    Dataset,
    Limits,
    QueryOutOfMemory,
    QuerySyntaxError,
    QueryTimeout,
    ResultsAs,
    TooManyRows,
    Written,
)
from insatsgraf.sparql.terms import term_nt
from insatsgraf.sparql.workers import LOOP_JOB_BYTES, LOOP_READ_BYTES, PIPE_BYTES, WorkerPool, _Died, _Worker
from insatsgraf.submission.bundled import load_bundled
from tests.api_live import live_server

COUNT_ALL = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SORT_ALL = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i ?c LIMIT 1"
HOSTILE = [COUNT_ALL, SORT_ALL, COUNT_ALL, SORT_ALL]
TIMEOUT = 2.0
MEMORY_MB = 512


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    path = tmp_path_factory.mktemp("workers") / "store"
    store = OxigraphStore(path, base=Settings().base)
    load_bundled(store, Settings())
    yield store
    store.close()


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB, ``None`` when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Outcome:
    status: int
    error: str
    seconds: float


def ask(client: httpx.Client, query: str = "ASK {}") -> Outcome:
    started = time.monotonic()
    r = client.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    error = r.json().get("error", "") if r.status_code != 200 else ""
    return Outcome(r.status_code, error, time.monotonic() - started)


def run_hostile(url: str) -> tuple[list[threading.Thread], list[Outcome]]:
    outcomes: list[Outcome] = []

    def one(query: str) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            outcomes.append(ask(client, query))

    threads = [threading.Thread(target=one, args=(q,)) for q in HOSTILE]
    for t in threads:
        t.start()
    return threads, outcomes


def app_for(store: OxigraphStore, tmp_path: Path, workers: int) -> object:
    limits = ServiceLimits(query_timeout=TIMEOUT, query_workers=workers, query_memory_mb=MEMORY_MB)
    return create_app(Settings(), store, limits=limits, tokens=tmp_path / "tokens.json")


def test_ask_answers_while_four_hostile_queries_run(disk_store: OxigraphStore, tmp_path: Path) -> None:
    app = app_for(disk_store, tmp_path, workers=5)
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:  # type: ignore[arg-type]
        assert ask(client).status == 200  # the workers are up
        pool = app.state.evaluator  # type: ignore[attr-defined]
        assert isinstance(pool, WorkerPool)
        # the workers start one after the other (the first alone): wait until all five take queries, so that
        # the four hostile queries land on workers counted here (regression: in CI only one of them was)
        ready_by = time.monotonic() + 60
        while len(pool.serving_pids()) < 5 and time.monotonic() < ready_by:
            time.sleep(0.05)
        before = set(pool.serving_pids())
        assert len(before) == 5, before
        started = time.monotonic()
        threads, hostile = run_hostile(url)
        time.sleep(0.5)
        during = []
        while time.monotonic() - started < TIMEOUT - 0.3:
            during.append(ask(client))
            time.sleep(0.1)
        for t in threads:
            t.join(30)
        after = ask(client)
        settle = time.monotonic() + 3  # the 503 leaves at the deadline; the kill follows within moments
        while len([pid for pid in before if rss_mb(pid) is None]) < 4 and time.monotonic() < settle:
            time.sleep(0.05)
        gone = [pid for pid in before if rss_mb(pid) is None]
        busiest = max((rss_mb(pid) or 0.0) for pid in pool.pids())

    assert during and all(o.status == 200 and o.seconds < 1.0 for o in during), during
    assert [o.status for o in hostile] == [503] * 4, hostile
    assert {o.error for o in hostile} <= {"query-timeout", "query-memory"}
    assert all(o.seconds < TIMEOUT + 1.5 for o in hostile), hostile
    assert after.status == 200 and after.seconds < 1.0, after
    assert len(gone) >= 4, "the hostile queries' workers were killed, not left running"
    assert busiest < MEMORY_MB, f"a worker holds {busiest:.0f} MB, more than its cap"


def test_killed_workers_are_replaced_at_once(disk_store: OxigraphStore, tmp_path: Path) -> None:
    """Four workers, four hostile queries: all four are killed at the timeout, and the next ASK is served
    by the spare at once."""
    app = app_for(disk_store, tmp_path, workers=4)
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:  # type: ignore[arg-type]
        assert ask(client).status == 200
        threads, hostile = run_hostile(url)
        for t in threads:
            t.join(30)
        after = ask(client)
        again = [ask(client) for _ in range(3)]
    assert [o.status for o in hostile] == [503] * 4, hostile
    assert after.status == 200 and after.seconds < 1.0, after
    assert all(o.status == 200 for o in again)


def test_workers_see_each_write(tmp_path: Path) -> None:
    """A snapshot is taken after each write, so a query after a commit sees the new data; old snapshots,
    and those of a server that died, are removed."""
    from rdflib import Graph, Literal, URIRef

    store = OxigraphStore(tmp_path / "store", base=Settings().base)
    stale = tmp_path / ".store-query-snapshots-999999999-x"  # a server killed with -9 left it
    stale.mkdir()
    pool = WorkerPool(store, workers=1, memory_mb=MEMORY_MB)
    assert not stale.exists()
    graph = f"{store.base}graph/test/writes"

    def count() -> int:
        result = pool.evaluate(
            "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", Dataset(), Limits(100, time.monotonic() + 30)
        )
        assert not isinstance(result, list)
        return int(result.rows[0]["n"]["value"])

    try:
        for n in range(1, 4):
            g = Graph()
            for i in range(n):
                g.add((URIRef(f"http://example.org/s{i}"), URIRef("http://example.org/p"), Literal(i)))
            store.replace_graphs({graph: g})
            assert count() == n
        snapshots = [p for p in tmp_path.iterdir() if "query-snapshots" in p.name]
        assert len(snapshots) == 1 and len(list(snapshots[0].iterdir())) == 1, "old snapshots are removed"
    finally:
        store.close()
    assert not [p for p in tmp_path.iterdir() if "query-snapshots" in p.name]


def test_answers_of_every_kind_come_back_whole(disk_store: OxigraphStore) -> None:
    """Through the pool as through the store: rows, booleans, triples (none too), errors; an answer too large
    for the server (here within the worker's cap) is refused by the worker."""
    pool = WorkerPool(disk_store, workers=1, memory_mb=2048)
    try:
        for query in [
            "SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50",
            "ASK { ?s ?p ?o }",
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 20",
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }",
        ]:
            got = pool.evaluate(query, Dataset(), Limits(1000, time.monotonic() + 30))
            want = disk_store.evaluate(query, Dataset(), Limits(1000, time.monotonic() + 30))
            if isinstance(want, list):
                assert isinstance(got, list) and set(map(str, got)) == set(map(str, want))
            else:
                assert got == want
        with pytest.raises(TooManyRows):
            pool.evaluate("SELECT * { ?s ?p ?o }", Dataset(), Limits(5, time.monotonic() + 30))
        with pytest.raises(QuerySyntaxError, match="error at 1:"):
            pool.evaluate("SELECT ?x WHERE { ?x ?y }", Dataset(), Limits(5, time.monotonic() + 30))
        with pytest.raises(QueryOutOfMemory, match="answer is over"):
            pool.evaluate(HUGE_ANSWER, Dataset(), Limits(10_000, time.monotonic() + 60))
        assert pool.evaluate("ASK {}", Dataset(), Limits(5, time.monotonic() + 30)) == QueryResult(
            kind="ask", boolean=True
        )
    finally:
        pool.close()


MARKS = 'SELECT ?v { VALUES ?v { "a},{b" "c\\nd" "<result>" "},{},{" "e" } }'
"""Five rows whose values hold every format's row mark (``media.ROW_MARKS``) once or more."""


@pytest.mark.parametrize("media_type", [media.JSON, media.XML, media.TSV])
def test_answers_written_by_oxigraph_keep_the_limits(disk_store: OxigraphStore, media_type: str) -> None:
    """Issue 16: Oxigraph's serialiser writes SELECT answers (no Python object per term), yet an answer over
    the row limit is still refused, one whose values hold row marks is still answered whole, and one past
    ``FAST_ANSWER_BYTES`` (``HUGE_ANSWER``, 140 MB) still ends as the worker's "too large"."""
    pool = WorkerPool(disk_store, workers=1, memory_mb=2048)
    as_ = ResultsAs(media_type)
    fmt = media.FORMATS[media_type].oxigraph
    assert isinstance(fmt, ox.QueryResultsFormat)

    def rows(answer: object) -> list[list[str]]:
        if isinstance(answer, Written):
            assert answer.media_type == media_type
            return [[str(t) for t in row] for row in ox.parse_query_results(answer.body, format=fmt)]
        assert isinstance(answer, QueryResult)
        return [[term_nt(row[v]) for v in answer.vars] for row in answer.rows]

    try:
        query = "SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50"
        written = pool.evaluate_as(query, Dataset(), Limits(50, time.monotonic() + 30), as_)
        assert isinstance(written, Written), "within the limits Oxigraph writes it"
        assert rows(written) == rows(disk_store.evaluate(query, Dataset(), Limits(50, time.monotonic() + 30)))
        with pytest.raises(TooManyRows):
            pool.evaluate_as("SELECT * { ?s ?p ?o }", Dataset(), Limits(5, time.monotonic() + 30), as_)
        marked = pool.evaluate_as(MARKS, Dataset(), Limits(5, time.monotonic() + 30), as_)
        assert sorted(r[0] for r in rows(marked)) == sorted(
            ['"a},{b"', '"c\\nd"', '"<result>"', '"},{},{"', '"e"']
        )
        with pytest.raises(QueryOutOfMemory, match="answer is over"):
            pool.evaluate_as(HUGE_ANSWER, Dataset(), Limits(10_000, time.monotonic() + 60), as_)
    finally:
        pool.close()


@pytest.mark.parametrize(
    ("media_type", "query", "rows"),
    [
        (media.JSON, "SELECT ?v { VALUES ?v { 1 2 3 } }", 3),
        (media.JSON, "SELECT ?v { FILTER(false) }", 0),
        (media.JSON, "SELECT ?v {}", 1),
        (media.XML, "SELECT ?v { VALUES ?v { 1 2 3 } }", 3),
        (media.XML, "SELECT ?v { FILTER(false) }", 0),
        (media.TSV, "SELECT ?v { VALUES ?v { 1 2 3 } }", 3),
        (media.TSV, "SELECT ?v {}", 1),
        (media.TSV, "SELECT ?v { FILTER(false) }", 0),
    ],
)
def test_rows_are_counted_on_the_bytes(media_type: str, query: str, rows: int) -> None:
    """``media.rows_at_most`` is exact when no value holds a mark, and never under (``MARKS``: JSON over)."""
    fmt = media.FORMATS[media_type].oxigraph
    assert isinstance(fmt, ox.QueryResultsFormat)
    body = ox.Store().query(query).serialize(format=fmt)
    assert body is not None and media.rows_at_most(body, media_type) == rows
    marked = ox.Store().query(MARKS).serialize(format=fmt)
    assert marked is not None and media.rows_at_most(marked, media_type) >= 5


HUGE_ANSWER = (
    'SELECT ?big { ?s ?p ?o BIND(REPLACE(STR(?s), "^.*$", "' + "x" * 100 + '") AS ?a) '
    "BIND(CONCAT(?a, ?a, ?a, ?a, ?a, ?a, ?a, ?a, ?a, ?a) AS ?b) BIND(CONCAT(?b, ?b, ?b, ?b, ?b, ?b, ?b, ?b, ?b, ?b) AS ?c) "
    "BIND(CONCAT(?c, ?c, ?c, ?c, ?c, ?c, ?c, ?c, ?c, ?c) AS ?d) BIND(CONCAT(?d, ?d, ?d, ?d, ?d, ?d, ?d, ?d, ?d, ?d) AS ?e) "
    "BIND(CONCAT(?e, ?e) AS ?big) } LIMIT 700"
)
"""700 rows of 200 000 characters each: 140 MB within the row limit."""


def until_idle(pool: WorkerPool, seconds: float = 30) -> None:
    """Wait until a worker is idle again (a killed one is replaced by the spare, then a new spare starts)."""
    deadline = time.monotonic() + seconds
    while not pool.serving_pids() or pool._idle.empty():
        assert time.monotonic() < deadline, "no worker became idle"
        time.sleep(0.05)


async def answered(pool: WorkerPool, query: str, results_as: ResultsAs | None, limits: Limits) -> object:
    """``evaluate_async``'s answer, a decline (``None``) retried: while a worker starts, the pool's lock is
    taken now and then, and a request then rightly takes the thread path instead."""
    deadline = time.monotonic() + 10
    while (got := await pool.evaluate_async(query, Dataset(), limits, results_as)) is None:
        assert time.monotonic() < deadline, "declined for 10 s"
        await asyncio.sleep(0.05)
    return got


def test_awaited_in_the_event_loop_as_in_a_thread(disk_store: OxigraphStore) -> None:
    """Issue 16: ``evaluate_async`` (the endpoint's path: no thread per query) answers what ``evaluate_as``
    answers, an answer over ``LOOP_READ_BYTES`` (read in a thread) and errors included; it declines (``None``)
    what must wait, a text over ``LOOP_JOB_BYTES`` or no idle worker; and the worker of a query past its
    deadline, or whose request was cancelled, is killed, so no later query reads its reply."""
    pool = WorkerPool(disk_store, workers=1, memory_mb=2048)
    as_json = ResultsAs(media.JSON)
    big = HUGE_ANSWER.replace("LIMIT 700", "LIMIT 30")  # 6 MB

    def limits(seconds: float = 30) -> Limits:
        return Limits(1000, time.monotonic() + seconds)

    async def taken() -> None:
        """Until the worker has a query (no worker idle)."""
        while not pool._idle.empty():
            await asyncio.sleep(0.01)

    async def scenario() -> None:
        for query, results_as in [
            ("SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50", as_json),
            ("SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 50", None),
            ("ASK { ?s ?p ?o }", as_json),
            (big, as_json),
        ]:
            got = await answered(pool, query, results_as, limits())
            assert got == pool.evaluate_as(query, Dataset(), limits(), results_as)
        assert isinstance(got, Written) and len(got.body) > LOOP_READ_BYTES
        triples = await answered(pool, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 20", None, limits())
        assert isinstance(triples, list) and len(triples) == 20
        with pytest.raises(TooManyRows):
            await answered(pool, "SELECT * { ?s ?p ?o }", None, Limits(5, time.monotonic() + 30))
        with pytest.raises(QuerySyntaxError):
            await answered(pool, "SELECT ?x WHERE { ?x ?y }", None, limits())
        long_text = "ASK {}" + " " * LOOP_JOB_BYTES
        assert await pool.evaluate_async(long_text, Dataset(), limits(), None) is None
        assert pool.evaluate_as(long_text, Dataset(), limits(), None) == QueryResult(kind="ask", boolean=True)

        busy = asyncio.create_task(answered(pool, COUNT_ALL, None, limits(1.5)))
        await taken()
        first = pool.serving_pids()
        assert await pool.evaluate_async("ASK {}", Dataset(), limits(), None) is None, (
            "its only worker is busy"
        )
        with pytest.raises(QueryTimeout):
            await busy
        assert not set(first) & set(pool.serving_pids()), "the worker past its deadline was killed"

        until_idle(pool)
        before = pool.serving_pids()
        asked = asyncio.create_task(answered(pool, COUNT_ALL, None, limits()))
        await taken()
        await asyncio.sleep(0.1)
        asked.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asked
        assert not set(before) & set(pool.pids()), "the worker of a cancelled request was killed"
        until_idle(pool)
        last = "ASK { FILTER(false) }"
        assert await answered(pool, last, as_json, limits()) == pool.evaluate_as(
            last, Dataset(), limits(), as_json
        )

    try:
        pool.evaluate("ASK {}", Dataset(), limits())  # a worker ready and a snapshot made
        asyncio.run(scenario())
    finally:
        pool.close()


def test_awaited_queries_wait_for_a_new_snapshot_in_a_thread(tmp_path: Path) -> None:
    """After a write the next snapshot is made by ``evaluate_as`` (tens of milliseconds, not in the event
    loop): ``evaluate_async`` declines until then, and then sees the write."""
    from rdflib import Graph, Literal, URIRef

    store = OxigraphStore(tmp_path / "store", base=Settings().base)
    pool = WorkerPool(store, workers=1, memory_mb=MEMORY_MB)
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"

    def limits() -> Limits:
        return Limits(100, time.monotonic() + 30)

    try:
        assert pool.evaluate(count, Dataset(), limits()) == QueryResult(
            kind="select",
            vars=["n"],
            rows=[{"n": {"type": "literal", "value": "0", "datatype": XSD_INTEGER}}],
        )
        g = Graph()
        g.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(1)))
        store.replace_graphs({f"{store.base}graph/test/async": g})
        assert asyncio.run(pool.evaluate_async(count, Dataset(), limits(), None)) is None
        pool.evaluate("ASK {}", Dataset(), limits())
        answer = asyncio.run(answered(pool, count, None, limits()))
        assert isinstance(answer, QueryResult) and answer.rows[0]["n"]["value"] == "1"

        held, free = threading.Event(), threading.Event()

        def make_snapshot() -> None:  # as a request in a thread does after a write, holding the pool's lock
            with pool._lock:
                held.set()
                free.wait(10)

        maker = threading.Thread(target=make_snapshot)
        maker.start()
        held.wait(10)
        started = time.monotonic()
        assert asyncio.run(pool.evaluate_async(count, Dataset(), limits(), None)) is None
        assert time.monotonic() - started < 1, "the event loop waited for the lock"
        free.set()
        maker.join()

        async def written_meanwhile() -> None:
            """A query reads the old snapshot while a write and a query in a thread make a new one; when it
            ends, the old snapshot's folder is removed (in a thread: not in the event loop)."""
            slow = asyncio.create_task(
                answered(pool, COUNT_VALUES, None, Limits(100, time.monotonic() + 1.5))
            )
            await asyncio.sleep(0.3)
            await asyncio.to_thread(store.replace_graphs, {f"{store.base}graph/test/async": None})
            await asyncio.to_thread(pool.evaluate, "ASK {}", Dataset(), Limits(5, time.monotonic() + 30))
            with pytest.raises(QueryTimeout):
                await slow

        asyncio.run(written_meanwhile())
        folder = pool._folder
        deadline = time.monotonic() + 10
        while len(list(folder.iterdir())) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(list(folder.iterdir())) == 1, "the old snapshot is removed once no query reads it"
    finally:
        pool.close()
        store.close()


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
COUNT_VALUES = (
    "SELECT (COUNT(*) AS ?n) { "
    + " ".join(f"VALUES ?v{i} {{ {' '.join(map(str, range(100)))} }}" for i in range(5))
    + " }"
)
"""10^10 rows on any store, even an empty one: runs for hours."""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
def test_replies_cross_a_wide_pipe(disk_store: OxigraphStore) -> None:
    """Issue 16: the pipe of replies holds ``PIPE_BYTES`` (a 64 kB one took a 1.4 MB answer 22 turns)."""
    import fcntl

    pool = WorkerPool(disk_store, workers=1, memory_mb=MEMORY_MB)
    try:
        pool.evaluate("ASK {}", Dataset(), Limits(5, time.monotonic() + 30))
        (worker,) = [w for w in pool._all if w.started and not w.spare]
        assert fcntl.fcntl(worker._recv.fileno(), fcntl.F_GETPIPE_SZ) == PIPE_BYTES
    finally:
        pool.close()


def test_a_killed_workers_pipe_reads_as_died() -> None:
    """Regression (CI, f42cc36): a worker killed while its start was awaited (the pool closing) raised
    ``OSError: handle is closed`` in the start thread; reading a closed pipe is ``_Died``, on both paths."""
    worker = _Worker(MEMORY_MB)
    worker.kill()
    assert worker.wait_ready(time.monotonic() + 5) is False
    with pytest.raises(_Died):
        worker._reply(time.monotonic() + 5)
    with pytest.raises(_Died):
        asyncio.run(worker.reply_async(time.monotonic() + 5))
