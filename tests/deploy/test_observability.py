"""Operations can see the platform: the metrics of issue 6 on `/metrics` and correlation ids in the logs.

The services run as separate processes against the real broker and PostgreSQL; the traffic is what
a distributor, a venue and a misbehaving producer would send.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid

import httpx
import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import ServiceRunner, auth, produce, unique, wait_until
from kaiku_runtime.metrics import REQUEST_ID_HEADER

pytestmark = [pytest.mark.connected, pytest.mark.e2e]

OPAQUE_ID = r"(?:[0-9a-f]{5}g){5}[0-9a-f]{2}"
"""A request id the service made (kaiku_contracts.identity_codes.opaque_id): never an identity code."""


def samples(exposition: str, name: str) -> dict[str, float]:
    """`{label-set: value}` of one metric family's samples in a Prometheus text exposition."""
    found: dict[str, float] = {}
    for line in exposition.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}(\{{[^}}]*\}})? (\S+)", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


async def test_metrics_of_issue_6_appear_on_metrics_after_traffic(service_runner: ServiceRunner, kafka_bootstrap: str):
    issuance = service_runner.start("issuance")
    usage = service_runner.start("usage")
    region, distributor, card_code = unique("R"), unique("D"), unique("M")
    async with httpx.AsyncClient(timeout=10) as http:
        # a distributor issues a card: HTTP latency, an outbox row, an event published
        r = await http.post(
            f"{issuance.url}/v1/regions", json={"region_id": region, "name": "R"}, headers=auth("national")
        )
        assert r.status_code == 201, r.text
        r = await http.post(
            f"{issuance.url}/v1/distributors",
            json={"distributor_id": distributor, "region_id": region, "name": "Sosiaalitoimi"},
            headers=auth("region_admin", region=region),
        )
        assert r.status_code == 201, r.text
        r = await http.post(
            f"{issuance.url}/v1/cards",
            json={"card_code": card_code, "card_type": "community", "distributor_id": distributor},
            headers=auth("distributor", region=region, org=distributor),
        )
        assert r.status_code == 201, r.text

        async def published() -> dict[str, float] | None:
            text = (await http.get(f"{issuance.url}/metrics")).text
            found = samples(text, "kaiku_events_published_total")
            return found if found.get('{topic="kaiku.cards.v1"}', 0) >= 1 else None

        await wait_until(published, timeout=30)
        text = (await http.get(f"{issuance.url}/metrics")).text
        assert samples(text, "kaiku_outbox_backlog_events") == {"": 0.0}, "the relay has published the card"
        assert "kaiku_outbox_oldest_seconds 0.0" in text
        latency = samples(text, "kaiku_http_request_duration_seconds_count")
        assert latency['{code="201",method="POST",route="/v1/cards"}'] == 1
        assert card_code not in text, "labels carry route templates, never card codes"

        # a venue records a use at a venue nobody registered: rejected, counted by reason
        venue = unique("V")
        r = await http.post(
            f"{usage.url}/v1/redemptions",
            json={
                "redemption_id": unique("red-"),
                "card_code": card_code,
                "venue_id": venue,
                "performance_id": f"{venue}-P1",
                "adult_tickets": 1,
                "child_tickets": 0,
                "channel": "box_office",
            },
            headers=auth("venue", region=region, org=venue),
        )
        assert r.status_code == 409, r.text
        rejected_reason = r.json()["reason"]

        # garbage on the cards topic: dead-lettered by usage's card registry, which goes on (lag back to 0)
        await produce(kafka_bootstrap, Topics.CARDS, [(card_code.encode(), b"\x00not json")])

        async def consumer_figures() -> str | None:
            text = (await http.get(f"{usage.url}/metrics")).text
            dead = samples(text, "kaiku_dead_letters_total").get('{source_topic="kaiku.cards.v1"}', 0)
            lag = samples(text, "kaiku_consumer_lag_messages")
            return text if dead >= 1 and '{consumer="card-registry",topic="kaiku.cards.v1"}' in lag else None

        text = await wait_until(consumer_figures, timeout=60)
    lag = samples(text, "kaiku_consumer_lag_messages")['{consumer="card-registry",topic="kaiku.cards.v1"}']
    assert lag >= 0
    assert samples(text, "kaiku_consumer_last_batch_timestamp_seconds")
    rejected = samples(text, "kaiku_redemptions_rejected_total")
    assert rejected[f'{{reason="{rejected_reason}",source="http"}}'] >= 1, rejected
    assert samples(text, "kaiku_outbox_backlog_events") == {"": 0.0}


async def test_request_id_is_echoed_or_made_and_insane_ones_are_replaced(service_runner: ServiceRunner):
    issuance = service_runner.start("issuance")
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(f"{issuance.url}/health/live", headers={REQUEST_ID_HEADER: "portal-4711"})
        assert r.headers[REQUEST_ID_HEADER] == "portal-4711"
        r = await http.get(f"{issuance.url}/v1/cards/NOPE", headers={REQUEST_ID_HEADER: "a b\tc"})
        made = r.headers[REQUEST_ID_HEADER]
        assert re.fullmatch(OPAQUE_ID, made), "an id with spaces or tabs is replaced, not logged"
        r = await http.get(f"{issuance.url}/health/live")
        assert re.fullmatch(OPAQUE_ID, r.headers[REQUEST_ID_HEADER])
        assert r.headers[REQUEST_ID_HEADER] != made


# Run in its own interpreter: configuring structlog here would leave other tests' cached loggers writing
# to this test's captured (then closed) stdout.
LOGGING_APP = """
import asyncio, json, httpx
from fastapi import FastAPI
from kaiku_runtime.logging import configure_logging, get_logger
from kaiku_runtime.metrics import REQUEST_ID_HEADER, current_request_id, install_http_metrics

configure_logging("lifespan-context", "INFO")
log = get_logger("test")
app = FastAPI()
install_http_metrics(app, "test")

@app.get("/work")
async def work():
    log.info("working", card_code="E123")
    return {"seen": current_request_id()}

@app.get("/boom")
async def boom():
    raise RuntimeError("broken")

async def main():
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        work = await client.get("/work", headers={REQUEST_ID_HEADER: "t-4711"})
        boom = await client.get("/boom", headers={REQUEST_ID_HEADER: "t-4712"})
    result = {"seen": work.json()["seen"], "boom": boom.status_code, "after": current_request_id()}
    print("RESULT " + json.dumps(result))

asyncio.run(main())
"""


def test_log_lines_written_while_serving_carry_the_request_id():
    done = subprocess.run([sys.executable, "-c", LOGGING_APP], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    result = json.loads(next(line for line in out if line.startswith("RESULT "))[7:])
    assert result == {"seen": "t-4711", "boom": 500, "after": None}, "the id is unbound after the request"
    lines = [json.loads(line) for line in out if line.startswith("{")]
    working = next(line for line in lines if line["event"] == "working")
    assert working["request_id"] == "t-4711"
    assert working["service"] == "test"
    failed = next(line for line in lines if line["event"] == "unhandled_error")
    assert failed["request_id"] == "t-4712"
    assert failed["route"] == "/boom"
    assert failed["error"] == "RuntimeError"


def test_consumer_lag_is_the_distance_to_the_partitions_end_over_the_partitions_held():
    from aiokafka.structs import ConsumerRecord, TopicPartition
    from kaiku_runtime.consumer import BatchConsumer
    from kaiku_runtime.metrics import CONSUMER_LAG
    from pydantic import TypeAdapter

    name = f"lag-{uuid.uuid4().hex[:6]}"
    consumer: BatchConsumer[object] = BatchConsumer(
        name=name,
        topic="kaiku.cards.v1",
        adapter=TypeAdapter(object),
        handler=lambda conn, batch: None,  # type: ignore[arg-type,return-value]
        pool_getter=lambda: None,  # type: ignore[arg-type,return-value]
        dead_letters_getter=lambda: None,  # type: ignore[arg-type,return-value]
    )
    ends = {0: 110, 1: 50, 2: 7}

    def record(partition: int, offset: int) -> ConsumerRecord[bytes, bytes]:
        return ConsumerRecord("kaiku.cards.v1", partition, offset, 0, 0, None, b"{}", None, 0, 2, [])

    def highwater(tp: TopicPartition) -> int:
        return ends[tp.partition]

    def lag() -> float:
        return CONSUMER_LAG.labels(name, "kaiku.cards.v1")._value.get()

    consumer.record_lag([record(0, 98), record(0, 99), record(1, 49)], highwater, {0, 1})
    assert lag() == 10, "partition 0: end 110, next to read 100; partition 1 is at its end"
    consumer.record_lag([record(2, 3)], highwater, {0, 1, 2})
    assert lag() == 13
    consumer.record_lag([record(1, 49)], highwater, {1, 2})  # partition 0 went to another instance
    assert lag() == 3
