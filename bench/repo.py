"""Where the repository and the benchmark's inputs are, so every bench module resolves its defaults the same way."""

import subprocess

from evaluation.data import IMDB_TRAIN, REPO_ROOT, SST2_DEV  # noqa: F401 - re-exported for the bench scripts
from sentiment_service.settings import DEFAULT_MODEL_DIR

ROOT = REPO_ROOT
RESULTS_DIR = ROOT / "bench" / "results"
MODEL_DIR = DEFAULT_MODEL_DIR
BASELINE_PYTHON = ROOT / ".venv-train" / "bin" / "python"


def git_commit() -> str:
    """The checkout's short commit, or "unknown" outside a git checkout."""
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() or "unknown"
