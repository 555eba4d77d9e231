"""The series the service exposes (read from sentiment_service.metrics) and the names a PromQL expression refers to,
so dashboards and alerts are checked against the code instead of a hand-kept list."""

import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from sentiment_service import metrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"

# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}

_METRIC = re.compile(r"\b(sentiment_[a-z0-9_]+)\b")
_SELECTOR = re.compile(r"\b(sentiment_[a-z0-9_]+)\s*\{([^}]*)\}")
_MATCHER_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _exposed(metric: MetricWrapperBase) -> dict[str, set[str]]:
    # prometheus_client keeps a counter's name without "_total" in ._name and adds it on exposition.
    labels = set(metric._labelnames) | TARGET_LABELS
    if metric._type == "counter":
        return {f"{metric._name}_total": labels}
    if metric._type == "histogram":
        return {f"{metric._name}_bucket": labels | {"le"}, f"{metric._name}_sum": labels, f"{metric._name}_count": labels}
    return {metric._name: labels}


def exposed_series() -> dict[str, set[str]]:
    """Every series name the service exposes, with the labels it can carry once scraped."""
    series = {}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            series.update(_exposed(value))
    return series


def family(series_name: str) -> str:
    return re.sub(r"_(bucket|sum|count)$", "", series_name)


def referenced_metrics(expr: str) -> set[str]:
    return set(_METRIC.findall(expr))


def unknown_labels(expr: str, series: dict[str, set[str]]) -> set[str]:
    """Labels used in selectors or groupings of `expr` that the metrics it reads cannot carry."""
    expr = _STRING.sub('""', expr)  # a label value must not read as a label name
    unknown = set()
    for name, matchers in _SELECTOR.findall(expr):
        unknown |= set(_MATCHER_LABEL.findall(matchers)) - series.get(name, set())
    available = set().union(*(series.get(name, set()) for name in referenced_metrics(expr)), TARGET_LABELS)
    for grouping in _GROUPING.findall(expr):
        unknown |= {label.strip() for label in grouping.split(",") if label.strip()} - available
    return unknown
