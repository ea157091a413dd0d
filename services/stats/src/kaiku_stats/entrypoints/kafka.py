"""Stats' Kafka wiring: the projection consumers (service/projection.py PROJECTION_SPECS, which the rebuild
replays through too) and the publisher of the snapshot and flag streams (service/publishing.py)."""

from __future__ import annotations

from kaiku_runtime.service import KaikuService

from kaiku_stats.service import publishing
from kaiku_stats.service.projection import PROJECTION_SPECS
from kaiku_stats.settings import StatsSettings


def add_consumers(service: KaikuService) -> None:
    for spec in PROJECTION_SPECS:
        service.add_consumer(
            name=spec.name,
            topic=spec.topic,
            adapter=spec.adapter,
            handler=spec.handler,
            description=spec.description,
        )


async def run_publisher(service: KaikuService) -> None:
    """The service's background task: publishing rounds with the running service's pool and producer."""
    await publishing.run_publisher(service.pool, service.producer, StatsSettings())


def add_publisher(service: KaikuService) -> None:
    service.add_background(run_publisher)
