"""Where the repository and the benchmark's inputs are, so every bench module resolves its defaults the same way."""

from evaluation.data import IMDB_TRAIN, REPO_ROOT, SST2_DEV  # noqa: F401 - re-exported for the bench scripts
from sentiment_service.settings import DEFAULT_MODEL_DIR

ROOT = REPO_ROOT
RESULTS_DIR = ROOT / "bench" / "results"
MODEL_DIR = DEFAULT_MODEL_DIR
BASELINE_PYTHON = ROOT / ".venv-train" / "bin" / "python"
