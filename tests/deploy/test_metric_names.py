"""The services' metric names follow Prometheus' naming conventions (what `promtool check metrics` lints).

https://prometheus.io/docs/practices/naming/: snake_case names and labels, base units as a suffix
(`_seconds`, `_bytes`), `_total` on counters and only there, a unit (or what is counted) on gauges,
histograms named after what they measure in a base unit, the HTTP status in a label named `code`.
The exposition is scraped from a real service's `/metrics`, after a request, so the HTTP histogram has
a sample; label names come from the metric objects too (a labelled metric without samples shows none).
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from prometheus_client.metrics import MetricWrapperBase

SERVICES = ("issuance", "usage", "stats", "portal")
SNAKE = re.compile(r"[a-z][a-z0-9_]*")
# units other than the base ones (promlint's list, and their abbreviations)
NON_BASE_UNITS = frozenset(
    {
        *("ms", "msec", "msecs", "millis", "milliseconds", "us", "microseconds", "ns", "nanoseconds"),
        *("sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours", "days", "weeks"),
        *("kb", "kib", "kilobytes", "mb", "mib", "megabytes", "gb", "gib", "gigabytes", "bits", "percent"),
    }
)
TYPE_WORDS = frozenset({"counter", "gauge", "histogram", "summary"})
# what a gauge may end in: a base unit, or the thing it counts (`up`/`info` are Prometheus' own idioms)
GAUGE_SUFFIXES = ("_seconds", "_bytes", "_ratio", "_celsius", "_events", "_messages", "_rows", "_up", "_info")
HISTOGRAM_SUFFIXES = ("_seconds", "_bytes", "_events", "_messages", "_rows")
HTTP_STATUS_LABELS = frozenset({"status", "status_code", "http_status"})


@dataclass
class Family:
    name: str
    type: str = "untyped"
    help: str = ""
    labels: set[str] = field(default_factory=set)


def parse_exposition(text: str) -> dict[str, Family]:
    """Families of a text exposition (format 0.0.4), with the label names their samples carry."""
    families: dict[str, Family] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            families.setdefault(name, Family(name)).help = help_text
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            families.setdefault(name, Family(name)).type = kind
        elif line and not line.startswith("#"):
            sample = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s", line)
            assert sample is not None, line
            owner = _owner(families, sample.group(1))
            if owner is not None and sample.group(2):
                owner.labels |= set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', sample.group(2)))
    # prometheus_client's creation-time series (`x_created`, typed gauge) belong to their counter or histogram
    created = [n for n in families if n.endswith("_created") and {n[:-8], n[:-8] + "_total"} & families.keys()]
    return {name: family for name, family in families.items() if name not in created}


def _owner(families: dict[str, Family], sample: str) -> Family | None:
    for suffix in ("", "_bucket", "_count", "_sum", "_created", "_total"):
        if suffix == "" or sample.endswith(suffix):
            base = sample[: len(sample) - len(suffix)] if suffix else sample
            if base in families:
                return families[base]
    return None


def lint(family: Family) -> list[str]:
    """What is wrong with one family's name, type and labels (empty: nothing)."""
    name, kind, problems = family.name, family.type, []
    if not SNAKE.fullmatch(name):
        problems.append("not snake_case (no capitals, no colons: those are for recording rules)")
    if not family.help.strip():
        problems.append("no HELP text")
    tokens = set(name.split("_"))
    if tokens & NON_BASE_UNITS:
        problems.append(f"non-base unit {sorted(tokens & NON_BASE_UNITS)}: use seconds or bytes")
    if tokens & TYPE_WORDS:
        problems.append(f"the type {sorted(tokens & TYPE_WORDS)} in the name")
    if kind == "counter" and not name.endswith("_total"):
        problems.append("a counter's name ends in _total")
    if kind != "counter" and name.endswith("_total"):
        problems.append("_total is for counters only")
    if kind == "gauge" and not name.endswith(GAUGE_SUFFIXES):
        problems.append(f"a gauge's name ends in its unit or what it counts, one of {GAUGE_SUFFIXES}")
    if kind in ("histogram", "summary") and not name.endswith(HISTOGRAM_SUFFIXES):
        problems.append(f"a {kind}'s name ends in its base unit (a duration: _duration_seconds)")
    durations = kind in ("histogram", "summary") and name.endswith("_seconds") and "_timestamp_" not in name
    if durations and not name.endswith("_duration_seconds"):
        problems.append("a duration histogram is named ..._duration_seconds")
    for label in family.labels:
        if not SNAKE.fullmatch(label) or label.startswith("__"):
            problems.append(f"label {label!r} is not snake_case")
    if ("le" in family.labels and kind != "histogram") or ("quantile" in family.labels and kind != "summary"):
        problems.append("le/quantile are reserved for histograms/summaries")
    if "_http_" in f"_{name}_" and family.labels & HTTP_STATUS_LABELS:
        problems.append("the HTTP status label is named `code`")
    return [f"{name}: {problem}" for problem in problems]


def declared_metrics() -> Iterator[MetricWrapperBase]:
    """Every metric object the kaiku packages define (with label names even when it has no sample yet)."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("kaiku_") and module is not None:
            for value in vars(module).values():
                if isinstance(value, MetricWrapperBase):
                    yield value


@pytest.fixture(scope="module")
def exposition() -> dict[str, Family]:
    apps = [importlib.import_module(f"kaiku_{service}.app") for service in SERVICES]
    # a request through the metrics middleware, then a scrape of /metrics as Prometheus does
    client = TestClient(apps[0].app)
    assert client.get("/health/live").status_code == 200
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    families = parse_exposition(scraped.text)
    for metric in declared_metrics():
        family = families.get(metric._name) or families.get(metric._name + "_total")
        assert family is not None, f"{metric._name} is defined but not exposed"
        family.labels |= set(metric._labelnames)
    return {name: family for name, family in families.items() if name.startswith("kaiku_")}


def test_every_kaiku_metric_follows_the_naming_conventions(exposition: dict[str, Family]):
    assert len(exposition) >= 10, sorted(exposition)
    problems = [problem for family in exposition.values() for problem in lint(family)]
    assert not problems, "\n".join(problems)


def test_the_http_histogram_is_a_duration_in_seconds_with_a_code_label(exposition: dict[str, Family]):
    http = exposition["kaiku_http_request_duration_seconds"]
    assert http.type == "histogram"
    assert {"method", "route", "code"} <= http.labels, http.labels


@pytest.mark.parametrize(
    ("exposed", "complaint"),
    [
        ("# HELP kaiku_requests r\n# TYPE kaiku_requests counter\nkaiku_requests 1.0\n", "ends in _total"),
        ("# HELP kaiku_lagTotal l\n# TYPE kaiku_lagTotal gauge\nkaiku_lagTotal 1.0\n", "snake_case"),
        ("# HELP kaiku_backlog b\n# TYPE kaiku_backlog gauge\nkaiku_backlog 1.0\n", "a gauge's name ends"),
        ("# HELP kaiku_up_total u\n# TYPE kaiku_up_total gauge\nkaiku_up_total 1.0\n", "counters only"),
        (
            "# HELP kaiku_latency_milliseconds l\n# TYPE kaiku_latency_milliseconds histogram\n"
            'kaiku_latency_milliseconds_bucket{le="+Inf"} 1.0\n',
            "non-base unit",
        ),
        (
            "# HELP kaiku_http_request_seconds l\n# TYPE kaiku_http_request_seconds histogram\n"
            'kaiku_http_request_seconds_count{status="200"} 1.0\n',
            "named `code`",
        ),
        (
            "# HELP kaiku_http_request_seconds l\n# TYPE kaiku_http_request_seconds histogram\n"
            'kaiku_http_request_seconds_count{code="200"} 1.0\n',
            "_duration_seconds",
        ),
        ("# TYPE kaiku_sent_total counter\nkaiku_sent_total 1.0\n", "no HELP"),
        ("# HELP kaiku_x_gauge_seconds x\n# TYPE kaiku_x_gauge_seconds gauge\nkaiku_x_gauge_seconds 1\n", "the type"),
    ],
)
def test_the_lint_catches_what_promtool_would(exposed: str, complaint: str):
    problems = [problem for family in parse_exposition(exposed).values() for problem in lint(family)]
    assert any(complaint in problem for problem in problems), problems
