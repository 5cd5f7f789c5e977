"""The served dump at national scale against ``oxigraph dump`` + gzip, with its peak memory and a tiny ASK beside it.

    python bench/bench_dump.py --store DIR [--formats nt,ttl]

``DIR`` is an on-disk store holding the national data (``bench/run.py --keep-store DIR`` leaves one). Prints,
in one run on the same store: (1) ``oxigraph dump --graph default --format nt | gzip -6`` (the union default
graph: the published triples plus the ~0.2 % that are provenance) and the whole store as N-Quads; (2) for each
format, a fresh process that opens the store and builds ``/dumps/insatsgraf.{ext}.gz`` the way the service
does (``publication.dumpcache.DumpCache``: snapshot, Oxigraph's serialiser, gzip, a file), with the
process's peak RSS and the worst latency of an in-process ``ASK`` asked every 50 ms while it builds; (3) the
time of a ``GET`` with a matching ``If-None-Match`` (the 304) through the app. ``run.py`` calls ``measure``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OXIGRAPH = Path(sys.executable).with_name("oxigraph")

CHILD = r"""
import json, resource, sys, threading, time
from fastapi.testclient import TestClient
from insatsgraf.api import create_app
from insatsgraf.config import Settings
from insatsgraf.publication.dumpcache import DumpCache
from insatsgraf.sparql.embedded import OxigraphStore

store_dir, fmt = sys.argv[1], sys.argv[2]
opened = time.perf_counter()
store = OxigraphStore(store_dir)
open_s = time.perf_counter() - opened
cache = DumpCache(store)
version = store.version
done = {}
def build():
    start = time.perf_counter()
    done["path"] = cache.path(fmt, version)
    done["seconds"] = time.perf_counter() - start
worker = threading.Thread(target=build)
worker.start()
asks = []
while worker.is_alive():
    start = time.perf_counter()
    store.query("ASK { ?s ?p ?o }")
    asks.append(time.perf_counter() - start)
    time.sleep(0.05)
worker.join()
client = TestClient(create_app(Settings().with_(store=store_dir), store))
client.app.state.dump_cache = cache
ext = {"nt": "nt", "ttl": "ttl", "trig": "trig", "jsonld": "jsonld"}[fmt]
etag = DumpCache.etag(fmt, version)
times = []
for _ in range(5):
    start = time.perf_counter()
    r = client.get(f"/dumps/insatsgraf.{ext}.gz", headers={"If-None-Match": etag})
    times.append(time.perf_counter() - start)
    assert r.status_code == 304, r.status_code
print(json.dumps({
    "seconds": done["seconds"], "bytes": done["path"].stat().st_size, "open_s": open_s,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "ask_worst_ms": max(asks) * 1000 if asks else None, "asks": len(asks),
    "not_modified_ms": sorted(times)[len(times) // 2] * 1000,
}))
store.close()
"""


def oxigraph_dump(store: Path, args: list[str]) -> tuple[float, int]:
    """``oxigraph dump ARGS | gzip -6`` on a snapshot of ``store``: seconds and gzip bytes."""
    with tempfile.TemporaryDirectory(dir=store.parent) as tmp:
        out = Path(tmp) / "dump.gz"
        start = time.perf_counter()
        with out.open("wb") as sink:
            dump = subprocess.Popen(
                [str(OXIGRAPH), "dump", "--location", str(store), *args], stdout=subprocess.PIPE
            )
            gz = subprocess.run(["gzip", "-6"], stdin=dump.stdout, stdout=sink, check=True)
            assert dump.stdout is not None
            dump.stdout.close()
            assert dump.wait() == 0 and gz.returncode == 0
        return time.perf_counter() - start, out.stat().st_size


def measure(store: Path, formats: list[str]) -> dict[str, object]:
    """Every number of this bench, for ``run.py``: the store must not be open in another process."""
    results: dict[str, object] = {}
    seconds, size = oxigraph_dump(store, ["--format", "nt", "--graph", "default"])
    results["oxigraph_default_nt"] = {"seconds": seconds, "bytes": size}
    seconds, size = oxigraph_dump(store, ["--format", "nq"])
    results["oxigraph_all_nq"] = {"seconds": seconds, "bytes": size}
    for fmt in formats:
        for old in (store / "insatsgraf-dumps").glob("insatsgraf.*"):
            old.unlink()  # a cold build
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(store), fmt],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ,
        )
        results[fmt] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def report(results: dict[str, object]) -> list[str]:
    ref = results["oxigraph_default_nt"]
    assert isinstance(ref, dict)
    whole = results["oxigraph_all_nq"]
    assert isinstance(whole, dict)
    lines = [
        f"oxigraph dump --graph default (nt) | gzip -6: {ref['seconds']:.1f} s, {ref['bytes'] / 1e6:.1f} MB",
        f"oxigraph dump (all graphs, nq) | gzip -6:     {whole['seconds']:.1f} s, {whole['bytes'] / 1e6:.1f} MB",
    ]
    for fmt, r in results.items():
        if fmt.startswith("oxigraph") or not isinstance(r, dict):
            continue
        lines.append(
            f"/dumps/insatsgraf.{fmt}.gz cold build: {r['seconds']:.1f} s ({r['seconds'] / ref['seconds']:.2f}× the "
            f"default-graph dump), {r['bytes'] / 1e6:.1f} MB, peak RSS {r['peak_rss_mb']:.0f} MB, "
            f"worst ASK during it {r['ask_worst_ms']:.0f} ms ({r['asks']} asked), 304 in {r['not_modified_ms']:.1f} ms"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--formats", default="nt,ttl")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not shutil.which("gzip"):
        sys.exit("gzip is needed on PATH")
    results = measure(args.store, args.formats.split(","))
    results["children_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("\n".join(report(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
