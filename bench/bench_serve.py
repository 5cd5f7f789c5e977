"""Start-up time of `insatsgraf serve` on an empty store, and read throughput while submissions commit.

    python bench/bench_serve.py [--readers 8] [--seconds 5]

Prints: seconds from launch to the first SPARQL answer (the bundled data are loaded on the way), and
SPARQL answers per second with no writer and with a writer posting a submission in a loop (ratio ≈ 1 means
commits do not block readers).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUERY = "PREFIX ig: <https://w3id.org/insatsgraf/def#> SELECT (COUNT(?o) AS ?n) WHERE { ?o a ig:Offering }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def readers(url: str, count: int, seconds: float) -> float:
    done = threading.Event()
    answers = [0] * count

    def read(i: int) -> None:
        with httpx.Client(timeout=30) as client:
            while not done.is_set():
                client.get(f"{url}/sparql", params={"query": QUERY}).raise_for_status()
                answers[i] += 1

    threads = [threading.Thread(target=read, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    done.set()
    for t in threads:
        t.join()
    return sum(answers) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="insatsgraf-bench-"))
    env = {
        **os.environ,
        "INSATSGRAF_STORE": str(tmp / "store"),
        "INSATSGRAF_TOKENS": str(tmp / "tokens.json"),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "insatsgraf", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        print(f"ready after {time.monotonic() - started:.2f} s (empty store, bundled data loaded)")
        quiet = readers(url, args.readers, args.seconds)
        print(f"reads/s, no writer:   {quiet:.0f}")
        token = subprocess.run(
            [sys.executable, "-m", "insatsgraf", "token", "issue", "--org", "0580"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        domain = Path(env.get("INSATSGRAF_DOMAIN", ROOT / "data" / "reference"))
        data = (domain / "submissions" / "0580-linkoping-2021.csv").read_bytes()
        stop, commits = threading.Event(), [0]

        def write() -> None:
            with httpx.Client(timeout=60) as client:
                while not stop.is_set():
                    client.post(
                        f"{url}/organisations/0580/submissions",
                        content=data,
                        headers={"authorization": f"Bearer {token}", "content-type": "text/csv"},
                    ).raise_for_status()
                    commits[0] += 1

        writer = threading.Thread(target=write)
        writer.start()
        busy = readers(url, args.readers, args.seconds)
        stop.set()
        writer.join()
        print(f"reads/s, with writer: {busy:.0f} ({commits[0]} submissions committed)")
        print(f"ratio with/without writer: {busy / quiet:.2f}")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


if __name__ == "__main__":
    main()
