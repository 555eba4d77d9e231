"""Self-hosted sentiment-analysis inference service."""

from pathlib import Path

# The one version source: the image label, the git tag and /version all read this file.
__version__ = (Path(__file__).parent / "VERSION").read_text(encoding="utf-8").strip()
