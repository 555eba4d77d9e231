"""Where the repository is, so every bench script resolves its defaults relative to it (never the cwd).

Importing this module also puts the repository root on sys.path, so `app.*` imports work when a script
runs as `python bench/<script>.py`; multiprocessing's spawned children inherit that path.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
# Shared data sits beside the repository, not inside it (it is not ours to ship).
SST2_DEV = ROOT.parent / "shared" / "data" / "sst2" / "dev.jsonl"
IMDB_TRAIN = ROOT.parent / "shared" / "data" / "imdb" / "train.jsonl"
MODEL_DIR = ROOT / "models" / "sentiment-minilm-l6"
BASELINE_PYTHON = ROOT / ".venv-train" / "bin" / "python"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
