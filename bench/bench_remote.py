"""Time catalogue queries through the remote store (``SparqlStore``) on a server holding the national data.

    oxigraph load --location DIR --file bench/out/reference-current.nq bench/out/provenance.nq \
        bench/out/history.nq
    oxigraph serve --location DIR --bind 127.0.0.1:7878 &
    python bench/bench_remote.py --store sparql+http://127.0.0.1:7878/query#update=http://127.0.0.1:7878/update

Opening the store builds its union graph if the server has none yet (``SparqlStore.ensure_union``; the
seconds it took are printed). Each query runs with its example parameters once to warm up, then ``--runs``
times; the p50 of ``Catalogue.run`` (binding, the HTTP request, reading every row) is printed. A query whose
warm-up run takes longer than ``--budget`` seconds is timed by that one run only.
"""

from __future__ import annotations

import argparse
import statistics
import time

from insatsgraf.catalogue.queries import Catalogue
from insatsgraf.config import Settings
from insatsgraf.sparql.remote import SparqlStore

DEFAULT_QUERIES = ("collaborations-and-one-sided-claims", "coverage-matrix", "municipality-profile")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="a sparql+http://… store spec")
    parser.add_argument("--only", nargs="*", default=list(DEFAULT_QUERIES), help="query names")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds; slower queries run once")
    args = parser.parse_args(argv)
    settings = Settings()
    started = time.perf_counter()
    store = SparqlStore.from_spec(args.store, base=settings.base)
    store.ensure_union()
    print(f"opened {store!r} (union graph ready) in {time.perf_counter() - started:.1f} s")
    catalogue = Catalogue.load(settings.queries_dir)
    print("| query | p50 (ms) | runs | rows |\n|---|---:|---:|---:|")
    for name in args.only:
        started = time.perf_counter()
        rows = len(catalogue.run(store, name, {}).rows)
        times = [time.perf_counter() - started]
        if times[0] <= args.budget:
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                catalogue.run(store, name, {})
                times.append(time.perf_counter() - started)
        print(f"| {name} | {statistics.median(times) * 1000:.1f} | {len(times)} | {rows} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
