"""Command groups. Each module has ``register(app)``; the order here is the order in ``--help``."""

from insatsgraf.commands import catalogue, export, harmonise, queries, report, serve, statistics, submissions

REGISTRARS = [
    catalogue.register,
    submissions.register,
    statistics.register,
    queries.register,
    report.register,
    harmonise.register,
    serve.register,
    export.register,
]
