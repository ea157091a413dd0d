"""A running service's log is JSON lines from its first line to its last (deploy/README.md, "Logs").

Services run as the dev stack runs them (uvicorn with the runtime's log config); traffic takes in
requests that fail, a malformed HTTP request (uvicorn's own warning), Kafka consumption (FastStream's
lines) and a dead-lettered message.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import ServiceRunner, auth, produce, unique, wait_until
from kaiku_runtime.metrics import REQUEST_ID_HEADER

pytestmark = [pytest.mark.e2e, pytest.mark.connected]


def log_file(svc: ServiceProcess) -> Path:
    """The service's log: spawn_service writes uvicorn's log config beside it (`<log>.logging.json`)."""
    argv = svc.process.args
    assert isinstance(argv, list)
    args = [str(a) for a in argv]
    config = args[args.index("--log-config") + 1]
    return Path(config.removesuffix(".logging.json"))


def json_lines(path: Path) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            value = json.loads(line)
        except ValueError:
            pytest.fail(f"{path.name} line {number} is not JSON: {line!r}")
        assert isinstance(value, dict), f"{path.name} line {number} is not a JSON object: {line!r}"
        parsed.append(value)
    return parsed


async def malformed_request(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    await reader.read()  # uvicorn answers 400 and closes
    writer.close()


async def test_every_line_of_a_running_services_log_is_json_with_the_bound_ids(
    service_runner: ServiceRunner, kafka_bootstrap: str
) -> None:
    issuance = service_runner.start("issuance")
    usage = service_runner.start("usage")
    region, distributor, card_code = unique("R"), unique("D"), unique("J")
    issued_id, missing_id = f"logs-{uuid.uuid4().hex[:8]}", f"logs-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=10) as http:
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
            headers={**auth("distributor", region=region, org=distributor), REQUEST_ID_HEADER: issued_id},
        )
        assert r.status_code == 201, r.text
        r = await http.get(f"{issuance.url}/v1/cards/NOPE", headers={**auth("national"), REQUEST_ID_HEADER: missing_id})
        assert r.status_code == 404, r.text
        r = await http.post(f"{usage.url}/v1/redemptions", json={"not": "a redemption"}, headers=auth("national"))
        assert 400 <= r.status_code < 500, r.text
        await malformed_request(issuance.port)
        await malformed_request(usage.port)

        # usage consumes the card, then garbage on the same topic: dead-lettered, logged with its consumer
        await produce(kafka_bootstrap, Topics.CARDS, [(card_code.encode(), b"\x00not json")])

        async def dead_lettered() -> bool:
            text = (await http.get(f"{usage.url}/metrics")).text
            return '_dead_letters_total{source_topic="kaiku.cards.v1"}' in text

        await wait_until(dead_lettered, timeout=60)
    service_runner.stop(issuance)
    service_runner.stop(usage)

    issuance_lines = json_lines(log_file(issuance))
    usage_lines = json_lines(log_file(usage))
    for name, lines in (("issuance", issuance_lines), ("usage", usage_lines)):
        for line in lines:
            assert {"timestamp", "level", "logger", "event"} <= line.keys(), line
            assert line["service"] == name, line
    issued = next(line for line in issuance_lines if line["event"] == "card_issued")
    assert issued["request_id"] == issued_id
    assert issued["logger"] == "kaiku_issuance.entrypoints.http.cards"
    invalid = [line for line in issuance_lines + usage_lines if line["event"] == "Invalid HTTP request received."]
    assert {line["logger"] for line in invalid} == {"uvicorn.error"}
    assert len(invalid) == 2
    # the session's agency topic may carry other tests' garbage too: the card registry's line is ours
    dead = [line for line in usage_lines if line["event"] == "dead_lettered"]
    assert {line.get("consumer") for line in dead} >= {"card-registry"}, dead
    assert all(line["level"] == "warning" for line in dead)
    received = [line for line in usage_lines if line["logger"] == "faststream.access.kafka"]
    assert any(line.get("topic") == Topics.CARDS for line in received), "FastStream's lines carry its message context"
