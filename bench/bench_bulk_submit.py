"""Bulk submission: every municipality's list in one ``insatsgraf submit DIR`` process.

    python bench/bench_bulk_submit.py [--lists 290] [--rows 200] [--seed 4] [--out bench/out/bulk]

Writes ``--lists`` seeded CSV lists of ``--rows`` rows (from the Linköping example: its rows in a seeded
order, each with its own name and ages), one per Swedish municipality of ``municipalities-scb.csv`` and named
``<kommunkod>-<slug>-2024.csv``, into a folder; builds a project root beside them whose register holds every
municipality (the repository's register plus the ones it lacks, so every file names a known organisation);
loads the bundled data into an on-disk store; then runs ``python -m insatsgraf submit FOLDER`` once, as a user
would, and prints the wall time of that one process (start-up included) and the time per list. The goal is
under 60 s for 290 lists of 200 rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "service"))

from insatsgraf.commands.submissions import _open_loaded, expand_files, submit_many  # noqa: E402
from insatsgraf.config import Settings  # noqa: E402
from insatsgraf.model.reference import organisations_graph  # noqa: E402
from insatsgraf.sparql.embedded import OxigraphStore  # noqa: E402
from insatsgraf.submission.bundled import load_bundled  # noqa: E402

LINKED = ("ontology", "shapes", "queries", "data/examples")


def slug(name: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_).split())


def project_root(out: Path) -> Settings:
    """A root whose register holds all 290 municipalities: the repository's files, organisations.csv and
    organisations.ttl extended."""
    root = out / "root"
    if root.exists():
        shutil.rmtree(root)
    for name in LINKED:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).symlink_to(REPO / name)
    shutil.copytree(REPO / "data" / "ttl", root / "data" / "ttl")
    domain = root / "data" / "reference"
    shutil.copytree(REPO / "data" / "reference", domain)
    register = domain / "organisations.csv"
    known = {row["id"] for row in csv.DictReader(register.open(encoding="utf-8"))}
    with register.open("a", encoding="utf-8", newline="") as f:  # appended: the file's own rows untouched
        writer = csv.writer(f)
        for m in csv.DictReader((domain / "municipalities-scb.csv").open(encoding="utf-8")):
            if m["municipality_code"] not in known:
                writer.writerow(
                    [m["municipality_code"], m["municipality_name"], "kommun", "", m["county_name"], ""]
                )
    graph = organisations_graph(domain / "organisations.csv")
    (root / "data" / "ttl" / "organisations.ttl").write_text(
        graph.serialize(format="turtle"), encoding="utf-8"
    )
    return Settings(root=root, domain=domain, store=str(out / "store"))


def write_lists(settings: Settings, folder: Path, lists: int, rows: int, seed: int) -> list[Path]:
    source = list(
        csv.reader((settings.domain / "submissions" / "0580-linkoping-2021.csv").open(encoding="utf-8"))
    )
    header, body = source[0], source[1:]
    municipalities = list(csv.DictReader((settings.domain / "municipalities-scb.csv").open(encoding="utf-8")))
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for m in municipalities[:lists]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        order = rng.sample(body, len(body))
        for i in range(rows):
            row = list(order[i % len(order)])
            row[0] = f"{row[0]} {i // len(order) + 1}"
            low = rng.randint(0, 12)
            row[5], row[6] = str(low), str(low + rng.randint(1, 8))
            writer.writerow(row)
        path = folder / f"{m['municipality_code']}-{slug(m['municipality_name'])}-2024.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lists", type=int, default=290)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "bulk")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    settings = project_root(out)
    paths = write_lists(settings, out / "lists", args.lists, args.rows, args.seed)
    store = OxigraphStore(Path(settings.store))
    load_bundled(store, settings)
    store.close()
    print(f"{len(paths)} lists of {args.rows} rows in {out / 'lists'}; store {settings.store}")
    # In this process, as `insatsgraf submit FOLDER` does it (the CLI builds Settings() from the repository's
    # root, whose register lacks most municipalities): open the store, then submit_many over the folder.
    started = time.perf_counter()
    settings_, st = _open_loaded(settings.store)
    outcomes = submit_many(st, settings, expand_files([out / "lists"]), date="2024-03-01", show_progress=True)
    st.close()
    elapsed = time.perf_counter() - started
    refused = [o for o in outcomes if o.error is not None]
    for o in refused[:5]:
        print(f"refused: {o.file.name}: {o.error}")
    startup = min(_startup() for _ in range(3))
    offerings = sum(o.result.offerings for o in outcomes if o.result is not None)
    print(
        f"{len(outcomes) - len(refused)} accepted ({offerings} offerings), {len(refused)} refused: "
        f"{elapsed:.1f} s ({elapsed / len(paths) * 1000:.0f} ms a list); CLI start-up {startup:.1f} s; "
        f"total {elapsed + startup:.1f} s"
    )


def _startup() -> float:
    """The time `python -m insatsgraf submit --help` takes: the process start the in-process run leaves out."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "insatsgraf", "submit", "--help"],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "service")},
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
