"""``insatsgraf harmonise``: proposals for the local names in the store, and people's decisions on them."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from insatsgraf.commands.common import StoreOption, console, err_console, open_or_exit
from insatsgraf.config import Settings
from insatsgraf.errors import UserError

if TYPE_CHECKING:  # the harmonisation stage (rdflib, rapidfuzz) only in the commands that run it
    from insatsgraf.harmonisation.decisions import Decision
    from insatsgraf.harmonisation.matcher import Proposal
    from insatsgraf.sparql.store import Store

VARIANT_KINDS = ("same", "own-variant", "local-adaptation", "like")
"""``harmonisation.matcher.VARIANT_KINDS`` for the options' help, without importing the matcher
(``tests/test_cli_start.py`` checks they agree)."""

harmonise_app = typer.Typer(
    help="Map local names to canonical programmes: proposals (this command), decisions (accept/reject/map).",
    invoke_without_command=True,
    no_args_is_help=False,
)

OrgOption = Annotated[
    str | None, typer.Option("--org", help="Organisation id (e.g. 0580); its districts too.")
]
ByOption = Annotated[
    str, typer.Option("--by", envvar="INSATSGRAF_USER", help="Who decides (recorded, PROV-O).")
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (recorded with the decision).")]
ScopeOption = Annotated[
    str | None, typer.Option("--org", help="Make the decision hold for this organisation's name only.")
]
DecisionsOption = Annotated[
    Path | None,
    typer.Option(
        "--decisions",
        envvar="INSATSGRAF_DECISIONS",
        help=(
            "The deployment's decisions file (default: decisions.ttl beside the store; the bundled"
            " data/ttl/decisions.ttl is read too)."
        ),
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(harmonise_app, name="harmonise")


@harmonise_app.callback()
def proposals(
    ctx: typer.Context,
    org: OrgOption = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    store: StoreOption = None,
) -> None:
    """Print the proposed mapping of every local name: org,insats,programme,relation,score,status."""
    if ctx.invoked_subcommand is not None:
        return
    from insatsgraf.harmonisation.matcher import propose

    with _reading(store, fmt, ("csv", "json")) as (settings, st):
        found = propose(st, settings, org)
    write_proposals(found, fmt)


def write_proposals(found: list[Proposal], fmt: str) -> None:
    from insatsgraf.harmonisation.matcher import CSV_COLUMNS
    from insatsgraf.submission.template import write_csv

    if fmt == "json":
        json.dump([p.to_json() for p in found], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    write_csv(sys.stdout, CSV_COLUMNS, (p.row() for p in found))


@contextmanager
def _reading(store: str | None, fmt: str, formats: tuple[str, ...]) -> Iterator[tuple[Settings, Store]]:
    """The store opened read-only for one listing in one of ``formats``; a user error is exit 2."""
    if fmt not in formats:
        choices = " or ".join(formats)
        err_console.print(
            f"[red]error:[/red] --format must be {choices}, not '{fmt}' / ska vara {choices.replace('or', 'eller')}"
        )
        raise typer.Exit(2)
    settings, st = open_or_exit(store, read_only=True)
    try:
        yield settings, st
    except UserError as exc:
        _fail(exc)
    finally:
        st.close()


def _fail(exc: UserError) -> None:
    err_console.print(f"[red]error:[/red] {exc.text()}")
    raise typer.Exit(2) from exc


def current(st: Store, name: str, org: str | None) -> list[Proposal]:
    """What is proposed for ``name`` now, as ``harmonise`` lists it (statements weighed, decisions applied)."""
    from insatsgraf.harmonisation.decisions import proposed

    return proposed(st, name, org)


def accept_decisions(
    st: Store, name: str, programme: str | None, by: str, reason: str, org: str | None, relation: str | None
) -> list[Decision]:
    """Accept the current proposal(s) for ``name`` (or the one for ``programme``)."""
    from insatsgraf.harmonisation.decisions import Decision, accepted_relation

    found = current(st, name, org)
    chosen = [p for p in found if programme is None or p.programme == programme]
    if not chosen:
        raise UserError(
            f"nothing is proposed for '{name}'"
            + (f" as {programme}" if programme else "")
            + ": use `insatsgraf harmonise map` to choose a programme by hand.",
            f"inget förslag finns för '{name}'"
            + (f" som {programme}" if programme else "")
            + ": använd `insatsgraf harmonise map` för att välja program manuellt.",
            code="not-proposed",
        )
    programmes = sorted({p.programme for p in chosen})
    return [
        Decision(name, "accepted", pid, by, relation or accepted_relation(chosen, pid), reason, org)
        for pid in programmes
    ]


def reject_decisions(
    st: Store, name: str, programme: str | None, by: str, reason: str, org: str | None
) -> list[Decision]:
    """Reject one pair, or every current proposal for ``name``."""
    from insatsgraf.harmonisation.decisions import Decision, accepted_relation

    if programme:
        return [Decision(name, "rejected", programme, by, "same", reason, org)]
    found = current(st, name, org)
    if not found:
        raise UserError(
            f"nothing is proposed for '{name}', so there is nothing to reject.",
            f"inget förslag finns för '{name}', så det finns inget att avvisa.",
            code="not-proposed",
        )
    return [
        Decision(name, "rejected", pid, by, accepted_relation(found, pid), reason, org)
        for pid in sorted({p.programme for p in found})
    ]


def _record(store: str | None, decisions_file: Path | None, build: Callable[[Store], list[Decision]]) -> None:
    from insatsgraf.harmonisation.decisions import default_path, record_decisions

    settings, st = open_or_exit(store)
    try:
        made = record_decisions(st, settings, build(st), decisions_file or default_path(settings))
    except UserError as exc:
        _fail(exc)
    finally:
        st.close()
    for d in made:
        target = d.programme or "—"
        scope = f" [{d.org}]" if d.org else ""
        print(f"{d.outcome}: '{d.name}'{scope} → {target} ({d.relation}) by {d.by}")


@harmonise_app.command("accept")
def accept(
    name: Annotated[str, typer.Argument(help="The local name, as written.")],
    programme: Annotated[
        str | None, typer.Argument(help="Programme id; default: every current proposal.")
    ] = None,
    by: ByOption = "",
    reason: ReasonOption = "",
    org: ScopeOption = None,
    relation: Annotated[str | None, typer.Option(help=f"Override: {', '.join(VARIANT_KINDS)}.")] = None,
    store: StoreOption = None,
    decisions: DecisionsOption = None,
) -> None:
    """Accept the proposed mapping of NAME: future runs use it, and it survives resubmission."""
    _record(store, decisions, lambda st: accept_decisions(st, name, programme, by, reason, org, relation))


@harmonise_app.command("reject")
def reject(
    name: Annotated[str, typer.Argument(help="The local name, as written.")],
    programme: Annotated[
        str | None, typer.Argument(help="Programme id; default: every current proposal.")
    ] = None,
    by: ByOption = "",
    reason: ReasonOption = "",
    org: ScopeOption = None,
    store: StoreOption = None,
    decisions: DecisionsOption = None,
) -> None:
    """Reject a proposed mapping of NAME: it is never proposed again."""
    _record(store, decisions, lambda st: reject_decisions(st, name, programme, by, reason, org))


@harmonise_app.command("map")
def map_(
    name: Annotated[str, typer.Argument(help="The local name, as written.")],
    programme: Annotated[str, typer.Argument(help="Programme id, or 'none' for an intervention on no list.")],
    by: ByOption = "",
    reason: ReasonOption = "",
    org: ScopeOption = None,
    relation: Annotated[str, typer.Option(help=f"One of {', '.join(VARIANT_KINDS)}.")] = "same",
    store: StoreOption = None,
    decisions: DecisionsOption = None,
) -> None:
    """Map NAME to PROGRAMME by hand (or to none: a local intervention that is on no list)."""
    from insatsgraf.harmonisation.decisions import Decision

    target = None if programme.lower() in ("none", "-", "ingen") else programme
    _record(store, decisions, lambda st: [Decision(name, "mapped", target, by, relation, reason, org)])


@harmonise_app.command("review")
def review(
    org: OrgOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show the first N names.")] = None,
    store: StoreOption = None,
) -> None:
    """What waits for a person: names under review, most shared first, with candidates and why."""
    from insatsgraf.harmonisation.review import queue_json, review_queue, rich_table

    with _reading(store, fmt, ("table", "json")) as (settings, st):
        items = review_queue(st, settings, org)
    if fmt == "json":
        json.dump(queue_json(items, org, limit), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        console.print(rich_table(items, limit))
