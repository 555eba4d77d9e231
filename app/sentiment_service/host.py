"""Facts about the host the service runs on, readable without the settings (and without pydantic).

The bulk score command's parent process imports only this: its memory is budgeted, and pydantic costs it
about 21 MB of RSS.
"""

import os
from pathlib import Path

# The model shipped in a checkout and in the image (app/sentiment_service -> repository root -> models/).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "sentiment-minilm-l6"


def _cgroup_cpu_limit(cgroup_root: Path) -> float | None:
    """CPUs allowed by a cgroup quota (v2 cpu.max, or v1 cfs quota/period); None when unlimited or unknown."""
    try:
        quota, period = (cgroup_root / "cpu.max").read_text().split()
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int((cgroup_root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((cgroup_root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def available_cpus(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process may use: the affinity mask, capped by a cgroup CPU quota (containers)."""
    cpus = len(os.sched_getaffinity(0))
    limit = _cgroup_cpu_limit(cgroup_root)
    if limit is not None:
        # A quota of 1.5 CPUs gives 1 worker: a second would be throttled half the time.
        cpus = min(cpus, max(1, int(limit)))
    return cpus
