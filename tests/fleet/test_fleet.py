"""Three instances behind HAProxy: a rolling restart loses nothing; a crash or 4x overload yields only
200, 429 and 503, and nothing hangs. Drain and probe timings come from deploy/kubernetes/base/timings.env."""

import shutil
import time

import pytest

from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.fleet.fleet import Balancer, Instance, Load, read_timings
from tests.integration.gunicorn_process import free_port, wait_ready

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed (Debian package `haproxy`)")]
TIMINGS = read_timings()
SHORT = {"text": "The support team fixed it in minutes, wonderful."}
BATCH = {"texts": ["a long and thoughtful review that goes on and on about the plot " * 6] * 32}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """One fleet for the module; the tests run in file order, and the kill -9 test comes last."""
    tmp_path = tmp_path_factory.mktemp("fleet")
    env = {"WORKERS": "1", "DRAIN_DELAY_S": str(TIMINGS["DRAIN_DELAY_S"]),
           "GRACEFUL_TIMEOUT_S": str(TIMINGS["GRACEFUL_TIMEOUT_S"])}
    instances = [Instance(free_port(), DEFAULT_MODEL_DIR, tmp_path / f"instance-{i}", env) for i in range(3)]
    balancer = Balancer([i.port for i in instances], tmp_path, TIMINGS)
    try:
        for instance in instances:
            instance.start()
        balancer.start()
        yield instances, balancer
    finally:
        balancer.stop()
        for instance in instances:
            instance.stop()


def all_backends_up(balancer: Balancer, seconds: float) -> None:
    """Wait for HAProxy's health checks to mark restarted instances up again."""
    time.sleep(seconds)
    wait_ready(balancer.url)


def test_rolling_restart_under_load_fails_no_request(fleet):
    instances, balancer = fleet
    grace_s = TIMINGS["DRAIN_DELAY_S"] + TIMINGS["GRACEFUL_TIMEOUT_S"] + 5
    with Load(balancer.url, clients=6, body=SHORT) as load:
        time.sleep(1)
        for instance in instances:
            assert instance.terminate_and_wait(grace_s) == 0
            instance.start()
            all_backends_up(balancer, TIMINGS["READY_CHECK_INTERVAL_S"] * 2)
        time.sleep(1)
    assert load.outcomes["200"] > 100, load.outcomes
    assert set(load.outcomes) == {"200"}, (load.outcomes, load.failures)


def test_fleet_at_4x_overload_sheds_with_429_and_never_hangs(fleet):
    _, balancer = fleet
    with Load(balancer.url, clients=48, body=BATCH, path="/batch-predict", max_seconds=15) as load:
        time.sleep(8)
    assert "429" in load.outcomes and "200" in load.outcomes, load.outcomes
    assert set(load.outcomes) <= {"200", "429", "503"}, (load.outcomes, load.failures)
    assert load.slowest_s < 15, "a request hung"


def test_kill_9_of_an_instance_yields_only_200_429_503_and_no_hang(fleet):
    instances, balancer = fleet
    with Load(balancer.url, clients=6, body=SHORT, max_seconds=30) as load:
        time.sleep(1)
        instances[1].kill_master()
        time.sleep(TIMINGS["READY_CHECK_INTERVAL_S"] * (TIMINGS["READY_CHECK_FALL"] + 2))
    assert load.outcomes["200"] > 100, load.outcomes
    assert set(load.outcomes) <= {"200", "429", "503"}, (load.outcomes, load.failures)
    assert load.slowest_s < 15, "a request hung"
