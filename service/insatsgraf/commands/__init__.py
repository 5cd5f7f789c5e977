"""Command groups. Each module has ``register(app)``; the order here is the order in ``--help``."""

from insatsgraf.commands import catalogue, editions, export, harmonise, queries, report, serve, submissions

REGISTRARS = [
    catalogue.register,
    editions.register,
    submissions.register,
    queries.register,
    report.register,
    harmonise.register,
    serve.register,
    export.register,
]
