"""Prometheus metrics every service exposes on `/metrics`, and the HTTP correlation id.

Every HTTP request carries an `X-Request-ID`: the caller's (a portal, a gateway, an agency's client)
when it sends a sane one, else a fresh one. It is bound into the structlog context, so every log line
written while serving the request carries `request_id`, and it is echoed in the response so a
support ticket can quote it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response
from kaiku_contracts.identity_codes import contains_identity_code, opaque_id
from prometheus_client import Counter, Gauge, Histogram

REQUEST_ID_HEADER = "X-Request-ID"
# what a caller may choose as an id: short, no spaces or control characters (it lands in every log line)
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
_log = structlog.get_logger(__name__)

# names follow Prometheus' conventions (base units as suffixes, `_total` on counters, `code` for the HTTP
# status): tests/deploy/test_metric_names.py lints them; renames are listed in deploy/README.md
HTTP_LATENCY = Histogram(
    "kaiku_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route", "code"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
HTTP_OVERLOAD_REFUSALS = Counter(
    "kaiku_http_overload_refusals_total", "API requests refused with 503 because too many were in flight"
)
EVENTS_PUBLISHED = Counter("kaiku_events_published_total", "Events published from the outbox", ["topic"])
OUTBOX_BACKLOG = Gauge("kaiku_outbox_backlog_events", "Outbox rows (events) waiting to be published")
EVENTS_CONSUMED = Counter("kaiku_events_consumed_total", "Events applied by a consumer", ["consumer", "topic"])
DUPLICATES_SKIPPED = Counter(
    "kaiku_duplicate_events_total",
    "Events skipped as already applied (below the stored position, or an event id seen before)",
    ["consumer"],
)
PROCESSED_EVENTS_PRUNED = Counter(
    "kaiku_processed_events_pruned_total", "Event ids forgotten after the retention window", ["consumer"]
)
DEAD_LETTERS = Counter("kaiku_dead_letters_total", "Messages sent to the dead-letter topic", ["source_topic"])
CONSUMER_LAG = Gauge(
    "kaiku_consumer_lag_messages",
    "Messages behind the end of the topic (summed over this instance's partitions), as of the last batch",
    ["consumer", "topic"],
)
CONSUMER_LAST_BATCH = Gauge(
    "kaiku_consumer_last_batch_timestamp_seconds",
    "When the consumer last committed a batch (Unix time): lag > 0 with an old timestamp means it is stuck",
    ["consumer", "topic"],
)
OUTBOX_OLDEST_SECONDS = Gauge(
    "kaiku_outbox_oldest_seconds", "Age of the oldest unpublished outbox row (0 when the outbox is empty)"
)
# labelled by the service's Kafka client id, so a service without Kafka (the portal) shows no sample
KAFKA_UP = Gauge("kaiku_kafka_up", "1 when the broker answered this scrape, else 0 (/health says why)", ["client_id"])
CONSUMER_ERRORS = Counter("kaiku_consumer_errors_total", "Batches that failed and were retried", ["consumer"])


def request_id_from(header: str | None) -> str:
    """The caller's correlation id when it is sane, else a new one."""
    # an identity code is never an id to log (§11): the edge refuses that request, logged under a fresh id
    if header is not None and _SANE_REQUEST_ID.fullmatch(header) and not contains_identity_code(header):
        return header
    return opaque_id()  # passed on to the services the portal calls: never refused as an identity code


def current_request_id() -> str | None:
    """The id of the request being served (for passing on to another service's API), if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


def install_http_metrics(app: FastAPI, service: str | None = None) -> None:
    """Latency histogram per route template and status, and the `X-Request-ID` correlation id.

    `service` names the service in every log line of a request (requests do not run in the lifespan's
    context, where `configure_logging` binds it)."""
    names = {"service": service} if service is not None else {}

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        with structlog.contextvars.bound_contextvars(request_id=request_id, **names):
            try:
                response = await call_next(request)
            except Exception as exc:
                # counted as the 500 the client gets; the log line carries the request id for the support desk
                _observe(request, "500", started)
                _log.error("unhandled_error", method=request.method, route=_route(request), error=type(exc).__name__)
                raise
        _observe(request, str(response.status_code), started)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


def _route(request: Request) -> str:
    # the route template (/v1/cards/{card_code}), never the concrete path: no card codes in labels
    return str(getattr(request.scope.get("route"), "path", "unmatched"))


def _observe(request: Request, status: str, started: float) -> None:
    HTTP_LATENCY.labels(request.method, _route(request), status).observe(time.perf_counter() - started)
