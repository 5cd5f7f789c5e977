"""A commit at national scale: replacing one organisation's list at history depth 1 and 20, against writing
the same quads with pyoxigraph's ``Store.extend``.

    python bench/generate.py                      # if bench/out/ has no *.nq yet
    python bench/bench_commit.py [--data bench/out] [--depth 20] [--rows 200]

Loads the national data of ``generate.py`` (bulk load, then ``optimize``) into an on-disk store, writes a
200-row list for Linköping (the example list's rows, each with its own name, in a seeded order) and submits
it ``--depth`` times through the product's ``prepare`` and ``commit`` (each time about one row in twenty with
other ages, as a resubmission does). Timed: the store's ``replace_graphs`` of each commit (the four graphs:
current, history copy, provenance, mapping; flush included), and, for the same commit, ``Store.extend`` of
its named graphs' quads into fresh graphs of the same store (flush included). Printed: the times at depth
1 and at the last depth, their ratios to ``extend`` (wall and CPU time), late against early; then a list
with other rows throughout (most triples leave); last, a resubmission through the previous writer (one
SPARQL Update whose union delete checks every other graph, ``updates.Union.replace``), for comparison.
The organisation's generated graphs are dropped first, so the first commit is its first submission.
The goal (issue 16): at most 2× ``extend``, flat in history depth.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import shutil
import statistics
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "service"))

from insatsgraf.config import DEFAULT_BASE, Settings  # noqa: E402
from insatsgraf.sparql import commit as commit_module  # noqa: E402
from insatsgraf.sparql import updates  # noqa: E402
from insatsgraf.sparql.embedded import OxigraphStore  # noqa: E402
from insatsgraf.sparql.terms import to_ox  # noqa: E402
from insatsgraf.submission.lists import commit, prepare  # noqa: E402

FILES = ("reference-current.nq", "provenance.nq", "history.nq", "mapping.nq")
ORG = "0580"


class Parts:
    """Where one commit's time goes: pyoxigraph's ``update`` and ``flush`` (a proxy in front of the store),
    the union check and the reading of the stored graphs (``sparql.commit``'s own functions, wrapped); the
    rest of ``plan`` is rendering the new triples and the differences. Also the write volume."""

    def __init__(self, raw: ox.Store) -> None:
        self.raw = raw
        self.reset()
        held, stored, plan = commit_module._held_elsewhere, commit_module._stored, commit_module.plan

        def timed_held(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return held(*args, **kwargs)
            finally:
                self.seconds["union check"] += time.perf_counter() - started

        def timed_stored(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return stored(*args, **kwargs)
            finally:
                self.seconds["read stored"] += time.perf_counter() - started

        def counted_plan(*args: Any, **kwargs: Any) -> Any:
            out = plan(*args, **kwargs)
            self.deletes = sum(map(len, out.removed.values())) + len(out.union_removed)
            self.inserts = sum(map(len, out.added.values())) + len(out.union_added)
            return out

        commit_module._held_elsewhere = timed_held  # type: ignore[assignment]
        commit_module._stored = timed_stored  # type: ignore[assignment]
        commit_module.plan = counted_plan  # type: ignore[assignment]

    def reset(self) -> None:
        self.seconds = dict.fromkeys(("read stored", "union check", "update", "flush"), 0.0)
        self.deletes = self.inserts = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.raw, name)

    def update(self, text: str) -> None:
        started = time.perf_counter()
        self.raw.update(text)
        self.seconds["update"] += time.perf_counter() - started

    def flush(self) -> None:
        started = time.perf_counter()
        self.raw.flush()
        self.seconds["flush"] += time.perf_counter() - started


class TimedStore:
    """The store as ``commit`` sees it, timing each ``replace_graphs`` (and its parts) and keeping what it
    wrote."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store
        self.seconds = self.cpu = 0.0
        self.graphs: Mapping[str, Graph | None] = {}
        self.parts = Parts(store._store)
        store._store = self.parts  # type: ignore[assignment]

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None:
        self.parts.reset()
        started, cpu = time.perf_counter(), time.process_time()
        self.store.replace_graphs(graphs)
        self.seconds, self.cpu = time.perf_counter() - started, time.process_time() - cpu
        self.graphs = graphs


def write_list(rows: int, seed: int, depth: int, renamed: str = "") -> bytes:
    """A ``rows``-row list for Linköping; ``depth`` changes the ages of about one row in twenty; ``renamed``
    ends every row's name (so every offering is another one: a list with other rows throughout)."""
    source = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
    header, *body = list(csv.reader(source.open(encoding="utf-8")))
    rng = random.Random(seed)
    order = rng.sample(body, len(body))
    changed = random.Random(seed * 1000 + depth)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for i in range(rows):
        row = list(order[i % len(order)])
        row[0] = f"{row[0]} {i // len(order) + 1}{renamed}"
        low = rng.randint(0, 12)
        high = low + rng.randint(1, 8)
        if depth > 1 and changed.random() < 0.05:
            low, high = max(0, low - 1), high + 1
        row[5], row[6] = str(low), str(high)
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def extend_seconds(
    store: OxigraphStore, graphs: Mapping[str, Graph | None], depth: int
) -> tuple[float, float, int]:
    """``Store.extend`` of the commit's named-graph quads (converted beforehand) into fresh graphs, flushed."""
    quads = [
        ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(f"urn:bench:extend:{depth}:{index}"))  # type: ignore[arg-type]
        for index, graph in enumerate(graphs.values())
        if graph is not None
        for s, p, o in graph
    ]
    raw = store._store.raw if isinstance(store._store, Parts) else store._store
    started, cpu = time.perf_counter(), time.process_time()
    raw.extend(quads)
    raw.flush()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    for index in range(len(graphs)):
        raw.remove_graph(ox.NamedNode(f"urn:bench:extend:{depth}:{index}"))
    return seconds, cpu, len(quads)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--rewrites", type=int, default=3, help="lists of each rewrite kind (medians)")
    args = parser.parse_args()
    missing = [name for name in FILES if not (args.data / name).exists()]
    if missing:
        sys.exit(f"missing {', '.join(missing)} in {args.data}: run python bench/generate.py first")
    folder = args.data / "commit-store"
    if folder.exists():
        shutil.rmtree(folder)
    settings = Settings().with_(store=str(folder))
    store = OxigraphStore(folder, base=DEFAULT_BASE)
    started = time.perf_counter()
    for name in FILES:
        store.bulk_load(ox.parse(path=str(args.data / name), format=ox.RdfFormat.N_QUADS))
    store.optimize()
    print(
        f"loaded {len(store)} quads in {len(store.graph_names())} graphs in {time.perf_counter() - started:.1f} s"
    )

    # the organisation starts with no list, so the first commit is the first submission (history depth 1)
    own = [g for g in store.graph_names() if g.endswith(f"/{ORG}") or f"/submission/{ORG}/" in g]
    store.replace_graphs(dict.fromkeys(own))
    print(f"left out {ORG}'s {len(own)} generated graphs; {len(store)} quads")
    timed = TimedStore(store)
    rows: list[tuple[int, float, float, float, float, int]] = []
    day = datetime(2024, 1, 1, tzinfo=UTC)
    for depth in range(1, args.depth + 1):
        data = write_list(args.rows, args.seed, depth)
        prepared = prepare(store, settings, data, f"{ORG}-linkoping-bench.csv", ORG)
        prepared.day = (day + timedelta(days=depth)).date().isoformat()
        commit(timed, prepared, settings)  # type: ignore[arg-type]
        extend, extend_cpu, quads = extend_seconds(store, timed.graphs, depth)
        rows.append((depth, timed.seconds, timed.cpu, extend, extend_cpu, quads))
        print(
            f"depth {depth:2}: replace {timed.seconds * 1000:5.0f} ms (cpu {timed.cpu * 1000:4.0f}), "
            f"extend {extend * 1000:5.0f} ms (cpu {extend_cpu * 1000:4.0f}) of {quads} quads; "
            f"ratio {timed.seconds / extend:.2f} (cpu {timed.cpu / extend_cpu:.2f})"
        )

    def summary(label: str, part: list[tuple[int, float, float, float, float, int]]) -> tuple[float, float]:
        wall = statistics.median(r[1] / r[3] for r in part)
        cpu = statistics.median(r[2] / r[4] for r in part)
        ms = statistics.median(r[1] for r in part) * 1000
        print(f"{label}: replace median {ms:.0f} ms; ratio to extend, median: {wall:.2f} wall, {cpu:.2f} cpu")
        return wall, cpu

    summary("depth 1", rows[:1])
    early = summary("depths 2-5 (resubmissions)", rows[1:5])
    late = summary(f"depths {max(2, args.depth - 3)}-{args.depth}", rows[-4:])
    print(f"late / early resubmissions: {late[0] / early[0]:.2f} wall, {late[1] / early[1]:.2f} cpu")

    # rewrites, three of each kind: a list with its rows in another order and other ages (another seed: the
    # same offerings, about a fifth of the current graph's triples leave), then lists whose every offering
    # is another one (every row renamed: nearly every triple of the current and mapping graphs leaves)
    later = args.depth
    kinds = {"other rows": lambda j: write_list(args.rows, args.seed + 1 + j, 0), "renamed": None}
    kinds["renamed"] = lambda j: write_list(args.rows, args.seed + 1 + j, 0, f" (ny {j + 1})")
    for kind, make in kinds.items():
        found: list[tuple[float, float, float, float, dict[str, float], int, int, int]] = []
        for j in range(args.rewrites):
            later += 1
            prepared = prepare(store, settings, make(j), f"{ORG}-linkoping-bench.csv", ORG)
            prepared.day = (day + timedelta(days=later)).date().isoformat()
            commit(timed, prepared, settings)  # type: ignore[arg-type]
            parts = dict(timed.parts.seconds)
            deletes, inserts = timed.parts.deletes, timed.parts.inserts
            extend, extend_cpu, quads = extend_seconds(store, timed.graphs, later)
            found.append((timed.seconds, timed.cpu, extend, extend_cpu, parts, deletes, inserts, quads))
            print(
                f"{kind} list at depth {later}: replace {timed.seconds * 1000:.0f} ms (cpu {timed.cpu * 1000:.0f}), "
                f"extend {extend * 1000:.0f} ms; ratio {timed.seconds / extend:.2f} "
                f"(cpu {timed.cpu / extend_cpu:.2f}); writes {deletes} deletes + {inserts} inserts "
                f"against extend's {quads}"
            )
        wall = statistics.median(r[0] / r[2] for r in found)
        cpu = statistics.median(r[1] / r[3] for r in found)
        ms = statistics.median(r[0] for r in found) * 1000
        print(
            f"{kind}, {len(found)} lists: replace median {ms:.0f} ms; ratio to extend, median: {wall:.2f} wall, {cpu:.2f} cpu"
        )
        shares = {name: statistics.median(r[4][name] / r[2] for r in found) for name in found[0][4]}
        rest = statistics.median((r[0] - sum(r[4].values())) / r[2] for r in found)
        ops = statistics.median((r[5] + r[6]) / r[7] for r in found)
        print(
            "  where the time goes, median, in units of extend: "
            + ", ".join(f"{name} {share:.2f}" for name, share in shares.items())
            + f", rendering and differences {rest:.2f}; quads written (deletes + inserts) / extend's: {ops:.2f}"
        )

    # the previous writer, on the same graphs at the last depth + 2, for comparison
    data = write_list(args.rows, args.seed, later + 1)
    prepared = prepare(store, settings, data, f"{ORG}-linkoping-bench.csv", ORG)
    prepared.day = (day + timedelta(days=later + 1)).date().isoformat()
    union = updates.Union(DEFAULT_BASE)

    class OldWriter(TimedStore):
        def __init__(self, store: OxigraphStore) -> None:  # the store's proxy is in place already
            self.store, self.seconds, self.graphs = store, 0.0, {}

        def replace_graphs(self, graphs: Mapping[str, Graph | None]) -> None:
            graphs = updates.split_personal(graphs, DEFAULT_BASE)
            started = time.perf_counter()
            self.store._store.update(union.replace(graphs))
            self.store._store.flush()
            self.seconds = time.perf_counter() - started
            self.graphs = graphs

    old = OldWriter(store)
    commit(old, prepared, settings)  # type: ignore[arg-type]
    extend, _, _ = extend_seconds(store, old.graphs, later + 1)
    print(
        f"previous writer (SPARQL Update, union delete over every graph) at depth {later + 1}: "
        f"{old.seconds * 1000:.0f} ms, {old.seconds / extend:.2f}× extend"
    )
    store.close()


if __name__ == "__main__":
    main()
