"""Bulk scoring ships as optional extras: pinned exactly, declared in pyproject.toml, and never pulled into the service."""

import re
import subprocess
import sys
import tomllib

from tests.bulk.conftest import ROOT

EXTRA_FILES = {"bulk": ["requirements-bulk.txt"], "spark": ["requirements-bulk.txt", "requirements-spark.txt"]}
BULK_ONLY = {"pyarrow", "tqdm", "pyspark", "py4j", "pandas"}


def requirement_lines(name: str) -> list[str]:
    return [line.strip() for line in (ROOT / name).read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_extras_are_declared_from_their_requirement_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "optional-dependencies" in project["project"]["dynamic"]
    declared = project["tool"]["setuptools"]["dynamic"]["optional-dependencies"]
    assert {extra: spec["file"] for extra, spec in declared.items()} == EXTRA_FILES


def test_every_extra_requirement_is_pinned_exactly():
    for name in ("requirements-bulk.txt", "requirements-spark.txt"):
        for line in requirement_lines(name):
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", line), f"{name}: {line!r} is not pinned exactly"
    assert any(line.startswith("pandas==2.") for line in requirement_lines("requirements-spark.txt"))


def test_the_service_image_requirements_stay_free_of_bulk_dependencies():
    runtime = {line.split("==")[0].lower() for line in requirement_lines("app/requirements.txt")}
    assert not runtime & BULK_ONLY


def test_the_service_and_the_score_workers_never_import_table_libraries():
    """The service must run without the extras installed; workers stay small (no pyarrow in each process)."""
    probe = ("import sys, sentiment_service.service, sentiment_service.bulk.pool, sentiment_service.bulk.scoring; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in {'pyarrow', 'pyspark', 'pandas', 'tqdm'} "
             "or m.startswith('sentiment_service.bulk.') and m not in {'sentiment_service.bulk.pool', 'sentiment_service.bulk.scoring'}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
