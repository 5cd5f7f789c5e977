"""Time every catalogue query at national scale on the embedded store and on rdflib, in one run.

    python bench/run.py [--data bench/out] [--runs 20] [--rdflib-runs 5] [--rdflib-budget 30] [--json FILE]
    python bench/run.py --store DIR --peers --dump --skip-rdflib    # all four engines and the dump, one run

1. Generates the synthetic national dataset (bench/generate.py, seed 4) unless ``--data`` already has it.
2. Loads it into the embedded store (an on-disk ``OxigraphStore`` in a temporary folder, as
   ``insatsgraf load`` would, via ``bulk_load``), runs each catalogue query with its example parameters
   twice to warm up and ``--runs`` times more, and takes the median (p50) of ``run_query`` (what the CLI
   and the API call: binding, the query, and reading every row into a ``QueryResult``).
3. Loads the same files into rdflib (``Dataset(default_union=True)``) and times ``Dataset.query`` with
   every row read. rdflib's default graph would be the union of *all* graphs, history included, so it gets
   two datasets: current + provenance graphs for the ordinary queries, provenance + history graphs for the
   history query (which reads history through ``GRAPH``) - the same data the embedded store's default
   graph and ``include_history`` give. Each rdflib query runs in a forked child (the data is shared
   copy-on-write) with a time budget: when the first run does not finish within it, the child is stopped
   and the ratio is reported as a lower bound (``>=``).
4. Prints p50 per query, the ratio rdflib / embedded, the geometric mean of the ratios, whether both
   engines returned the same number of rows, and the machine (CPU, cores, Python, library versions).
5. With ``--peers`` (``bench_peers.py``): the same queries over HTTP through ``insatsgraf serve`` (``/sparql``
   and ``/queries/{name}``), a raw ``oxigraph serve`` and rdflib-endpoint on the same data, in one table with
   the embedded p50s and the ratios, and the time from ``serve``'s start to its first answer. With ``--dump``
   (``bench_dump.py``): the served dump against ``oxigraph dump`` + gzip, its peak RSS and an ASK beside it.
   ``--store DIR`` keeps the loaded store in DIR (loaded once, reused by the next run).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402  (bench/ is not a package)
from insatsgraf.catalogue.queries import Catalogue, CatalogueQuery, run_query  # noqa: E402
from insatsgraf.config import DEFAULT_BASE, Settings  # noqa: E402
from insatsgraf.sparql.embedded import GraphName, OxigraphStore  # noqa: E402

FILES = ("reference-current.nq", "provenance.nq", "history.nq", "mapping.nq", "statistics.nq", "evidence.nq")
GOAL_MS = 100.0
GOAL_SPEEDUP = 10.0


@dataclass
class Timing:
    query: str
    embedded_p50_ms: float
    embedded_rows: int
    rdflib_p50_ms: float | None = None
    rdflib_rows: int | None = None
    rdflib_runs: int = 0
    rdflib_timed_out: bool = False
    """True when rdflib did not finish one run within the budget: its time is then a lower bound."""

    @property
    def ratio(self) -> float | None:
        return None if self.rdflib_p50_ms is None else self.rdflib_p50_ms / self.embedded_p50_ms


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory_gb = f"{int(memory) / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration):
        memory_gb = "unknown"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory_gb,
        "load average at start": load,
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyoxigraph": version("pyoxigraph"),
        "rdflib": version("rdflib"),
    }


# -- embedded store --------------------------------------------------------------------------------


def load_embedded(data: Path, folder: Path) -> tuple[OxigraphStore, float]:
    store = OxigraphStore(folder, base=DEFAULT_BASE)
    start = time.perf_counter()
    for name in FILES:
        store.bulk_load(ox.parse(path=str(data / name), format=ox.RdfFormat.N_QUADS))
    store.optimize()
    return store, time.perf_counter() - start


def time_embedded(store: OxigraphStore, query: CatalogueQuery, runs: int) -> Timing:
    for _ in range(2):
        run_query(store, query)
    times = []
    rows = 0
    for _ in range(runs):
        start = time.perf_counter()
        result = run_query(store, query)
        times.append(time.perf_counter() - start)
        rows = len(result.rows)
    return Timing(query.name, statistics.median(times) * 1000, rows)


class GraphListStore(OxigraphStore):
    """The store as it was before its default graph held the union: a list of every non-history graph."""

    def _default_dataset(self, include_history: bool) -> list[GraphName]:
        history = f"{self.base}id/submission/"
        return [ox.NamedNode(g) for g in self.graph_names() if include_history or not g.startswith(history)]


def time_graph_list(folder: Path, query: CatalogueQuery, runs: int) -> float:
    """p50 in ms on the same data with the former default dataset (a list of ~600 graphs)."""
    store = GraphListStore(folder, base=DEFAULT_BASE, read_only=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run_query(store, query)
        times.append(time.perf_counter() - start)
    store.close()
    return statistics.median(times) * 1000


# -- rdflib ----------------------------------------------------------------------------------------

DATASETS: dict[str, Dataset] = {}
"""Filled before forking: the children read them copy-on-write."""


def load_rdflib(data: Path) -> float:
    start = time.perf_counter()
    current = Dataset(default_union=True)
    for name in ("reference-current.nq", "provenance.nq", "mapping.nq", "statistics.nq", "evidence.nq"):
        current.parse(data / name, format="nquads")
    history = Dataset(default_union=True)
    for name in ("provenance.nq", "history.nq"):
        history.parse(data / name, format="nquads")
    DATASETS["current"], DATASETS["history"] = current, history
    return time.perf_counter() - start


def _rdflib_child(conn: Connection, which: str, text: str, runs: int, budget: float) -> None:
    dataset = DATASETS[which]
    started = time.perf_counter()
    for _ in range(runs):
        start = time.perf_counter()
        rows = len(list(dataset.query(text)))
        conn.send((time.perf_counter() - start, rows))
        if time.perf_counter() - started > budget:
            break
    conn.send(None)
    conn.close()


def time_rdflib(timing: Timing, query: CatalogueQuery, base: str, runs: int, budget: float) -> None:
    """Run in a forked child; stop it when the budget is spent and keep what finished."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    which = "history" if query.include_history else "current"
    child = context.Process(target=_rdflib_child, args=(send, which, query.bind({}, base=base), runs, budget))
    child.start()
    send.close()
    times: list[float] = []
    deadline = time.perf_counter() + budget
    finished = False
    while not finished:
        remaining = deadline - time.perf_counter()
        if times and remaining <= 0:
            break  # enough finished runs; the one still going is not waited for
        if not receive.poll(max(remaining, 0) if not times else remaining):
            if not times:
                timing.rdflib_timed_out = True
            break
        try:
            message = receive.recv()
        except EOFError:
            break
        if message is None:
            finished = True
        else:
            times.append(message[0])
            timing.rdflib_rows = message[1]
    if child.is_alive():
        child.kill()
    child.join()
    timing.rdflib_runs = len(times)
    timing.rdflib_p50_ms = (statistics.median(times) if times else budget) * 1000


# -- report ----------------------------------------------------------------------------------------


def report(timings: list[Timing], info: dict[str, str]) -> str:
    lines = [
        "| query | embedded p50 (ms) | rdflib p50 (ms) | rdflib / embedded | rows (embedded / rdflib) |",
        "|---|---:|---:|---:|---|",
    ]
    for t in timings:
        if t.rdflib_p50_ms is None:
            rd, ratio = "not run", "–"
        elif t.rdflib_timed_out:
            rd, ratio = f"> {t.rdflib_p50_ms:.0f}", f">= {t.ratio:.0f}×"
        else:
            rd, ratio = f"{t.rdflib_p50_ms:.1f}", f"{t.ratio:.1f}×"
        same = "" if t.rdflib_rows is None or t.rdflib_rows == t.embedded_rows else " (differ!)"
        rows = f"{t.embedded_rows} / {t.rdflib_rows if t.rdflib_rows is not None else '–'}{same}"
        lines.append(f"| {t.query} | {t.embedded_p50_ms:.1f} | {rd} | {ratio} | {rows} |")
    ratios = [t.ratio for t in timings if t.ratio is not None]
    slowest = max(timings, key=lambda t: t.embedded_p50_ms)
    lines.append("")
    lines.append(
        f"- slowest on the embedded store: {slowest.query}, p50 {slowest.embedded_p50_ms:.1f} ms "
        f"({'under' if slowest.embedded_p50_ms < GOAL_MS else 'OVER'} the {GOAL_MS:.0f} ms goal)"
    )
    if ratios:
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        bound = (
            " (a lower bound: some rdflib runs were stopped at the budget)"
            if any(t.rdflib_timed_out for t in timings)
            else ""
        )
        lines.append(
            f"- geometric mean of rdflib / embedded over {len(ratios)} queries: {geo:.1f}×{bound} "
            f"({'meets' if geo >= GOAL_SPEEDUP else 'MISSES'} the {GOAL_SPEEDUP:.0f}× goal)"
        )
        finished = [t.ratio for t in timings if t.ratio is not None and not t.rdflib_timed_out]
        if bound and finished:
            geo_finished = math.exp(sum(math.log(r) for r in finished) / len(finished))
            lines.append(f"- the same over the {len(finished)} queries rdflib finished: {geo_finished:.1f}×")
    lines.append("- machine: " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query on the embedded store")
    parser.add_argument("--rdflib-runs", type=int, default=5)
    parser.add_argument("--rdflib-budget", type=float, default=30.0, help="seconds per query on rdflib")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument(
        "--graph-list-runs",
        type=int,
        default=0,
        help="also time each query N times with a list of graphs as the default graph "
        "(the store's former dataset), to show why the store keeps the union instead",
    )
    parser.add_argument("--only", nargs="*", help="query names (default: the whole catalogue)")
    parser.add_argument("--json", type=Path, help="also write the timings and the machine as JSON")
    parser.add_argument("--store", type=Path, help="load the store here, or reuse it when it is there")
    parser.add_argument("--peers", action="store_true", help="also serve, raw Oxigraph, rdflib-endpoint")
    parser.add_argument("--peer-runs", type=int, default=5)
    parser.add_argument("--dump", action="store_true", help="also the dump against oxigraph dump + gzip")
    args = parser.parse_args(argv)

    info = machine()
    if not all((args.data / name).exists() for name in FILES):
        print(f"generating the national dataset into {args.data} …", flush=True)
        generate(args.data)
    catalogue = Catalogue.load(Settings().queries_dir)
    queries = [catalogue.get(n) for n in args.only] if args.only else list(catalogue)

    with tempfile.TemporaryDirectory(prefix="insatsgraf-bench-") as folder:
        store_dir = args.store or Path(folder) / "store"
        if args.store and (args.store / "CURRENT").exists():
            if not (args.store / "generated-with-mapping").exists():
                parser.error(f"{args.store} was loaded from data without mapping graphs: remove it to reload")
            store, seconds = OxigraphStore(store_dir, base=DEFAULT_BASE), 0.0
            print(f"embedded store: reusing {store_dir}", flush=True)
        else:
            store, seconds = load_embedded(args.data, store_dir)
            (store_dir / "generated-with-mapping").touch()
        print(
            f"embedded store: {len(store)} quads (plus their union in the default graph) loaded in "
            f"{seconds:.1f} s",
            flush=True,
        )
        timings = []
        for query in queries:
            timing = time_embedded(store, query, args.runs)
            print(
                f"  {query.name:40} p50 {timing.embedded_p50_ms:8.1f} ms  rows {timing.embedded_rows}",
                flush=True,
            )
            timings.append(timing)
        base = store.base
        store.close()
        if args.graph_list_runs:
            print(
                "the same queries with a list of graphs as the default graph (the former dataset):",
                flush=True,
            )
            for timing, query in zip(timings, queries, strict=True):
                p50 = time_graph_list(store_dir, query, args.graph_list_runs)
                print(
                    f"  {query.name:40} p50 {p50:8.1f} ms  ({p50 / timing.embedded_p50_ms:.0f}× the union)",
                    flush=True,
                )
        extra: list[str] = []
        if args.peers:
            import bench_peers

            peers = bench_peers.measure(
                store_dir,
                queries,
                args.peer_runs,
                data=None if args.skip_rdflib else args.data,
                rdflib_budget=args.rdflib_budget,
                base=base,
            )
            embedded = {t.query: t.embedded_p50_ms for t in timings}
            extra += ["", *bench_peers.table([q.name for q in queries], embedded, peers)]
        if args.dump:
            import bench_dump

            extra += ["", *bench_dump.report(bench_dump.measure(store_dir, ["nt", "ttl"]))]
        if extra:
            print("\n".join(extra), flush=True)
            args.skip_rdflib = True  # rdflib-endpoint stood in for rdflib in the table

    if not args.skip_rdflib:
        seconds = load_rdflib(args.data)
        triples = sum(len(d) for d in DATASETS.values())
        print(f"rdflib: {triples} triples in two datasets loaded in {seconds:.1f} s", flush=True)
        for timing, query in zip(timings, queries, strict=True):
            time_rdflib(timing, query, base, args.rdflib_runs, args.rdflib_budget)
            flag = " (stopped at the budget)" if timing.rdflib_timed_out else ""
            print(
                f"  {query.name:40} p50 {timing.rdflib_p50_ms:8.1f} ms  rows {timing.rdflib_rows}{flag}",
                flush=True,
            )

    print()
    print(report(timings, info))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": info, "timings": [asdict(t) for t in timings]}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
