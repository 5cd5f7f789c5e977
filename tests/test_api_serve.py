"""``insatsgraf serve`` as a user runs it: a subprocess on a free port with an on-disk store."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from insatsgraf.commands.serve import prepare_store
from insatsgraf.config import Settings
from insatsgraf.sparql.embedded import OxigraphStore

SUBMISSION = Settings().domain / "submissions" / "0580-linkoping-2021.csv"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("serve did not answer")


def test_serve_loads_an_empty_store_and_takes_tokens_issued_while_running(tmp_path: Path) -> None:
    store_dir, tokens = tmp_path / "store", tmp_path / "tokens.json"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "INSATSGRAF_STORE": str(store_dir), "INSATSGRAF_TOKENS": str(tokens)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "insatsgraf", "serve", "--port", str(port), "--query-timeout", "5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_ready(url, proc)
        count = httpx.get(f"{url}/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
        assert int(count["results"]["bindings"][0]["n"]["value"]) > 1000
        assert httpx.get(f"{url}/queries").status_code == 200

        issued = subprocess.run(
            [sys.executable, "-m", "insatsgraf", "token", "issue", "--org", "0580"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        token = issued.stdout.strip().splitlines()[-1]
        r = httpx.post(
            f"{url}/organisations/0580/submissions",
            content=SUBMISSION.read_bytes(),
            timeout=60,
            headers={"authorization": f"Bearer {token}", "content-type": "text/csv"},
            params={"date": "2026-01-01"},
        )
        assert r.status_code == 201, r.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    store = OxigraphStore(store_dir)
    try:
        assert any(name.endswith("/id/submission/0580/2026-01-01") for name in store.graph_names())
    finally:
        store.close()


def test_prepare_store_loads_only_an_empty_store(tmp_path: Path) -> None:
    settings = Settings()
    store = OxigraphStore(None, base=settings.base)
    assert prepare_store(store, settings) is True
    names = store.graph_names()
    assert names
    assert prepare_store(store, settings) is False
    assert store.graph_names() == names
    assert prepare_store(store, settings, reload=True) is True
