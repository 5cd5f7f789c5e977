"""Mapping graphs at national scale: re-deriving every organisation's, and the cost in a submission.

    python bench/bench_mapping.py [--data bench/out] [--rows 500] [--runs 3]

1. Generates the synthetic national dataset (bench/generate.py, seed 4: 290 organisations × ~200 offerings)
   unless ``--data`` has it, and loads it into an in-memory ``OxigraphStore`` with ``bulk_load``, without the
   generator's ``mapping.nq`` (the current graphs *state* their programmes; the links come from the mapping
   graphs this script derives).
2. Derives every mapping graph from scratch (``mapping.derive`` + one ``replace_graphs``), twice: into a
   store without mapping graphs, then replacing them (what ``insatsgraf load`` does), timed in two parts
   (derive: query, matcher, graphs; write: the transaction); goal < 20 s.
3. Submits a 500-row list (names drawn from the generated lists, a third with a ``program`` column) to that
   store with and without the mapping step (the step stubbed out), alternately, and prints the ratio of the
   medians, cold (the matcher's memo of readings emptied first, as in a fresh process) and warm (as in a
   running service that has read the names before); goal < 1.30.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402  (bench/ is not a package)
from insatsgraf.config import Settings  # noqa: E402
from insatsgraf.harmonisation import mapping, matcher  # noqa: E402
from insatsgraf.harmonisation.matcher import Catalogue  # noqa: E402
from insatsgraf.model import iris  # noqa: E402
from insatsgraf.sparql.embedded import OxigraphStore  # noqa: E402
from insatsgraf.submission import lists  # noqa: E402

FILES = ("reference-current.nq", "provenance.nq", "history.nq")


def load(data: Path, base: str) -> tuple[OxigraphStore, float]:
    store = OxigraphStore(None, base=base)
    start = time.perf_counter()
    for name in FILES:
        store.bulk_load(ox.parse(path=str(data / name), format=ox.RdfFormat.N_QUADS))
    return store, time.perf_counter() - start


def rederive(store: OxigraphStore) -> tuple[float, float, int, int]:
    """(derive s, write s, graphs, triples)."""
    start = time.perf_counter()
    graphs = mapping.derive(store)
    derived = time.perf_counter()
    store.replace_graphs(graphs)
    written = time.perf_counter()
    triples = sum(len(g) for g in graphs.values() if g is not None)
    return derived - start, written - derived, sum(1 for g in graphs.values() if g is not None), triples


def submission_csv(store: OxigraphStore, rows: int, seed: int = 11) -> bytes:
    """A list of ``rows`` offerings with names from the generated lists; a third state their programme."""
    rng = random.Random(seed)
    found = store.query(
        "PREFIX ig: <https://w3id.org/insatsgraf/def#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?name ?p WHERE { ?o ig:localName ?name . OPTIONAL { ?o ig:statedProgramme/skos:notation ?p } }"
    ).table()
    picked: list[dict[str, str]] = []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["insats", "program", "malgrupp", "preventionsniva", "form", "regi", "beskrivning"])
    seen: set[str] = set()
    for row in found:
        name = row["name"].strip()
        if iris.slug(name) in seen or not name[:1].isalnum():  # one row per offering IRI (slug)
            continue
        seen.add(iris.slug(name))
        picked.append(row)
    picked = rng.sample(picked, rows)
    for row in picked:
        name = row["name"].strip()
        programme = row.get("p", "") if rng.random() < 0.33 else ""
        if programme.startswith("bench-"):  # synthetic programmes are not in the ingester's programmes.csv
            programme = ""
        writer.writerow([name, programme, "barn", "selektiv", "service", "egen regi", f"{name}: stöd."])
    return out.getvalue().encode("utf-8")


class NoMapping:
    """Stubs the mapping step of ``lists.submit`` (for the baseline), restored on exit."""

    def __enter__(self) -> None:
        self.saved = (mapping.move_statements, mapping.items_from_graph, mapping.build, lists.Catalogue)
        mapping.move_statements = lambda graph, base: graph  # type: ignore[assignment]
        mapping.items_from_graph = lambda *a, **k: []  # type: ignore[assignment]
        mapping.build = lambda *a, **k: None  # type: ignore[assignment]

        class _Catalogue:
            @staticmethod
            def from_store(store: object) -> None:
                return None

        lists.Catalogue = _Catalogue  # type: ignore[misc,assignment]

    def __exit__(self, *exc: object) -> None:
        mapping.move_statements, mapping.items_from_graph, mapping.build, lists.Catalogue = self.saved  # type: ignore[misc]


def time_submissions(
    store: OxigraphStore, settings: Settings, data: bytes, runs: int, *, cold: bool
) -> tuple[float, float]:
    """Median seconds of a submission with and without the mapping step, run alternately.

    ``cold``: the matcher's memo of name readings is emptied before each submission (a fresh ``insatsgraf
    submit`` process); otherwise it holds what earlier work read (a running ``insatsgraf serve``).
    """
    with_step: list[float] = []
    without: list[float] = []
    day = 0
    for _ in range(runs + 1):  # the first pair warms up
        for target, stub in ((with_step, False), (without, True)):
            day += 1
            if cold:
                matcher._READINGS.clear()
                matcher.fold.cache_clear()
            start = time.perf_counter()
            if stub:
                with NoMapping():
                    lists.submit(store, settings, data, "bench.csv", "0580", f"2030-01-{day:02d}", "bench")
            else:
                lists.submit(store, settings, data, "bench.csv", "0580", f"2030-01-{day:02d}", "bench")
            target.append(time.perf_counter() - start)
    return statistics.median(with_step[1:]), statistics.median(without[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="timed submissions of each kind")
    args = parser.parse_args(argv)
    settings = Settings()
    if not all((args.data / name).exists() for name in FILES):
        print(f"generating the national dataset into {args.data} …", flush=True)
        generate(args.data)
    store, seconds = load(args.data, settings.base)
    print(f"loaded {len(store)} quads in {seconds:.1f} s", flush=True)
    names = len(
        {
            row["n"]
            for row in store.query(
                "SELECT ?n WHERE { ?o <https://w3id.org/insatsgraf/def#localName> ?n }"
            ).table()
        }
    )
    for label in ("first derivation (no mapping graph yet)", "re-derive every mapping (replacing them)"):
        derive_s, write_s, graphs, triples = rederive(store)
        print(
            f"{label}: {derive_s + write_s:.1f} s (derive {derive_s:.1f} s, write {write_s:.1f} s); "
            f"{graphs} mapping graphs, {triples} triples, {names} distinct names (goal < 20 s)",
            flush=True,
        )
    catalogue_s = time.perf_counter()
    Catalogue.from_store(store)
    print(f"  (building the matcher's catalogue from the store: {time.perf_counter() - catalogue_s:.2f} s)")
    data = submission_csv(store, args.rows)
    for cold, label in ((True, "cold (a fresh process)"), (False, "warm (a running service)")):
        with_step, without = time_submissions(store, settings, data, args.runs, cold=cold)
        print(
            f"{args.rows}-row submission, {label}: {with_step:.2f} s with the mapping step, {without:.2f} s "
            f"without: ratio {with_step / without:.2f} (goal < 1.30)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
