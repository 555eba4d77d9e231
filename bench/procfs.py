"""Process facts from /proc (psutil is not a dependency): a process's children and its resident memory."""

from pathlib import Path

PROC = Path("/proc")


def child_pids(pid: int) -> list[int]:
    """Direct children of pid, via /proc/<pid>/task/*/children, or by scanning parent ids when the kernel lacks it."""
    children: set[int] = set()
    found_file = False
    for task_children in PROC.glob(f"{pid}/task/*/children"):
        found_file = True
        try:
            children.update(int(c) for c in task_children.read_text().split())
        except OSError:  # the task ended while we read
            continue
    if found_file:
        return sorted(children)
    return sorted(p for p in _all_pids() if parent_pid(p) == pid)


def parent_pid(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses, so parse from its closing parenthesis.
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def _status_mib(pid: int, field: str) -> float | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def rss_mb(pid: int) -> float | None:
    """VmRSS of pid in MiB, or None once the process is gone."""
    return _status_mib(pid, "VmRSS")


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM of pid in MiB: the most it has held resident since it started; None once it is gone."""
    return _status_mib(pid, "VmHWM")


def is_alive(pid: int) -> bool:
    return (PROC / str(pid)).exists()


def _all_pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]
