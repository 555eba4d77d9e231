"""A real Prometheus, configured from deploy/monitoring/prometheus.yml, scrapes the real service and
loads the alert rules. Everything listens on 127.0.0.1 only."""

import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import yaml

from tests.integration.gunicorn_process import free_port, gunicorn_service, stop_process
from tests.observability.metric_catalog import MONITORING

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("prometheus") is None, reason="prometheus is not installed (Debian package `prometheus`)"),
]

WAIT_S = 30


def scrape_config(service_address: str) -> dict:
    """The shipped config, scraping every second and pointed at the service under test."""
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    # Absolute, because the config is written elsewhere than the rules.
    config["rule_files"] = [str(MONITORING / name) for name in config["rule_files"]]
    [job] = [job for job in config["scrape_configs"] if job["job_name"] == "sentiment"]
    job["static_configs"] = [{"targets": [service_address]}]
    return config


@contextmanager
def prometheus(tmp_path: Path, config: dict):
    """Yield the base URL of a Prometheus running `config`; always stop it."""
    config_path, log_path = tmp_path / "prometheus.yml", tmp_path / "prometheus.log"
    config_path.write_text(yaml.safe_dump(config))
    url = f"http://127.0.0.1:{free_port()}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["prometheus", f"--config.file={config_path}", f"--web.listen-address={url.removeprefix('http://')}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        yield url, log_path
    finally:
        stop_process(process, 15)


def api(url: str, path: str, **params) -> dict:
    response = requests.get(f"{url}/api/v1/{path}", params=params, timeout=5)
    response.raise_for_status()
    return response.json()["data"]


def wait_for(check, what: str, url: str, log_path: Path):
    """Poll `check` until it returns something truthy; fail with the scrape state and log after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except requests.RequestException:
            pass  # Prometheus still starting
        time.sleep(0.5)
    try:
        targets = [(t["scrapeUrl"], t["health"], t["lastError"]) for t in api(url, "targets")["activeTargets"]]
    except requests.RequestException as exc:
        targets = repr(exc)
    pytest.fail(f"{what} not seen within {WAIT_S}s; targets: {targets}\nprometheus log:\n{log_path.read_text()[-3000:]}")


def test_prometheus_scrapes_the_service_and_loads_the_alerts(tmp_path, tiny_model_dir):
    (tmp_path / "service").mkdir()
    (tmp_path / "prometheus").mkdir()
    with gunicorn_service(tmp_path / "service", tiny_model_dir, workers=1) as service:
        for text in ("I loved it", "terrible waste", "good film"):
            assert requests.post(f"{service.url}/predict", json={"text": text}, timeout=5).status_code == 200
        assert requests.post(f"{service.url}/predict", json={"text": ""}, timeout=5).status_code == 422

        address = service.url.removeprefix("http://")
        with prometheus(tmp_path / "prometheus", scrape_config(address)) as (url, log_path):
            series = wait_for(lambda: api(url, "query", query='sentiment_http_requests_total{job="sentiment"}')["result"],
                              "sentiment_http_requests_total", url, log_path)
            statuses = {(s["metric"]["endpoint"], s["metric"]["status"]) for s in series}
            assert {("/predict", "200"), ("/predict", "422")} <= statuses
            assert all(s["metric"]["instance"] == address for s in series)

            [up] = api(url, "query", query='up{job="sentiment"}')["result"]
            assert up["value"][1] == "1"
            assert api(url, "query", query='sentiment_build_info{job="sentiment"}')["result"], "model info not scraped"

            expected = {rule["alert"] for group in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
                        for rule in group["rules"] if "alert" in rule}

            def evaluated_rules():
                rules = {r["name"]: r for g in api(url, "rules", type="alert")["groups"] for r in g["rules"]}
                # "unknown" until the first evaluation; wait for every rule to have run once.
                return rules if set(rules) >= expected and all(r["health"] != "unknown" for r in rules.values()) else None

            rules = wait_for(evaluated_rules, "evaluated alert rules", url, log_path)
            assert set(rules) == expected
            assert all(r["health"] == "ok" for r in rules.values()), {n: r.get("lastError") for n, r in rules.items()}
            # The service is up with its model loaded, so the not-ready join must find nothing.
            assert rules["SentimentServiceNotReady"]["state"] == "inactive"
