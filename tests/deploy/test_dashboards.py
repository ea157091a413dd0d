"""The Grafana dashboard and the Prometheus alerts query only metrics the services really expose."""

from __future__ import annotations

import json
import re
from pathlib import Path

import kaiku_runtime.metrics
import kaiku_usage.metrics
import yaml
from prometheus_client import REGISTRY

OBSERVABILITY = Path(__file__).resolve().parents[2] / "deploy" / "observability"


def exposed_names() -> set[str]:
    assert kaiku_runtime.metrics
    assert kaiku_usage.metrics
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
        names |= {family.name + suffix for suffix in suffixes.get(family.type, ())}
    return names


def queried(expressions: list[str]) -> set[str]:
    return {name for expr in expressions for name in re.findall(r"\bkaiku_[a-z_]+\b", expr)}


def test_dashboard_panels_query_existing_metrics_and_cover_the_issue():
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = queried(expressions)
    assert used <= exposed_names(), used - exposed_names()
    for needed in (
        "kaiku_http_request_duration_seconds_bucket",
        "kaiku_events_published_total",
        "kaiku_consumer_lag_messages",
        "kaiku_outbox_backlog_events",
        "kaiku_dead_letters_total",
        "kaiku_redemptions_rejected_total",
    ):
        assert needed in used, needed
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_alert_rules_query_existing_metrics():
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())["groups"][0]["rules"]
    used = queried([rule["expr"] for rule in rules])
    assert used
    assert used <= exposed_names(), used - exposed_names()


def test_prometheus_scrapes_every_service_and_loads_the_alerts():
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for group in job["static_configs"] for t in group["targets"]}
    assert targets == {"issuance:8001", "usage:8002", "stats:8003", "portal:8000"}
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
