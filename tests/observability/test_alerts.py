"""The alerting rules are valid, fire when their unit tests say so, and carry what on-call needs."""

import re
import shutil
import subprocess

import pytest
import yaml

from tests.observability.metric_catalog import MONITORING, ROOT, exposed_series, referenced_metrics, unknown_labels

ALERTS = MONITORING / "alerts.yml"
ALERTS_TEST = MONITORING / "alerts_test.yml"
RULES = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
ALERTING = [rule for rule in RULES if "alert" in rule]
RUNBOOK_ANCHORS = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', (ROOT / "docs" / "RUNBOOK.md").read_text()))
needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                                    reason="promtool is not installed (Debian package `prometheus`)")


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@needs_promtool
def test_promtool_accepts_the_rules():
    result = promtool("check", "rules", str(ALERTS.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_unit_tests_pass():
    result = promtool("test", "rules", str(ALERTS_TEST.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_expected_alerts_exist():
    assert {rule["alert"] for rule in ALERTING} >= {
        "SentimentServiceNotReady", "SentimentHigh5xxRate", "SentimentHighP99Latency", "SentimentHigh429Rate"}


@pytest.mark.parametrize("rule", ALERTING, ids=[rule["alert"] for rule in ALERTING])
def test_alert_carries_what_on_call_needs(rule):
    # `for` keeps one bad scrape or evaluation from paging anyone.
    assert rule.get("for"), "no `for:` duration"
    assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    annotations = rule["annotations"]
    assert annotations["summary"].strip() and annotations["description"].strip()
    page, _, anchor = annotations["runbook"].partition("#")
    assert page == "docs/RUNBOOK.md" and anchor in RUNBOOK_ANCHORS, annotations["runbook"]


@pytest.mark.parametrize("rule", ALERTING, ids=[rule["alert"] for rule in ALERTING])
def test_alert_reads_only_series_and_labels_the_service_exposes(rule):
    series = exposed_series()
    names = referenced_metrics(rule["expr"])
    assert names and names <= set(series), sorted(names - set(series))
    assert not unknown_labels(rule["expr"], series)


def test_every_alert_is_unit_tested_firing_and_some_case_stays_quiet():
    suite = yaml.safe_load(ALERTS_TEST.read_text())
    assert suite["rule_files"] == [ALERTS.name]
    checks = [check for case in suite["tests"] for check in case.get("alert_rule_test", [])]
    fired = {check["alertname"] for check in checks if check["exp_alerts"]}
    assert fired == {rule["alert"] for rule in ALERTING}
    assert any(not check["exp_alerts"] for check in checks), "no case shows an alert staying quiet"


def test_prometheus_config_loads_the_rules():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    assert ALERTS.name in config["rule_files"]
