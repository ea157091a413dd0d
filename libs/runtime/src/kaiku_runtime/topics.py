"""Creating the platform's topics with their partitions and compaction (`kaiku topics`, the dev stack,
the tests, and stats' own aggregate topics at start-up)."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from kaiku_contracts.topics import ALL_TOPICS, TopicSpec


async def create_topics(bootstrap: str, topics: tuple[TopicSpec, ...] = ALL_TOPICS) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if spec.compacted else {},
            )
            for spec in topics
            if spec.name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()
