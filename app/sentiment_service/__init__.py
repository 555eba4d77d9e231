"""Self-hosted sentiment-analysis inference service."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _version() -> str:
    # The one version source is app/VERSION: a checkout and the image read it beside this package; an
    # installed wheel carries it as its metadata version (pyproject.toml reads the same file).
    source = Path(__file__).resolve().parent.parent / "VERSION"
    if source.is_file():
        return source.read_text(encoding="utf-8").strip()
    try:
        return version("sentiment-service")
    except PackageNotFoundError:
        return "0.0.0"


__version__ = _version()
