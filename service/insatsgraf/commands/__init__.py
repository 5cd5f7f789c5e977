"""Command groups. Each module has ``register(app)``; the order here is the order in ``--help``."""

from insatsgraf.commands import (
    catalogue,
    export,
    harmonise,
    organisations,
    queries,
    report,
    serve,
    submissions,
)

REGISTRARS = [
    catalogue.register,
    submissions.register,
    organisations.register,
    queries.register,
    report.register,
    harmonise.register,
    serve.register,
    export.register,
]
