"""The catalogue queries over HTTP: ``insatsgraf serve`` against a raw ``oxigraph serve`` and rdflib-endpoint.

    python bench/bench_peers.py --store DIR [--runs 5] [--rdflib-budget 20] [--skip-rdflib]

``DIR`` is an on-disk store holding the national data (``bench/run.py --store DIR`` loads one). In one run:
(1) ``insatsgraf serve --store DIR``, timed from its start to its first answer, and (2) a raw ``oxigraph
serve-read-only`` on a backup of the same store (its default graph holds the same union, so the same text
means the same thing), both up at once: every catalogue query with its default parameters through serve's
``/sparql`` (the bound text), its ``/queries/{name}`` and the raw server, the three taking turns request by
request so that the load of a shared machine falls on them alike; (3) rdflib-endpoint over the current,
reference and provenance graphs in an rdflib ``Dataset(default_union=True)`` (no history:
``submission-changes`` finds no changes there). Each query runs once to warm up and ``--runs`` times; the
p50, the rows, and the ratios are printed. ``run.py --peers`` calls ``measure`` with the embedded store's
own p50s so that one table has all four.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from insatsgraf.catalogue.queries import Catalogue, CatalogueQuery
from insatsgraf.config import DEFAULT_BASE, Settings

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
JSON = "application/sparql-results+json"
RDFLIB_CHILD = r"""
import sys, uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
data = Dataset(default_union=True)
for path in sys.argv[2:]:
    data.parse(path, format="nquads")
print("loaded", len(data), flush=True)
uvicorn.run(SparqlEndpoint(graph=data), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@dataclass
class Peer:
    name: str
    p50_ms: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    timed_out: set[str] = field(default_factory=set)
    start_s: float | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float) -> float:
    """Seconds until ``url`` answers 200 (an ASK), from now; the process must stay up."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if (
                httpx.get(url, params={"query": "ASK {}"}, headers={"Accept": JSON}, timeout=5).status_code
                == 200
            ):
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


LONG_QUERY = 4000
"""Characters of query text above which a peer is asked by POST (form-encoded, SPARQL 1.1 protocol)."""


_REQUESTS: dict[tuple[int, str, tuple[tuple[str, str], ...], float], httpx.Request] = {}


def ask_for(client: httpx.Client, url: str, params: dict[str, str], budget: float) -> httpx.Response:
    """One request as every peer gets it for the same text: a GET, or a form POST for a long text (the
    Oxigraph server refuses a long URL with 400). Each request is built once and sent again as it is: the
    client's encoding of a 3 kB text into a URL costs it about 0.7 ms, which no server should be timed for."""
    key = (id(client), url, tuple(params.items()), budget)
    request = _REQUESTS.get(key)
    if request is None:
        if sum(map(len, params.values())) > LONG_QUERY:
            request = client.build_request("POST", url, data=params, headers={"Accept": JSON}, timeout=budget)
        else:
            request = client.build_request(
                "GET", url, params=params, headers={"Accept": JSON}, timeout=budget
            )
        request.read()
        _REQUESTS[key] = request
    return client.send(request)


def time_get(
    client: httpx.Client, url: str, params: dict[str, str], runs: int, budget: float
) -> tuple[float, int, bool]:
    """p50 ms of ``runs`` GETs after one warm-up, the rows, and whether the budget stopped it (a lower bound)."""
    times: list[float] = []
    rows = 0
    for i in range(runs + 1):
        start = time.perf_counter()
        try:
            r = ask_for(client, url, params, budget)
        except httpx.TimeoutException:
            return budget * 1000, rows, True
        elapsed = time.perf_counter() - start
        r.raise_for_status()
        rows = len(r.json()["results"]["bindings"]) if "results" in r.json() else 1
        if i:
            times.append(elapsed)
        if elapsed > budget / 2 and i:
            break  # slow: enough runs for a p50
    return statistics.median(times) * 1000, rows, False


def idle_again(url: str, timeout: float) -> bool:
    """After a stopped query: does the server answer an ASK within ``timeout``? rdflib-endpoint evaluates
    one query at a time and goes on with the one the client gave up on, so the next query would only wait."""
    try:
        return httpx.get(
            url, params={"query": "ASK {}"}, headers={"Accept": JSON}, timeout=timeout
        ).is_success
    except httpx.HTTPError:
        return False


def run_routes(
    sparql: Peer,
    catalogue: Peer,
    base: str,
    raw: Peer,
    raw_url: str,
    texts: dict[str, str],
    runs: int,
    budget: float,
) -> None:
    """Per query, in turns: serve's ``/sparql`` with the text (as ``ask_for`` sends it to every peer), serve's
    ``/queries/{name}``, and the raw Oxigraph server with the same text; which goes first rotates. Taking
    turns request by request, the changing load of a shared machine falls on all three alike (measured one
    server after the other, the ratio moved by ±15 % between runs). p50 of ``runs`` requests each after one
    warm-up each; ``/sparql`` and ``/queries`` must answer the same bytes."""
    with httpx.Client() as client:
        for name, text in texts.items():
            routes = [
                (sparql, f"{base}/sparql", {"query": text}),
                (catalogue, f"{base}/queries/{name}", {}),
                (raw, raw_url, {"query": text}),
            ]
            times: dict[str, list[float]] = {peer.name: [] for peer, _, _ in routes}
            bodies: dict[str, bytes] = {}
            for i in range(runs + 1):
                for peer, url, params in routes[i % 3 :] + routes[: i % 3]:
                    start = time.perf_counter()
                    r = ask_for(client, url, params, budget)
                    elapsed = time.perf_counter() - start
                    r.raise_for_status()
                    bodies[peer.name] = r.content
                    if i:
                        times[peer.name].append(elapsed)
            for peer, _, _ in routes:
                doc = json.loads(bodies[peer.name])
                rows = len(doc["results"]["bindings"]) if "results" in doc else 1
                peer.p50_ms[name], peer.rows[name] = statistics.median(times[peer.name]) * 1000, rows
            if bodies[sparql.name] != bodies[catalogue.name]:
                print(f"  {name}: /queries and /sparql answered differently", flush=True)
            print(
                f"  {name:40} serve /sparql p50 {sparql.p50_ms[name]:8.1f} ms  /queries {catalogue.p50_ms[name]:8.1f} ms"
                f"  raw {raw.p50_ms[name]:8.1f} ms  rows {sparql.rows[name]}",
                flush=True,
            )


def run_peer(peer: Peer, url: str, texts: dict[str, str], runs: int, budget: float) -> None:
    with httpx.Client() as client:
        for name, text in texts.items():
            p50, rows, stopped = time_get(client, url, {"query": text}, runs, budget)
            peer.p50_ms[name], peer.rows[name] = p50, rows
            if stopped:
                peer.timed_out.add(name)
            print(
                f"  {peer.name:22} {name:40} p50 {p50:9.1f} ms rows {rows}{' (stopped)' if stopped else ''}",
                flush=True,
            )
            if stopped and not idle_again(url, 10 * budget):
                print(f"  {peer.name}: still busy with {name} after {10 * budget:.0f} s; the rest not run")
                return


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure(
    store: Path,
    queries: list[CatalogueQuery],
    runs: int,
    *,
    data: Path | None,
    rdflib_budget: float,
    base: str,
) -> list[Peer]:
    """Serve, raw Oxigraph and (when ``data`` has the .nq files) rdflib-endpoint, one after the other."""
    texts = {q.name: q.bind({}, base=base) for q in queries}
    peers: list[Peer] = []
    env = {**os.environ, "INSATSGRAF_STORE": str(store)}

    port = free_port()
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "insatsgraf",
            "serve",
            "--store",
            str(store),
            "--port",
            str(port),
            "--query-timeout",
            "120",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = wait_for(f"http://127.0.0.1:{port}/sparql", serve, 120)
        print(f"insatsgraf serve answered {started:.2f} s after its start", flush=True)
        with tempfile.TemporaryDirectory(dir=store.parent, prefix=".raw-oxigraph-") as tmp:
            copy = Path(tmp) / "store"
            subprocess.run(
                [str(OXIGRAPH), "backup", "--location", str(store), "--destination", str(copy)], check=True
            )
            raw_port = free_port()
            started_at = time.perf_counter()
            raw_server = subprocess.Popen(
                [
                    str(OXIGRAPH),
                    "serve-read-only",
                    "--location",
                    str(copy),
                    "--bind",
                    f"127.0.0.1:{raw_port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_for(f"http://127.0.0.1:{raw_port}/query", raw_server, 60)
                raw = Peer("raw oxigraph", start_s=time.perf_counter() - started_at)
                sparql, catalogue = Peer("serve /sparql", start_s=started), Peer("serve /queries")
                time.sleep(5)  # serve's other workers start once it has answered: not while timing
                run_routes(
                    sparql,
                    catalogue,
                    f"http://127.0.0.1:{port}",
                    raw,
                    f"http://127.0.0.1:{raw_port}/query",
                    texts,
                    runs,
                    120,
                )
                peers += [sparql, catalogue, raw]
            finally:
                stop(raw_server)
    finally:
        stop(serve)

    files = [data / n for n in ("reference-current.nq", "provenance.nq")] if data else []
    if files and all(f.exists() for f in files):
        port = free_port()
        started_at = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", RDFLIB_CHILD, str(port), *map(str, files)], stdout=subprocess.DEVNULL
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/", child, 900)
            peer = Peer("rdflib-endpoint", start_s=time.perf_counter() - started_at)
            run_peer(peer, f"http://127.0.0.1:{port}/", texts, max(1, min(runs, 3)), rdflib_budget)
            peers.append(peer)
        finally:
            stop(child)
    return peers


def geo(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def table(names: list[str], embedded: dict[str, float] | None, peers: list[Peer]) -> list[str]:
    """One line per query: every p50, then serve / raw, /queries / /sparql, rdflib / serve; geo-means last."""
    by = {p.name: p for p in peers}
    cols = (["embedded"] if embedded else []) + [p.name for p in peers]
    lines = [
        "| query | "
        + " | ".join(f"{c} p50 (ms)" for c in cols)
        + " | serve / raw | /queries / /sparql | rdflib / serve |",
        "|---|" + "---:|" * (len(cols) + 3),
    ]
    ratios: dict[str, list[float]] = {"serve / raw": [], "queries / sparql": [], "rdflib / serve": []}

    def cell(peer: Peer, name: str) -> str:
        value = peer.p50_ms.get(name)
        if value is None:
            return "–"
        return f"> {value:.0f}" if name in peer.timed_out else f"{value:.1f}"

    for name in names:
        cells = [f"{embedded[name]:.1f}"] if embedded else []
        cells += [cell(p, name) for p in peers]
        serve, cat = by.get("serve /sparql"), by.get("serve /queries")
        raw, rd = by.get("raw oxigraph"), by.get("rdflib-endpoint")
        out = []
        for key, top, bottom in (
            ("serve / raw", serve, raw),
            ("queries / sparql", cat, serve),
            ("rdflib / serve", rd, serve),
        ):
            if top and bottom and name in top.p50_ms and name in bottom.p50_ms:
                ratio = top.p50_ms[name] / bottom.p50_ms[name]
                ratios[key].append(ratio)
                out.append(f"{'≥ ' if top is rd and name in rd.timed_out else ''}{ratio:.2f}×")
            else:
                out.append("–")
        lines.append(f"| {name} | " + " | ".join(cells + out) + " |")
    lines.append("")
    for key, values in ratios.items():
        if values:
            lines.append(f"- geometric mean of {key}: {geo(values):.2f}× over {len(values)} queries")
    for p in peers:
        if p.start_s is not None:
            lines.append(f"- {p.name}: first answer {p.start_s:.2f} s after its start")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rdflib-budget", type=float, default=20.0)
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    if not shutil.which(str(OXIGRAPH)):
        sys.exit(f"no oxigraph server at {OXIGRAPH}: pip install oxigraph (the bench extra)")
    catalogue = Catalogue.load(Settings().queries_dir)
    queries = [catalogue.get(n) for n in args.only] if args.only else list(catalogue)
    peers = measure(
        args.store,
        queries,
        args.runs,
        data=None if args.skip_rdflib else args.data,
        rdflib_budget=args.rdflib_budget,
        base=DEFAULT_BASE,
    )
    print("\n".join(table([q.name for q in queries], None, peers)))


if __name__ == "__main__":
    main()
