"""kill -9 during ``POST /harmonise/decisions`` (issue 12): the decisions file is written before the store, so
a crash leaves the file ahead, never behind, and ``insatsgraf serve`` re-derives the graph from the file at
start-up (``decisions.ensure_in_sync``). A real server process on 127.0.0.1, killed a few times."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.harmonisation.decisions import from_graph, in_sync, read_file
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore
from tests.test_api_serve import free_port, wait_ready

KILLS = 3


def start(store_dir: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "insatsgraf", "serve", "--port", str(port), "--store", str(store_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def post_until_dead(url: str, token: str, first: int, stop: threading.Event, done: list[int]) -> None:
    i = first
    while not stop.is_set():
        body = {"name": f"Kraschnamn {i}", "outcome": "mapped", "programme": "mst", "by": "test"}
        try:
            r = httpx.post(
                f"{url}/harmonise/decisions",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
        except httpx.HTTPError:
            return
        if r.status_code == 201:
            done.append(i)
        i += 1


def counts(store_dir: Path, settings: Settings, path: Path) -> tuple[int, int, bool]:
    store = OxigraphStore(store_dir, base=settings.base)
    try:
        graph = from_graph(store.graph(iris.graph("decisions", store.base)), store.base)
        return len(read_file(path, store.base)), len(graph), in_sync(store, settings, path)
    finally:
        store.close()


def test_kill_9_during_decisions_leaves_file_and_graph_in_agreement(tmp_path: Path) -> None:
    settings = Settings()
    store_dir, tokens, decisions = tmp_path / "store", tmp_path / "tokens.json", tmp_path / "decisions.ttl"
    env = {**os.environ, "INSATSGRAF_TOKENS": str(tokens), "INSATSGRAF_DECISIONS": str(decisions)}
    env.pop("INSATSGRAF_STORE", None)
    token, _ = TokenRegistry(tokens).issue_curator("crash test")
    rng = random.Random(12)
    acknowledged: list[int] = []
    ahead = 0
    for round_ in range(KILLS):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start(store_dir, env, port)
        try:
            wait_ready(url, proc)
            stop = threading.Event()
            done: list[int] = []
            poster = threading.Thread(target=post_until_dead, args=(url, token, 1000 * round_, stop, done))
            poster.start()
            time.sleep(1.5 + rng.random() * 2.0)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        stop.set()
        poster.join(60)
        acknowledged += done
        in_file, in_graph, agree = counts(store_dir, settings, decisions)
        assert in_file >= len(acknowledged), "an acknowledged decision is missing from the file"
        assert in_file >= in_graph and in_file - in_graph <= 1, (in_file, in_graph)
        ahead += in_file - in_graph
    # one more start: serve re-derives the graph from the file before it answers
    port = free_port()
    proc = start(store_dir, env, port)
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    in_file, in_graph, agree = counts(store_dir, settings, decisions)
    assert agree and in_file == in_graph >= len(acknowledged) > 0
    names = {d.name for d in read_file(decisions, settings.base)}
    assert {f"Kraschnamn {i}" for i in acknowledged} <= names


def test_start_up_re_derives_the_graph_when_the_file_is_ahead(tmp_path: Path) -> None:
    """What a crash between the two writes leaves: the file one decision ahead; ``ensure_in_sync`` repairs."""
    from insatsgraf.harmonisation.decisions import Decision, ensure_in_sync, record_decision, serialise
    from insatsgraf.submission.bundled import load_bundled

    settings = Settings().with_(store="memory:")
    store = OxigraphStore(None, base=settings.base)
    load_bundled(store, settings)
    path = tmp_path / "decisions.ttl"
    record_decision(store, settings, Decision("Kraschnamn", "mapped", "mst", "test"), path)
    assert ensure_in_sync(store, settings, path) is None  # they agree: nothing done
    crashed = Decision("Kraschnamn 2", "mapped", "mst", "test")
    path.write_text(serialise([*read_file(path, store.base), crashed]), encoding="utf-8")
    assert not in_sync(store, settings, path)
    assert ensure_in_sync(store, settings, path) == 2
    assert in_sync(store, settings, path)
    hidden = store.query(
        f"ASK {{ <{iris.programme('mst', store.base)}> <http://www.w3.org/2004/02/skos/core#hiddenLabel> "
        '"Kraschnamn 2" }'
    )
    assert hidden.boolean
