"""Registering organisations at the size limit: ``insatsgraf organisations import`` of 1 000 and 5 000 rows
(the row limit, ``InputLimits.max_rows``) into a store with the bundled register, and the cost per row of the
large file relative to the small one (about 1 means linear; pySHACL's ``focus_nodes`` filter and a copy of
the graph per step made it quadratic before: 5 000 rows took 47 s).

    python bench/bench_register.py [--runs 2]
"""

from __future__ import annotations

import argparse
import time

from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission import register
from insatsgraf.submission.bundled import load_bundled


def rows(n: int, tag: str) -> bytes:
    lines = ["id,name,kind,part_of,county,note"]
    lines += [f"0580-skola-{tag}-{i},Skola {tag} {i},skola,0580,," for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    settings = Settings()
    times: dict[int, list[float]] = {1000: [], 5000: []}
    for run in range(args.runs):
        for n in times:
            store = OxigraphStore(None, base=settings.base)
            load_bundled(store, settings)
            start = time.perf_counter()
            register.register_file(store, settings, rows(n, f"r{run}"), f"bench-{n}.csv")
            times[n].append(time.perf_counter() - start)
    best = {n: min(t) for n, t in times.items()}
    for n, seconds in best.items():
        print(f"{n:5d} rows: {seconds:6.2f} s ({seconds / n * 1000:.2f} ms per row)")
    print(f"per-row cost 5000 / 1000: {best[5000] / 5000 / (best[1000] / 1000):.2f}")


if __name__ == "__main__":
    main()
