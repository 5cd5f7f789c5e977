"""Validation time of a 500-row submission: on the bundled store, and on one padded with much other data.

    python bench/bench_validate.py [--rows 500] [--pad-offerings 50000] [--repeat 5]

Validation reads only the submission, the shapes, the ontology's class hierarchy and the types of the
nodes the submission references (one SPARQL query), so its time should depend on the submission and not
on the store. The script prints the median times and the ratio padded / bundled (≈ 1 means it does not grow).
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.bundled import load_bundled
from insatsgraf.submission.ingest import ingest_bytes
from insatsgraf.submission.validate import validate_graph

IG = "https://w3id.org/insatsgraf/def#"
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def submission(rows: int, settings: Settings) -> bytes:
    """``rows`` rows made from the Linköping example, each with its own name and ages."""
    source = list(
        csv.reader((settings.domain / "submissions" / "0580-linkoping-2021.csv").open(encoding="utf-8"))
    )
    header, body = source[0], source[1:]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for i in range(rows):
        row = list(body[i % len(body)])
        row[0] = f"{row[0]} {i // len(body) + 1}"
        row[14] = row[14] or f"Utvärdering {i}, FoU-rapport {2000 + i % 25}"
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def pad(store: OxigraphStore, offerings: int, settings: Settings) -> None:
    """Add ``offerings`` synthetic offerings (about 12 triples each) spread over the register's organisations."""
    base = settings.base
    orgs = [r["id"] for r in csv.DictReader((settings.domain / "organisations.csv").open(encoding="utf-8"))]
    orgs = [o for o in orgs if o != "0580"]
    concept = [
        ox.NamedNode(iris.concept("prevention-level", n, base))
        for n in ("universal", "selective", "indicated")
    ]
    programmes = [
        ox.NamedNode(iris.programme(p, base)) for p in ("komet", "mst", "abc", "mini-maria", "kontaktperson")
    ]

    def quads():  # type: ignore[no-untyped-def]
        for i in range(offerings):
            org = orgs[i % len(orgs)]
            graph = ox.NamedNode(iris.current_graph(org, base))
            s = ox.NamedNode(iris.offering(org, f"insats-{i}", base))
            yield ox.Quad(
                s,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(IG + "Offering"),
                graph,
            )
            yield ox.Quad(
                s, ox.NamedNode(IG + "offeredBy"), ox.NamedNode(iris.organisation(org, base)), graph
            )
            yield ox.Quad(s, ox.NamedNode(IG + "localName"), ox.Literal(f"Insats {i}"), graph)
            yield ox.Quad(s, ox.NamedNode(IG + "implements"), programmes[i % len(programmes)], graph)
            yield ox.Quad(s, ox.NamedNode(IG + "preventionLevel"), concept[i % 3], graph)
            yield ox.Quad(s, ox.NamedNode(IG + "minAge"), ox.Literal(str(i % 10), datatype=XSD_INT), graph)
            yield ox.Quad(
                s, ox.NamedNode(IG + "maxAge"), ox.Literal(str(10 + i % 10), datatype=XSD_INT), graph
            )
            yield ox.Quad(s, ox.NamedNode(IG + "sourceRow"), ox.Literal(str(i + 2), datatype=XSD_INT), graph)
            yield ox.Quad(
                s,
                ox.NamedNode("http://purl.org/dc/terms/description"),
                ox.Literal(f"Beskrivning {i}", language="sv"),
                graph,
            )
            history = ox.NamedNode(iris.submission(org, "2020-01-01", base))
            yield ox.Quad(s, ox.NamedNode(IG + "localName"), ox.Literal(f"Insats {i} (2020)"), history)
            yield ox.Quad(
                s,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(IG + "Offering"),
                history,
            )
            yield ox.Quad(
                s, ox.NamedNode(IG + "offeredBy"), ox.NamedNode(iris.organisation(org, base)), history
            )

    store.bulk_load(quads())


def measure(store: OxigraphStore, data: bytes, settings: Settings, repeat: int) -> tuple[float, float, float]:
    """Median seconds of validation alone (wall clock and CPU, the CPU less noisy on a shared machine)
    and of read + validate."""
    graph, _org, _ = ingest_bytes(data, "bench.csv", "0580", settings)
    report = validate_graph(graph, store, settings, org="0580")
    assert report.conforms, report.text()[:2000]
    alone, cpu, total = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        graph, _org, _ = ingest_bytes(data, "bench.csv", "0580", settings)
        t1, c1 = time.perf_counter(), time.process_time()
        validate_graph(graph, store, settings, org="0580")
        t2, c2 = time.perf_counter(), time.process_time()
        alone.append(t2 - t1)
        cpu.append(c2 - c1)
        total.append(t2 - t0)
    return statistics.median(alone), statistics.median(cpu), statistics.median(total)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--pad-offerings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = Settings()
    data = submission(args.rows, settings)

    bundled = OxigraphStore(None, base=settings.base)
    load_bundled(bundled, settings)
    padded = OxigraphStore(None, base=settings.base)
    load_bundled(padded, settings)
    pad(padded, args.pad_offerings, settings)

    print(f"submission: {args.rows} rows, {len(data) / 1024:.0f} KiB; median of {args.repeat} runs")
    results = {}
    for name, store in (("bundled", bundled), ("padded", padded)):
        alone, cpu, total = measure(store, data, settings, args.repeat)
        results[name] = cpu
        print(
            f"{name:8} store {len(store):>9} quads: validate {alone * 1000:5.0f} ms (CPU {cpu * 1000:4.0f} ms), "
            f"read + validate {total * 1000:5.0f} ms"
        )
    print(f"ratio padded / bundled (CPU): {results['padded'] / results['bundled']:.2f}")


if __name__ == "__main__":
    main()
