"""insatsgraf: a knowledge graph of Swedish social-services interventions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("insatsgraf")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
