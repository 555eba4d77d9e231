"""A gunicorn service over the tiny model, shared by the reliability tests, and worker-process helpers."""

from pathlib import Path

import pytest

from tests.integration.gunicorn_process import gunicorn_service


def worker_pids(master_pid: int) -> set[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return {int(pid) for pid in children}


@pytest.fixture(scope="module")
def service(tmp_path_factory, tiny_model_dir):
    with gunicorn_service(tmp_path_factory.mktemp("reliability"), tiny_model_dir, workers=2,
                          MAX_TEXT_CHARS="2000", MAX_BATCH_TEXTS="32", MAX_BODY_BYTES="1000000") as running:
        running.initial_workers = worker_pids(running.process.pid)
        yield running
