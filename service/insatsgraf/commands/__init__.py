"""Command groups. Each module has ``register(app)``; the order here is the order in ``--help``."""

from insatsgraf.commands import (
    catalogue,
    editions,
    export,
    harmonise,
    queries,
    report,
    serve,
    submissions,
    workbook,
)

REGISTRARS = [
    catalogue.register,
    editions.register,
    submissions.register,
    workbook.register,
    queries.register,
    report.register,
    harmonise.register,
    serve.register,
    export.register,
]
