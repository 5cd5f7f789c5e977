"""``/.well-known/void`` at national scale: the engine's counts (cold GET, repeat GET, 304) against the rdflib count
the service made before (every published graph into one rdflib graph), each in a fresh process for its peak RSS.

    python bench/bench_void.py --store DIR [--rdflib]

``DIR`` is an on-disk store holding the national data (a copy: the store is opened writable). ``--rdflib``
also runs the old way (minutes and gigabytes at national scale). Prints one line per step and the ratio.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

ENGINE = r"""
import json, resource, sys, threading, time
from fastapi.testclient import TestClient
from insatsgraf.api import create_app
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore

store_dir = sys.argv[1]
store = OxigraphStore(store_dir)
client = TestClient(create_app(Settings().with_(store=store_dir), store))
asks, done = [], threading.Event()
def ask():  # a tiny query beside the count: is the store still answering?
    while not done.is_set():
        start = time.perf_counter()
        store.query("ASK { ?s ?p ?o }")
        asks.append(time.perf_counter() - start)
        time.sleep(0.05)
beside = threading.Thread(target=ask)
beside.start()
start = time.perf_counter()
cold = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
cold_s = time.perf_counter() - start
done.set()
beside.join()
start = time.perf_counter()
again = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
again_s = time.perf_counter() - start
start = time.perf_counter()
etag = cold.headers["etag"]
not_modified = client.get("/.well-known/void", headers={"Accept": "text/turtle", "If-None-Match": etag})
not_modified_s = time.perf_counter() - start
assert cold.status_code == again.status_code == 200 and not_modified.status_code == 304
print(json.dumps({
    "cold_s": cold_s, "again_s": again_s, "not_modified_s": not_modified_s,
    "counts": client.app.state.void_cache.runs, "ask_worst_s": max(asks or [0.0]),
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "body": cold.text,
}))
"""

RDFLIB = r"""
import json, resource, sys, time
from rdflib import URIRef
from rdflib.namespace import RDF
from insatsgraf.publication.dumps import build_dataset, union_graph
from insatsgraf.sparql.embedded import OxigraphStore

store = OxigraphStore(sys.argv[1])
start = time.perf_counter()
data = union_graph(build_dataset(store), store.base)
numbers = {
    "triples": len(data),
    "entities": len({s for s in data.subjects() if isinstance(s, URIRef)}),
    "subjects": len(set(data.subjects())),
    "objects": len(set(data.objects())),
    "properties": len(set(data.predicates())),
    "classes": len({o for s, o in data.subject_objects(RDF.type) if isinstance(s, URIRef)}),
}
print(json.dumps({"seconds": time.perf_counter() - start, "numbers": numbers,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, store: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", code, store], check=True, capture_output=True, text=True)
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, help="an on-disk store with the national data (a copy)")
    parser.add_argument("--rdflib", action="store_true", help="also the old rdflib count (minutes, GBs)")
    args = parser.parse_args()
    engine = child(ENGINE, args.store)
    print(
        f"engine: cold GET {engine['cold_s']:.2f} s, peak RSS {engine['rss_mb']:.0f} MB, worst ASK beside it "
        f"{float(engine['ask_worst_s']) * 1000:.0f} ms; repeat GET {float(engine['again_s']) * 1000:.1f} ms, "
        f"304 {float(engine['not_modified_s']) * 1000:.1f} ms; counts made: {engine['counts']}"
    )
    stated = re.findall(
        r"void:(triples|entities|distinct\w+|properties|classes) (\d+) ;", str(engine["body"])
    )
    print("  " + ", ".join(f"{name} {value}" for name, value in stated))
    if args.rdflib:
        old = child(RDFLIB, args.store)
        print(f"rdflib: {old['seconds']:.1f} s, peak RSS {old['rss_mb']:.0f} MB, {old['numbers']}")
        print(
            f"ratio rdflib / engine (cold): {float(old['seconds']) / float(engine['cold_s']):.0f}x time, "
            f"{float(old['rss_mb']) / float(engine['rss_mb']):.0f}x peak RSS"
        )


if __name__ == "__main__":
    main()
