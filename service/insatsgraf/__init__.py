"""insatsgraf: a knowledge graph of Swedish social-services interventions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("insatsgraf")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"


def _quiet_rdflib() -> None:
    """rdflib logs "… does not look like a valid URI" for every bad IRI it reads, before the package checks
    the IRI and says what is wrong in both languages (file, row): keep only that message."""
    import logging

    class _NoUriWarnings(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "does not look like a valid URI" not in record.getMessage()

    logging.getLogger("rdflib.term").addFilter(_NoUriWarnings())


_quiet_rdflib()
