"""Harmonisation quality on the labelled names, next to a plain fuzzy baseline, in one run.

    python bench/harmonise_quality.py [--csv tests/fixtures/harmonise/labelled-names.csv] [--errors]

Metrics (per name of the labelled set; a name's *answer* is the set of (programme, relation) pairs the
matcher proposes with status auto or review):
- accuracy: the answer equals the expected set exactly (expected none ↔ no proposal);
- auto accuracy: the same, counting only `auto` proposals (what happens without a person);
- automation rate: the share of names that need no person and end right: every proposal `auto` (or
  `confirmed`), none left for review, and the answer is the expected one (a name expected to match nothing
  counts when nothing is proposed) — the acceptance of issue 11 is >= 90 % with zero false merges;
- split-cell recall: of the programmes expected in cells naming several, the share proposed;
- variant precision / recall: proposals with relation `variant` that are right / expected variants found;
- false merges: an `auto` proposal that is not expected, or `same` proposed for a programme the name is
  only a variant of (a variant or a different programme accepted as X).
The baseline is rapidfuzz WRatio >= 90 against every label: the best label's programme, as `same`, `auto`.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from insatsgraf.config import Settings
from insatsgraf.harmonisation.matcher import Catalogue, Proposal, Thresholds, match
from insatsgraf.model.rdf import read_turtle

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "fixtures" / "harmonise" / "labelled-names.csv"

Pair = tuple[str, str]


@dataclass(frozen=True)
class Labelled:
    name: str
    expected: frozenset[Pair]
    relation: str
    source: str

    @property
    def split(self) -> bool:
        return len(self.expected) > 1


def read_labelled(path: Path = LABELLED) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as fh:
        out = []
        for row in csv.DictReader(fh):
            ids = [i for i in row["expected_programmes"].split("|") if i]
            out.append(
                Labelled(
                    row["name"], frozenset((i, row["relation"]) for i in ids), row["relation"], row["source"]
                )
            )
    return out


def load_catalogue(settings: Settings | None = None) -> Catalogue:
    settings = settings or Settings()
    return Catalogue.from_graph(read_turtle(settings.data_dir / "catalogue.ttl", settings.base))


Matcher = Callable[[str], list[Proposal]]


def matcher(catalogue: Catalogue, thresholds: Thresholds | None = None) -> Matcher:
    return lambda name: match(name, catalogue, "", thresholds)


def baseline(catalogue: Catalogue, cutoff: float = 90.0) -> Matcher:
    """rapidfuzz WRatio >= cutoff on every label (rapidfuzz's default processing): best label wins."""
    choices = [(text, entry.id) for entry in catalogue.entries.values() for text, _ in entry.labels]
    texts = [t for t, _ in choices]

    def run(name: str) -> list[Proposal]:
        best = process.extractOne(
            name, texts, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=cutoff
        )
        if best is None:
            return [Proposal("", name, "", "none", 0.0, "none")]
        return [Proposal("", name, choices[best[2]][1], "same", best[1], "auto")]

    return run


@dataclass
class Report:
    name: str
    total: int = 0
    correct: int = 0
    auto_correct: int = 0
    automated: int = 0
    review: list[str] = field(default_factory=list)
    split_expected: int = 0
    split_found: int = 0
    split_cells: int = 0
    split_cells_full: int = 0
    variant_proposed: int = 0
    variant_right: int = 0
    variant_expected: int = 0
    variant_found: int = 0
    false_merges: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def auto_accuracy(self) -> float:
        return self.auto_correct / self.total if self.total else 0.0

    @property
    def automation_rate(self) -> float:
        return self.automated / self.total if self.total else 0.0

    @property
    def split_recall(self) -> float:
        return self.split_found / self.split_expected if self.split_expected else 1.0

    @property
    def variant_precision(self) -> float:
        return self.variant_right / self.variant_proposed if self.variant_proposed else 1.0

    @property
    def variant_recall(self) -> float:
        return self.variant_found / self.variant_expected if self.variant_expected else 1.0


def evaluate(name: str, run: Matcher, labelled: Iterable[Labelled]) -> Report:
    report = Report(name)
    for item in labelled:
        proposals = [p for p in run(item.name) if p.status != "none" and p.programme]
        answer = {(p.programme, p.relation) for p in proposals}
        auto = {(p.programme, p.relation) for p in proposals if p.status == "auto"}
        report.total += 1
        if answer == item.expected:
            report.correct += 1
        else:
            report.errors.append(
                f"{item.name!r}: expected {sorted(item.expected)}, got "
                f"{sorted((p.programme, p.relation, p.status) for p in proposals)}"
            )
        report.auto_correct += auto == item.expected
        pending = [p for p in proposals if p.status not in ("auto", "confirmed")]
        report.automated += not pending and auto == item.expected
        if pending:
            report.review.append(
                f"{item.name!r}: " + ", ".join(f"{p.programme} ({p.basis})" for p in pending)
            )
        if item.split:
            found = {pid for pid, _ in answer}
            expected = {pid for pid, _ in item.expected}
            report.split_expected += len(expected)
            report.split_found += len(found & expected)
            report.split_cells += 1
            report.split_cells_full += expected <= found
        variants_expected = {pid for pid, rel in item.expected if rel == "variant"}
        report.variant_expected += len(variants_expected)
        report.variant_found += len({pid for pid, rel in answer if rel == "variant"} & variants_expected)
        for p in proposals:
            if p.relation == "variant":
                report.variant_proposed += 1
                report.variant_right += (p.programme, "variant") in item.expected
            wrong_auto = p.status == "auto" and (p.programme, p.relation) not in item.expected
            same_for_variant = p.relation == "same" and p.programme in variants_expected
            if wrong_auto or same_for_variant:
                report.false_merges.append(f"{item.name!r} → {p.programme} ({p.relation}, {p.status})")
    return report


def run_all(path: Path = LABELLED) -> tuple[Report, Report]:
    labelled = read_labelled(path)
    catalogue = load_catalogue()
    return evaluate("matcher", matcher(catalogue), labelled), evaluate(
        "baseline WRatio>=90", baseline(catalogue), labelled
    )


def table(reports: Iterable[Report]) -> str:
    reports = list(reports)
    rows = [
        ("names", lambda r: str(r.total)),
        ("accuracy", lambda r: f"{r.accuracy:.3f} ({r.correct})"),
        ("auto accuracy", lambda r: f"{r.auto_accuracy:.3f} ({r.auto_correct})"),
        ("automation rate", lambda r: f"{r.automation_rate:.3f} ({r.automated})"),
        ("split-cell recall", lambda r: f"{r.split_recall:.3f} ({r.split_found}/{r.split_expected})"),
        ("split cells fully recovered", lambda r: f"{r.split_cells_full}/{r.split_cells}"),
        (
            "variant precision",
            lambda r: f"{r.variant_precision:.3f} ({r.variant_right}/{r.variant_proposed})",
        ),
        ("variant recall", lambda r: f"{r.variant_recall:.3f} ({r.variant_found}/{r.variant_expected})"),
        ("false merges", lambda r: str(len(r.false_merges))),
    ]
    width = max(len(label) for label, _ in rows)
    cols = [max(len(r.name), *(len(fn(r)) for _, fn in rows)) for r in reports]
    lines = [
        "| "
        + "metric".ljust(width)
        + " | "
        + " | ".join(r.name.ljust(c) for r, c in zip(reports, cols, strict=True))
        + " |",
        "|" + "-" * (width + 2) + "|" + "|".join("-" * (c + 2) for c in cols) + "|",
    ]
    for label, fn in rows:
        lines.append(
            "| "
            + label.ljust(width)
            + " | "
            + " | ".join(fn(r).ljust(c) for r, c in zip(reports, cols, strict=True))
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=LABELLED, help="the labelled names")
    parser.add_argument("--errors", action="store_true", help="list every wrong answer and false merge")
    args = parser.parse_args(argv)
    ours, base = run_all(args.csv)
    print(f"Harmonisation quality on {args.csv.name} ({ours.total} names)\n")
    print(table([ours, base]))
    if args.errors:
        for report in (ours, base):
            print(f"\n{report.name}: {len(report.errors)} wrong, {len(report.false_merges)} false merges")
            for line in report.errors:
                print(f"  wrong: {line}")
            for line in report.false_merges:
                print(f"  FALSE MERGE: {line}")
            for line in report.review:
                print(f"  left for review: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
