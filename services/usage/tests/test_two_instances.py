"""Two usage instances side by side on one database and one broker (docs/architecture.md pattern 9): HTTP
uses spread over both, the agency topic's partitions split between them in one consumer group, and the
card-holder limit still holds exactly, because the performance's row lock is the database's, not a process's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import ServiceRunner

from .conftest import Scene

pytestmark = pytest.mark.connected
CARDS = 40
LIMIT = 5


@pytest.fixture(scope="module")
def two_usages(service_runner: ServiceRunner) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    group = f"-{uuid.uuid4().hex[:8]}"  # one deployment: the two instances share their consumer groups
    first = service_runner.start("usage", KAIKU_CONSUMER_GROUP_SUFFIX=group)
    try:
        second = service_runner.start("usage", database_url=first.database_url, KAIKU_CONSUMER_GROUP_SUFFIX=group)
    except Exception:
        service_runner.stop(first)
        raise
    yield first, second
    service_runner.stop(second)
    service_runner.stop(first)


@pytest.fixture
async def scene_on_two(two_usages: tuple[ServiceProcess, ServiceProcess], kafka_bootstrap: str) -> AsyncIterator[Any]:
    async with httpx.AsyncClient(timeout=60) as http:
        yield await Scene(http, two_usages[0], kafka_bootstrap).setup(), two_usages[1]


async def test_the_limit_holds_across_two_instances_selling_at_once(scene_on_two: Any) -> None:
    scene, second = scene_on_two
    cards = [scene.card() for _ in range(CARDS)]
    await scene.publish_cards()
    performance = await scene.performance(capacity=100, card_holder_limit=LIMIT)
    uses = [scene.use(card, performance) for card in cards]
    on_first, on_second, over_agency = uses[0::3], uses[1::3], uses[2::3]

    async def at_second(body: dict[str, Any]) -> httpx.Response:
        return await scene.http.post(f"{second.url}/v1/redemptions", json=body, headers=scene.venue_headers)

    async def agencies() -> None:
        await scene.submit([scene.submission(use) for use in over_agency])

    first_answers, second_answers, _ = await asyncio.gather(
        asyncio.gather(*(scene.redeem(use) for use in on_first)),
        asyncio.gather(*(at_second(use) for use in on_second)),
        agencies(),
    )
    outcomes = await scene.outcomes([use["redemption_id"] for use in over_agency])
    assert {r.status_code for r in [*first_answers, *second_answers]} <= {201, 409}
    verdicts = [r.json().get("reason", "accepted") for r in [*first_answers, *second_answers]]
    verdicts += [answers[0].get("reason", "accepted") for answers in outcomes.values()]
    assert len(verdicts) == CARDS
    assert verdicts.count("accepted") == LIMIT
    assert verdicts.count("limit_reached") == CARDS - LIMIT
    assert all(len(answers) == 1 for answers in outcomes.values())  # one judge per submission
    # each instance sees the other's uses: a retry at the other instance gets the first answer
    for use, answer in zip(on_first, first_answers, strict=True):
        if answer.status_code == 201:
            again = await at_second(use)
            assert (again.status_code, again.json()) == (201, answer.json())
