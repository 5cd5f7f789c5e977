"""The ``insatsgraf`` command line: a Typer root app; each command group lives in ``commands/``.

Commands are thin: they parse options, call a library function, and print.
"""

from __future__ import annotations

import typer

from insatsgraf.commands import REGISTRARS

app = typer.Typer(
    name="insatsgraf",
    help="A knowledge graph of the interventions (insatser) Swedish social services offer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for register in REGISTRARS:
    register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
