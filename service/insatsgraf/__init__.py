"""insatsgraf: a knowledge graph of Swedish social-services interventions."""


def __getattr__(name: str) -> str:
    """``__version__`` read on first use: importlib.metadata costs ~50 ms of every CLI start (``--help``)."""
    if name != "__version__":
        raise AttributeError(f"module 'insatsgraf' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("insatsgraf")
    except PackageNotFoundError:  # running from a source tree without install
        found = "0.0.0"
    globals()["__version__"] = found
    return found


def _quiet_rdflib() -> None:
    """rdflib logs "… does not look like a valid URI" for every bad IRI it reads, before the package checks
    the IRI and says what is wrong in both languages (file, row): keep only that message."""
    import logging

    class _NoUriWarnings(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "does not look like a valid URI" not in record.getMessage()

    logging.getLogger("rdflib.term").addFilter(_NoUriWarnings())


_quiet_rdflib()
