"""Moving a region from one deployment to another (deploy/README.md "Regional deployments", `kaiku
move-region`): stop both, move the region's rows, start both; no use is judged twice or lost.

Each service names its region's rows (`kaiku_<service>.adapters.hand_over.PLAN`): tables, parents first,
with the condition that selects the region's rows. The new owner's claim is announced on the ownership
registry first (refused when a third deployment owns a region), then the rows are copied into the new
owner's database in one transaction (a repeat copies nothing twice), together with the positions of the
consumers it takes over, so it judges exactly the agency submissions its predecessor had not; only after
that commit are the rows deleted from the old owner's database, in one transaction.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer

from kaiku_runtime.ownership import RegionRegistry
from kaiku_runtime.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class RegionRows:
    """The rows of `table` that belong to the regions (`where`: SQL over the table, `$1` the region ids)."""

    table: str
    where: str
    move: bool = True
    """False: copied but kept in the old owner's database too (an agency also sells for other regions)."""
    serial: str | None = None
    """A column numbered by a sequence: the target's sequence is moved past the copied numbers."""


@dataclass(frozen=True, slots=True)
class HandOverPlan:
    rows: tuple[RegionRows, ...]  # parents first: copied in this order, deleted in the reverse
    positions: tuple[str, ...] = ()
    """Consumers whose stored positions the new owner takes (the agency topic: nothing judged twice)."""


def plan_of(service: str) -> HandOverPlan:
    module = importlib.import_module(f"kaiku_{service}.adapters.hand_over")
    plan: HandOverPlan = module.PLAN
    return plan


CLAIM_TIMEOUT_S = 60.0


async def claim_for(settings: ServiceSettings, service: str) -> None:
    """Announce the new owner's claim on the registry (refused, naming the owner, when a third one has it);
    TimeoutError when Kafka does not answer within CLAIM_TIMEOUT_S."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, **settings.kafka_client_options())
    registry = RegionRegistry(settings, service)
    try:
        async with asyncio.timeout(CLAIM_TIMEOUT_S):
            await producer.start()
            await registry.start(producer, add_to_own_claim=True)
    finally:
        await registry.stop()
        await producer.stop()


async def copy_rows(
    source: asyncpg.Connection, target: asyncpg.Connection, regions: Sequence[str], plan: HandOverPlan
) -> dict[str, int]:
    """Copy the region's rows and the consumers' positions in the target's (caller's) transaction."""
    counts: dict[str, int] = {}
    for part in plan.rows:
        rows = await source.fetch(f"SELECT * FROM {part.table} WHERE {part.where}", list(regions))
        counts[part.table] = len(rows)
        if not rows:
            continue
        columns = list(rows[0].keys())
        placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        await target.executemany(
            f"INSERT INTO {part.table} ({', '.join(columns)}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
            [tuple(row.values()) for row in rows],
        )
        if part.serial is not None:
            await target.execute(
                f"SELECT setval(pg_get_serial_sequence('{part.table}', '{part.serial}'),"
                f" (SELECT max({part.serial}) FROM {part.table}))"
            )
    positions = await source.fetch(
        "SELECT consumer, topic, partition, next_offset FROM consumer_positions WHERE consumer = ANY($1::text[])",
        list(plan.positions),
    )
    await target.executemany(
        "INSERT INTO consumer_positions (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (consumer, topic, partition) DO UPDATE"
        " SET next_offset = greatest(consumer_positions.next_offset, EXCLUDED.next_offset), updated_at = now()",
        [tuple(p.values()) for p in positions],
    )
    return counts


async def delete_rows(source: asyncpg.Connection, regions: Sequence[str], plan: HandOverPlan) -> None:
    """Delete the moved rows from the old owner (children first), in the caller's transaction."""
    for part in reversed(plan.rows):
        if part.move:
            await source.execute(f"DELETE FROM {part.table} WHERE {part.where}", list(regions))


async def move_region(
    service: str, regions: Sequence[str], *, source_url: str, target_url: str, plan: HandOverPlan
) -> dict[str, int]:
    """Copy (one transaction in the target), then delete (one in the source); how many rows per table."""
    source = await asyncpg.connect(source_url)
    target = await asyncpg.connect(target_url)
    try:
        async with target.transaction():
            counts = await copy_rows(source, target, regions, plan)
        async with source.transaction():
            await delete_rows(source, regions, plan)
    finally:
        await source.close()
        await target.close()
    return counts
