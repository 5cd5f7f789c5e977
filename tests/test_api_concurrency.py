"""Readers during commits: parallel clients querying while submissions replace an organisation's data see the
old or the new list, never a mix, and get no errors. A real uvicorn server, an on-disk store, real sockets.

Two versions of Linköping's list differ in length and carry a marker in every description; each reader asks,
in one query, for the markers and the number of offerings, so a torn read would show two markers or a
count that does not belong to its marker.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from insatsgraf.api import create_app
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled
from tests.api_live import live_server

SUBMISSION = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
READERS = 8
COMMITS = 6


def version(marker: str, count: int) -> bytes:
    with SUBMISSION.open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))[:count]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({**record, "beskrivning": f"{marker}: {record['beskrivning']}"})
    return out.getvalue().encode("utf-8")


def view_query(base: str) -> str:
    return f"""PREFIX ig: <https://w3id.org/insatsgraf/def#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?marker (COUNT(DISTINCT ?o) AS ?n) WHERE {{
  ?o a ig:Offering ; ig:offeredBy <{iris.organisation("0580", base)}> ; dct:description ?d .
  BIND(STRBEFORE(STR(?d), ":") AS ?marker)
}} GROUP BY ?marker"""


def test_readers_see_old_or_new_never_a_mix(tmp_path: Path) -> None:
    settings = Settings().with_(store=str(tmp_path / "store"))
    store = OxigraphStore(tmp_path / "store", base=settings.base)
    load_bundled(store, settings)
    registry = TokenRegistry(tmp_path / "tokens.json")
    token, _ = registry.issue("0580")
    versions = {"VERSION-A": 20, "VERSION-B": 9}
    bodies = {marker: version(marker, n) for marker, n in versions.items()}
    query = view_query(settings.base)

    views: Counter[tuple[tuple[str, int], ...]] = Counter()
    errors: list[str] = []
    done = threading.Event()
    lock = threading.Lock()

    def reads() -> int:
        with lock:
            return sum(views.values())

    def reader() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not done.is_set():
                try:
                    r = client.post("/sparql", data={"query": query})
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if r.status_code != 200:
                    errors.append(f"{r.status_code}: {r.text[:200]}")
                    continue
                rows = r.json()["results"]["bindings"]
                view = tuple(sorted((b["marker"]["value"], int(b["n"]["value"])) for b in rows))
                with lock:
                    views[view] += 1

    try:
        with live_server(create_app(settings, store, tokens=registry)) as url:
            with httpx.Client(base_url=url, timeout=60) as writer:
                first = writer.post(
                    "/organisations/0580/submissions",
                    content=bodies["VERSION-A"],
                    headers={"authorization": f"Bearer {token}", "content-type": "text/csv"},
                )
                assert first.status_code == 201, first.text
                threads = [threading.Thread(target=reader) for _ in range(READERS)]
                for t in threads:
                    t.start()
                statuses = []
                for i in range(COMMITS):
                    marker = "VERSION-B" if i % 2 == 0 else "VERSION-A"
                    before = reads()
                    r = writer.post(
                        "/organisations/0580/submissions",
                        content=bodies[marker],
                        params={"date": f"2026-01-{i + 1:02d}"},
                        headers={"authorization": f"Bearer {token}", "content-type": "text/csv"},
                    )
                    statuses.append(r.status_code)
                    # readers on every version: a machine that commits faster than they read would else
                    # let the commits pass between two reads (each version's first query makes a snapshot)
                    until = time.monotonic() + 10
                    while reads() < before + READERS and time.monotonic() < until:
                        time.sleep(0.005)
                done.set()
                for t in threads:
                    t.join(60)
    finally:
        store.close()

    assert statuses == [201] * COMMITS
    assert errors == []
    allowed = {((marker, n),) for marker, n in versions.items()}
    mixed = {view: count for view, count in views.items() if view not in allowed}
    assert mixed == {}, f"torn reads: {mixed}"
    assert sum(views.values()) >= READERS * COMMITS, "the readers must have run during the commits"
    assert set(views) == allowed, "both versions must have been seen"
