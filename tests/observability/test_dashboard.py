"""The Grafana dashboard is well formed, reads only series the service exposes, and is provisioned."""

import json
import re
import shutil
import subprocess

import pytest
import yaml

from tests.observability.metric_catalog import MONITORING, exposed_series, family, referenced_metrics, unknown_labels

GRAFANA = MONITORING / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboard.json").read_text())
PANELS = DASHBOARD["panels"]
SERIES = exposed_series()
GRID_WIDTH = 24
# Grafana's own variables, replaced before the query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}


def targets():
    return [(panel, target) for panel in PANELS for target in panel["targets"]]


def test_dashboard_identity_and_datasource_variable():
    assert DASHBOARD["title"] == "Sentiment service"
    assert re.fullmatch(r"[a-z0-9-]{1,40}", DASHBOARD["uid"])
    assert DASHBOARD["schemaVersion"] >= 36
    variables = {v["name"]: v for v in DASHBOARD["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"


@pytest.mark.parametrize("panel", PANELS, ids=[p["title"] for p in PANELS])
def test_panel_is_complete(panel):
    assert isinstance(panel["id"], int)
    assert panel["title"].strip()
    assert panel["type"] in {"timeseries", "heatmap", "table", "stat", "bargauge"}
    assert set(panel["gridPos"]) == {"x", "y", "w", "h"}
    assert panel["targets"], "a panel without queries shows nothing"
    # Every panel follows the datasource variable, so the dashboard works with any Prometheus.
    assert panel["datasource"]["uid"] == "${datasource}"
    for target in panel["targets"]:
        assert target["expr"].strip() and target["refId"]
        assert target["datasource"]["uid"] == "${datasource}"
    ref_ids = [t["refId"] for t in panel["targets"]]
    assert len(ref_ids) == len(set(ref_ids))


def test_panel_ids_are_unique():
    ids = [p["id"] for p in PANELS]
    assert len(ids) == len(set(ids))


def test_panels_fit_the_grid_without_overlapping():
    cells = {}
    for panel in PANELS:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["h"] > 0 and grid["x"] + grid["w"] <= GRID_WIDTH, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps {cells[(x, y)]!r}"
                cells[(x, y)] = panel["title"]


def test_queries_read_only_series_the_service_exposes():
    for panel, target in targets():
        names = referenced_metrics(target["expr"])
        assert names, f"{panel['title']!r}: no sentiment_ metric in {target['expr']!r}"
        assert names <= set(SERIES), f"{panel['title']!r}: unknown {sorted(names - set(SERIES))}"


def test_queries_and_legends_use_only_labels_the_metrics_carry():
    for panel, target in targets():
        assert not unknown_labels(target["expr"], SERIES), f"{panel['title']!r}: {target['expr']!r}"
        legend_labels = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")))
        carried = set().union(*(SERIES[name] for name in referenced_metrics(target["expr"])))
        assert legend_labels <= carried, f"{panel['title']!r}: legend uses {sorted(legend_labels - carried)}"


def test_every_metric_the_service_exposes_has_a_panel():
    shown = {family(name) for _, target in targets() for name in referenced_metrics(target["expr"])}
    assert {family(name) for name in SERIES} <= shown


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian package `prometheus`)")
def test_queries_are_valid_promql(tmp_path):
    # promtool has no offline query check, but it parses every expression in a rule file.
    rules = []
    for panel, target in targets():
        expr = target["expr"]
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:panel_{panel['id']}_{target['refId']}", "expr": expr})
    rule_file = tmp_path / "dashboard_queries.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(["promtool", "check", "rules", str(rule_file)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_provisioning_loads_this_dashboard():
    text = (GRAFANA / "provisioning" / "dashboards.yml").read_text()
    [provider] = yaml.safe_load(text)["providers"]
    assert provider["type"] == "file"
    path = provider["options"]["path"].rstrip("/")
    # The documented mount puts dashboard.json inside the folder the provider reads.
    assert f"grafana/dashboard.json:{path}/dashboard.json" in text


def test_datasource_provisioning_matches_the_dashboard_and_the_scrape_interval():
    [datasource] = yaml.safe_load((GRAFANA / "provisioning" / "datasources.yml").read_text())["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["isDefault"] is True, "the dashboard's datasource variable starts on the default"
    scrape_interval = yaml.safe_load((MONITORING / "prometheus.yml").read_text())["global"]["scrape_interval"]
    assert datasource["jsonData"]["timeInterval"] == scrape_interval
