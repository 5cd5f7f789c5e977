"""``insatsgraf serve`` (the HTTP service) and ``insatsgraf token`` (write tokens: organisations, curators)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from insatsgraf.commands.common import StoreOption, console, err_console, open_or_exit, settings_for
from insatsgraf.config import Settings
from insatsgraf.errors import UserError

if TYPE_CHECKING:  # FastAPI (api/) only in the commands that serve or read tokens
    from fastapi import FastAPI

    from insatsgraf.api.deps import ServiceLimits
    from insatsgraf.api.tokens import TokenRegistry
    from insatsgraf.sparql.store import Store
    from insatsgraf.sparql.workers import Evaluator

TokensOption = Annotated[
    Path | None,
    typer.Option(
        "--tokens", envvar="INSATSGRAF_TOKENS", help="Token file (default: tokens.json beside the store)."
    ),
]


def prepare_store(store: Store, settings: Settings, *, reload: bool = False) -> bool:
    """Load the bundled data when the store is empty (or ``reload``); returns whether it loaded."""
    if store.graph_names() and not reload:
        return False
    from insatsgraf.submission.bundled import load_bundled

    load_bundled(store, settings)
    return True


def resync_decisions(store: Store, settings: Settings) -> None:
    """The decisions graph agrees with the decisions file (the source of truth) before the first request: a
    crash between the file and the store write (``record_decisions``) leaves the file ahead."""
    from insatsgraf.harmonisation.decisions import default_path, ensure_in_sync

    try:
        synced = ensure_in_sync(store, settings)
    except UserError as exc:
        err_console.print(f"[red]error:[/red] {exc.text()}")
        raise typer.Exit(2) from exc
    if synced is not None:
        err_console.print(
            f"the decisions graph differed from {default_path(settings)}: re-derived it ({synced} decisions)"
        )


def run_serve(
    settings: Settings,
    store: Store,
    *,
    host: str,
    port: int,
    limits: ServiceLimits,
    tokens: Path | None = None,
    reload: bool = False,
    log_level: str = "info",
    evaluator: Evaluator | None = None,
) -> None:
    """Serve the app on ``host:port`` until interrupted.

    In the order that makes the first answer soonest (issue 16: within 2 s on a national store): the query
    workers start first, so that they import and warm up while this process imports FastAPI; uvicorn then
    serves ``/sparql`` from an app with that router only, and builds the full app once it runs
    (``api/staged.py``). ``evaluator``: the workers, when the caller started them before importing FastAPI
    (``serve`` does: ``ServiceLimits`` is in ``api/deps.py``)."""
    from insatsgraf.sparql.workers import evaluator_for

    if evaluator is None:
        evaluator = evaluator_for(
            store, limits.query_workers, limits.query_memory_mb, expose_personal=limits.expose_personal_data
        )
    if prepare_store(store, settings, reload=reload):
        err_console.print("loaded the bundled data into the store")
    resync_decisions(store, settings)
    import uvicorn

    from insatsgraf.api.staged import StagedApp, first_app

    first = first_app(settings, store, limits=limits, tokens=tokens, evaluator=evaluator)
    app = StagedApp(first, lambda: create_full_app(settings, store, limits, first.state.tokens))
    err_console.print(
        f"insatsgraf: SPARQL endpoint http://{host}:{port}/sparql · API docs http://{host}:{port}/docs"
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def create_full_app(
    settings: Settings, store: Store, limits: ServiceLimits, tokens: TokenRegistry
) -> FastAPI:
    """Every router (``api.create_app``); what ``serve`` answers from once the first app has started."""
    from insatsgraf.api import create_app

    return create_app(settings, store, limits=limits, tokens=tokens)


def known_organisations(settings: Settings) -> set[str]:
    """Organisation ids of the bundled register (``dct:identifier`` in organisations.ttl)."""
    from rdflib.namespace import DCTERMS

    from insatsgraf.model.rdf import read_turtle

    path = settings.data_dir / "organisations.ttl"
    if not path.exists():
        return set()
    return {str(o) for o in read_turtle(path, settings.base).objects(None, DCTERMS.identifier)}


def _registry(store: str | None, tokens: Path | None) -> TokenRegistry:
    from insatsgraf.api.tokens import TokenRegistry, tokens_path

    return TokenRegistry(tokens or tokens_path(settings_for(store)))


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        store: StoreOption = None,
        tokens: TokensOption = None,
        query_timeout: Annotated[
            float, typer.Option(help="Seconds a SPARQL query may run (then 503).")
        ] = 30.0,
        query_memory_mb: Annotated[
            int,
            typer.Option(help="Address space (MB) of each query worker process; a query needing more: 503."),
        ] = 1024,
        query_workers: Annotated[int, typer.Option(help="SPARQL queries evaluated at the same time.")] = 4,
        max_rows: Annotated[int, typer.Option(help="Most rows/triples in one answer (more: 422).")] = 10_000,
        max_upload_mb: Annotated[
            float, typer.Option(help="Largest submission upload in MB (more: 413).")
        ] = 10.0,
        cors_origin: Annotated[
            list[str] | None,
            typer.Option(help="Origin allowed to call the API from a browser (repeatable; default: any)."),
        ] = None,
        reload_data: Annotated[
            bool,
            typer.Option("--reload-data", help="Reload the bundled data even if the store is not empty."),
        ] = False,
        expose_personal_data: Annotated[
            bool,
            typer.Option(
                "--expose-personal-data",
                help="Let /sparql read the names of the people who submitted or decided (default: hidden).",
            ),
        ] = False,
    ) -> None:
        """Serve the SPARQL endpoint, query catalogue, submission and harmonisation APIs over HTTP."""
        from insatsgraf.sparql.workers import evaluator_for

        settings, opened = open_or_exit(store)
        # The workers first: they import and warm up while this process imports FastAPI (api.deps).
        evaluator = evaluator_for(
            opened, query_workers, query_memory_mb, expose_personal=expose_personal_data
        )
        from insatsgraf.api.deps import ServiceLimits

        limits = ServiceLimits(
            query_timeout=query_timeout,
            query_memory_mb=query_memory_mb,
            query_workers=query_workers,
            max_rows=max_rows,
            max_upload_bytes=int(max_upload_mb * 1024 * 1024),
            cors_origins=tuple(cors_origin or ("*",)),
            expose_personal_data=expose_personal_data,
        )
        run_serve(
            settings,
            opened,
            host=host,
            port=port,
            limits=limits,
            tokens=tokens,
            reload=reload_data,
            evaluator=evaluator,
        )

    token_app = typer.Typer(
        help="Write tokens for organisations and curators (the API's bearer tokens).", no_args_is_help=True
    )
    app.add_typer(token_app, name="token")

    @token_app.command("issue")
    def token_issue(
        org: Annotated[
            str | None, typer.Option("--org", help="Organisation id, e.g. 0580 or 0180-bromma.")
        ] = None,
        curator: Annotated[
            bool,
            typer.Option(
                "--curator",
                help="A curator's token (no organisation): national decisions and catalogue changes.",
            ),
        ] = False,
        label: Annotated[str, typer.Option(help="A note: who holds it, what for.")] = "",
        store: StoreOption = None,
        tokens: TokensOption = None,
        force: Annotated[
            bool, typer.Option(help="Issue even if the organisation is not in the register.")
        ] = False,
    ) -> None:
        """Issue a new token for one organisation (or a curator's) and print it (only now: it is stored hashed)."""
        registry = _registry(store, tokens)
        if (org is None) == (not curator):
            err_console.print(
                "[red]error:[/red] give either --org ID (an organisation's token) or --curator "
                "(a curator's token); ange antingen --org ID eller --curator."
            )
            raise typer.Exit(2)
        if org is None:
            secret, info = registry.issue_curator(label)
            err_console.print(
                f"curator token {info.id} (stored in {registry.path}); it may decide for every organisation "
                "and change the catalogue. Keep it secret, it is not shown again:"
            )
            print(secret)
            return
        known = known_organisations(settings_for(store))
        if known and org not in known and not force:
            err_console.print(
                f"[red]error:[/red] unknown organisation '{org}' (not in organisations.ttl); "
                f"okänd organisation '{org}'. Use --force to issue anyway."
            )
            raise typer.Exit(2)
        try:
            secret, info = registry.issue(org, label)
        except UserError as exc:
            err_console.print(f"[red]error:[/red] {exc.text()}")
            raise typer.Exit(2) from exc
        err_console.print(
            f"token {info.id} for organisation {org} (stored in {registry.path}); "
            "keep it secret, it is not shown again:"
        )
        print(secret)

    @token_app.command("list")
    def token_list(
        org: Annotated[str | None, typer.Option("--org", help="Only this organisation's tokens.")] = None,
        store: StoreOption = None,
        tokens: TokensOption = None,
    ) -> None:
        """List tokens (ids, organisations, dates; never the secrets)."""
        table = Table("id", "role", "organisation", "created", "label", "revoked")
        for info in _registry(store, tokens).list(org):
            table.add_row(info.id, info.role, info.org, info.created, info.label, info.revoked or "")
        console.print(table)

    @token_app.command("revoke")
    def token_revoke(
        token_id: Annotated[str, typer.Argument(help="The token's id (from `insatsgraf token list`).")],
        store: StoreOption = None,
        tokens: TokensOption = None,
    ) -> None:
        """Revoke a token: it stops working at once, also in a running server."""
        try:
            info = _registry(store, tokens).revoke(token_id)
        except UserError as exc:
            err_console.print(f"[red]error:[/red] {exc.text()}")
            raise typer.Exit(2) from exc
        whose = "a curator" if info.curator else f"organisation {info.org}"
        console.print(f"revoked token {info.id} of {whose} at {info.revoked}")
