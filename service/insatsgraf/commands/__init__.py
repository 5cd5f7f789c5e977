"""Command groups. Each module has ``register(app)``; the order here is the order in ``--help``."""

from insatsgraf.commands import catalogue, evidence, export, harmonise, queries, report, serve, submissions

REGISTRARS = [
    catalogue.register,
    submissions.register,
    queries.register,
    report.register,
    harmonise.register,
    evidence.register,  # issue 17
    serve.register,
    export.register,
]
