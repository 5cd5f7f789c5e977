"""Command groups. Each module has ``register(app)``; the order here is the order in ``--help``."""

from insatsgraf.commands import (
    catalogue,
    editions,
    evidence,
    export,
    harmonise,
    organisations,
    queries,
    report,
    serve,
    statistics,
    submissions,
    workbook,
)

REGISTRARS = [
    catalogue.register,
    editions.register,
    submissions.register,
    workbook.register,
    statistics.register,
    organisations.register,
    queries.register,
    report.register,
    harmonise.register,
    evidence.register,  # issue 17
    serve.register,
    export.register,
]
