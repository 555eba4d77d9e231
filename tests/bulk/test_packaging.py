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


PARENT_CSV_RUN = """
import sys
from pathlib import Path
import numpy as np
from sentiment_service.bulk import cli, tables, writers
from sentiment_service.bulk.scoring import ResultColumns, ScoredTexts

source, target = Path(sys.argv[1]), Path(sys.argv[2])
reader, writer = tables.open_reader(source, "csv", "text", 1024), writers.open_writer(target, "csv")
scored = ScoredTexts(["positive", None], np.array([0.9, np.nan]), np.array([[0.1, 0.9], [np.nan, np.nan]]),
                     [False, None], [None, "missing_text"])
for chunk in reader.chunks():
    writer.write(writers.with_results(chunk.table, scored, ResultColumns(("negative", "positive"))))
writer.close()
print(sorted(m for m in sys.modules if m in {"pandas", "pyarrow.compute", "pyarrow.parquet", "pydantic"}))
"""


def test_a_csv_run_keeps_pandas_pydantic_and_unused_arrow_modules_out_of_the_parent(tmp_path):
    """Each would cost the parent RSS: pandas about 55 MB, pydantic (the settings) 21 MB, pyarrow.compute and
    pyarrow.parquet about 10 MB each."""
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("id,text\n1,good\n2,\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", PARENT_CSV_RUN, str(source), str(target)], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert target.read_text(encoding="utf-8").splitlines()[1:] == ['"1","good","positive",0.9,0.1,0.9,false,',
                                                                  '"2",,,,,,,"missing_text"']
