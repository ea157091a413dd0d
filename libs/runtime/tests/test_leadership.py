"""One instance at a time (kaiku_runtime.leadership) on real PostgreSQL: two instances, one round each time,
and fail-over when the one doing the round dies."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest
from kaiku_devkit.testing import Databases, wait_until
from kaiku_runtime.leadership import one_at_a_time

pytestmark = pytest.mark.connected
LOCK = 0x6B61696B7465  # this test's own lock id


async def test_only_one_instance_does_a_round_and_another_takes_over_when_it_dies(databases: Databases) -> None:
    url = databases.new(None)
    first, second = await asyncpg.create_pool(url, min_size=1), await asyncpg.create_pool(url, min_size=1)
    holding, die = asyncio.Event(), asyncio.Event()
    pids: list[int] = []

    async def first_instance_round() -> None:
        async with one_at_a_time(first, LOCK) as mine:
            assert mine
            pids.append(
                await first.fetchval(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND ((classid::bigint << 32) | objid::bigint) = $1",
                    LOCK,
                )
            )
            holding.set()
            await die.wait()

    try:
        round_task = asyncio.create_task(first_instance_round())
        await asyncio.wait_for(holding.wait(), 10)
        async with one_at_a_time(second, LOCK) as mine:
            assert not mine  # the first instance is doing this round
        # the first instance dies mid-round: its connection (and the transaction holding the lock) ends
        assert await second.fetchval("SELECT pg_terminate_backend($1)", pids[0])

        async def second_takes_the_round() -> bool:
            async with one_at_a_time(second, LOCK) as mine:
                return mine

        # the next round is the second instance's (once the server has ended the first's session), while the
        # first instance's task has not even noticed
        assert await wait_until(second_takes_the_round, timeout=10)
        die.set()
        with contextlib.suppress(Exception):  # whatever a dead connection raises: the instance is gone
            await asyncio.wait_for(round_task, 10)
        async with one_at_a_time(second, LOCK) as mine:
            assert mine  # nothing is held between rounds
    finally:
        die.set()
        first.terminate()  # its connection was killed under it
        await second.close()
