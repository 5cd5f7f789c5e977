"""Real SPARQL servers for the remote-backend tests: the Oxigraph server and Virtuoso, on free loopback ports.

Both are context managers that start the server in a temporary directory, wait (bounded) until it answers a
query, and stop it at the end. A server that does not come up raises ``ServerError`` with the tail of its log.
Virtuoso is configured so that its anonymous ``/sparql`` endpoint may update (role SPARQL_UPDATE for the
``SPARQL`` user): acceptable only because it listens on 127.0.0.1 and lives for one test session.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from insatsgraf.model import iris
from insatsgraf.model.iris import rebase
from insatsgraf.sparql.store import Store

OXIGRAPH_START_TIMEOUT = 30.0
VIRTUOSO_START_TIMEOUT = 120.0
"""Virtuoso creates its database on the first start: about 4 s on a 2-core machine, so this is generous."""


class ServerError(RuntimeError):
    """A test server did not start or stop as expected."""


@dataclass(frozen=True)
class RunningServer:
    name: str
    query_url: str
    update_url: str
    log: Path

    @property
    def spec(self) -> str:
        """The ``--store`` value for this server."""
        if self.update_url == self.query_url:
            return f"sparql+{self.query_url}"
        return f"sparql+{self.query_url}#update={self.update_url}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server from the PyPI package, on PATH or beside this interpreter."""
    found = shutil.which("oxigraph")
    if found:
        return found
    candidate = Path(sys.prefix) / "bin" / "oxigraph"
    return str(candidate) if candidate.exists() else None


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _answers(query_url: str) -> bool:
    url = f"{query_url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_until_up(
    process: subprocess.Popen[bytes], query_url: str, log: Path, name: str, timeout: float
) -> float:
    """Poll until the server answers ``ASK {}``; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            code = process.returncode
            raise ServerError(f"{name} exited with code {code} while starting:\n{_log_tail(log)}")
        if _answers(query_url):
            return time.monotonic() - start
        time.sleep(0.2)
    raise ServerError(f"{name} did not answer at {query_url} within {timeout:g} s:\n{_log_tail(log)}")


def _stop(process: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def oxigraph_server(workdir: Path, *, timeout: float = OXIGRAPH_START_TIMEOUT) -> Iterator[RunningServer]:
    """``oxigraph serve`` with an on-disk store in ``workdir``: /query and /update on a free port."""
    binary = oxigraph_binary()
    if binary is None:
        raise ServerError("the `oxigraph` server binary is not installed (pip install oxigraph)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "serve", "--location", str(workdir / "db"), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, f"{base}/query", log, "oxigraph", timeout)
        yield RunningServer("oxigraph", f"{base}/query", f"{base}/update", log)
    finally:
        _stop(process)


VIRTUOSO_INI = """\
; A throw-away Virtuoso for tests: its own database, loopback ports, no VAD packages or plugins.
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 5
CheckpointInterval   = 0
CaseMode             = 2
DirsAllowed          = ., {dir}
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
ThreadsPerQuery      = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {dir}
MaxClientConnections = 5
ServerThreads        = 5
Charset              = UTF-8
EnabledDavVSP        = 0

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryExecutionTime      = 120
MaxQueryCostEstimationTime = 400
"""

VIRTUOSO_GRANTS = """\
GRANT SPARQL_UPDATE TO "SPARQL";
"""
"""Lets the anonymous /sparql endpoint (user SPARQL) update, and so use /sparql-graph-crud."""


@contextmanager
def virtuoso_server(
    workdir: Path, *, timeout: float = VIRTUOSO_START_TIMEOUT, max_rows: int = 1_000_000
) -> Iterator[RunningServer]:
    """Debian's ``virtuoso-t`` on a fresh database in ``workdir``, /sparql on a free loopback port."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        raise ServerError("Virtuoso is not installed (Debian package virtuoso-opensource)")
    workdir.mkdir(parents=True, exist_ok=True)
    sql_port = free_port()
    http_port = free_port()
    while http_port == sql_port:  # two calls may hand out the same free port
        http_port = free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(dir=workdir, sql_port=sql_port, http_port=http_port, max_rows=max_rows),
        encoding="utf-8",
    )
    log = workdir / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "+configfile", str(ini), "+foreground"],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    query_url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        _wait_until_up(process, query_url, log, "virtuoso", timeout)
        grants = workdir / "grants.sql"
        grants.write_text(VIRTUOSO_GRANTS, encoding="utf-8")
        done = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", str(grants)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise ServerError(f"isql-vt could not grant SPARQL_UPDATE:\n{done.stdout}\n{done.stderr}")
        yield RunningServer("virtuoso", query_url, query_url, log)
    finally:
        _stop(process)


# -- loading fixture files into any backend ---------------------------------------------------------


def fixture_graphs(paths: list[Path], base: str, graph: str | None = None) -> dict[str, Graph]:
    """The named graphs of Turtle/TriG fixture files, rebased to ``base``.

    TriG keeps its named graphs; its default graph and every Turtle file go to ``graph`` if given, else to
    ``{base}graph/test/{file stem}``. Graphs of the same name from several files are merged. Every graph must
    be under ``base``: a remote store only sees its own graphs (docs/design.md, "Remote stores").
    """
    graphs: dict[str, Graph] = {}

    def add(name: str, triples: Graph, path: Path) -> None:
        if not name.startswith(base):
            raise ValueError(f"{path}: graph <{name}> is not under the base IRI {base}")
        target = graphs.setdefault(name, Graph())
        for triple in triples:
            target.add(triple)

    for path in map(Path, paths):
        text = rebase(path.read_text(encoding="utf-8"), base)
        fallback = graph or iris.graph(f"test/{path.stem}", base)
        if path.suffix == ".trig":
            dataset = Dataset()
            dataset.parse(data=text, format="trig", publicID=path.as_uri())
            for context in dataset.graphs():
                if not len(context):
                    continue
                is_default = context.identifier == DATASET_DEFAULT_GRAPH_ID
                add(fallback if is_default else str(context.identifier), context, path)
        elif path.suffix in (".ttl", ".nt"):
            parsed = Graph()
            parsed.parse(data=text, format="turtle", publicID=path.as_uri())
            add(fallback, parsed, path)
        else:
            raise ValueError(f"{path}: expected a .ttl, .nt or .trig file")
    return graphs


def clear(store: Store) -> None:
    """Drop every graph of the store."""
    names = store.graph_names()
    if names:
        store.replace_graphs({name: None for name in names})
