"""The ownership registry on `kaiku.deployments.v1` (docs/architecture.md "Regional deployments").

A compacted topic of one partition: `deployment:<name>` holds a deployment's claim (announced at start-up),
`venue:<venue_id>` a venue's region (announced by the deployment that registered it). Each issuance and usage
reads it to the end before it serves anything, refuses to start when another deployment owns one of its
regions, announces its claim and then follows the topic, so a deployment learns new claims and venues
while it runs. The last value per key wins (a broker without compaction keeps every record).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, TopicPartition
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import EntityId, Event
from kaiku_contracts.topics import Topics
from pydantic import ValidationError

from kaiku_runtime.errors import ApiError
from kaiku_runtime.logging import get_logger
from kaiku_runtime.regions import Claim, Ownership, claim_from_settings
from kaiku_runtime.settings import ServiceSettings

log = get_logger(__name__)
TOPIC = Topics.DEPLOYMENTS
READ_TIMEOUT_S = 30.0
"""At start-up the registry must be read to its end within this time, or it is read again from the start."""
RETRY_S = 2.0


class DeploymentClaimed(Event):
    """A deployment's regions (`regions` null: the national deployment, every region nobody else claims)."""

    event_type: Literal["DeploymentClaimed"] = "DeploymentClaimed"
    deployment: EntityId
    regions: list[EntityId] | None = None
    service: str


class VenueAnnounced(Event):
    """A venue's region, announced by the deployment that registered the venue (no other field: no name)."""

    event_type: Literal["VenueAnnounced"] = "VenueAnnounced"
    venue_id: EntityId
    region_id: EntityId
    deployment: EntityId


class RegionClaimError(RuntimeError):
    """Another deployment owns a region this one claims: it must not start (the message names it)."""


def refuse_other_region(registry: RegionRegistry | None, region_id: str) -> None:
    """403 `forbidden` naming the deployment that serves `region_id`, when this one does not (no registry:
    a service that serves every region)."""
    if registry is not None and not registry.judges(region_id):
        raise ApiError(RejectionReason.FORBIDDEN, registry.ownership.refusal(registry.me, region_id))


def claim_key(deployment: str) -> str:
    return f"deployment:{deployment}"


def venue_key(venue_id: str) -> str:
    return f"venue:{venue_id}"


def venue_announcement(venue_id: str, region_id: str, deployment: str) -> tuple[str, str, Event]:
    """An outbox message `(topic, key, event)`: written in the transaction that registers the venue."""
    return TOPIC, venue_key(venue_id), VenueAnnounced(venue_id=venue_id, region_id=region_id, deployment=deployment)


class RegionRegistry:
    """This deployment's claim and what it has read of the registry (see the module's docstring)."""

    def __init__(self, settings: ServiceSettings, service: str) -> None:
        self.settings = settings
        self.service = service
        self.me: Claim = claim_from_settings(settings.deployment, settings.regions)
        self._claims: dict[str, Claim] = {}
        self._venues: dict[str, str] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self.available = False
        """The registry was read (False while starting, and for a national deployment without the topic)."""

    @property
    def announcing_as(self) -> str | None:
        """The deployment named in venue announcements, None while there is no registry to announce to."""
        return self.me.deployment if self.available else None

    @property
    def ownership(self) -> Ownership:
        return Ownership(claims={**self._claims, self.me.deployment: self.me}, venue_regions=dict(self._venues))

    def judges(self, region_id: str) -> bool:
        return self.ownership.judges(self.me, region_id)

    @property
    def judges_everything(self) -> bool:
        """The national deployment while no regional one claims a region: today's unscoped behaviour."""
        return self.me.is_national and not any(c.regions for c in self._claims.values())

    def apply(self, key: str | None, value: bytes | None) -> None:
        """One registry record: the last value per key wins; an empty value (a tombstone) removes the key."""
        if key is None:
            return
        kind, _, name = key.partition(":")
        if value is None:
            if kind == "deployment":
                self._claims.pop(name, None)
            elif kind == "venue":
                self._venues.pop(name, None)
            return
        try:
            if kind == "deployment":
                claim = DeploymentClaimed.model_validate_json(value)
                regions = None if claim.regions is None else frozenset(claim.regions)
                self._claims[claim.deployment] = Claim(claim.deployment, regions)
            elif kind == "venue":
                venue = VenueAnnounced.model_validate_json(value)
                self._venues[venue.venue_id] = venue.region_id
        except ValidationError:
            log.warning("registry_record_ignored", key=key)

    async def start(self, producer: AIOKafkaProducer, *, add_to_own_claim: bool = False) -> None:
        """Read the registry to its end, refuse a conflicting claim, announce this one, then follow. While
        Kafka does not answer it tries again (as the producer does), so a service started during an outage
        starts once Kafka is back.

        `add_to_own_claim`: the configured regions join the regions this deployment already claims (a
        hand-over into a running regional deployment); otherwise the claim is exactly the configuration."""
        while True:
            try:
                tp = await self._read_to_end()
                break
            except RegionClaimError:
                raise
            except Exception as exc:
                await self.stop()
                self._claims.clear()
                self._venues.clear()
                log.warning("region_registry_unavailable_retrying", error=type(exc).__name__)
                await asyncio.sleep(RETRY_S)
        if tp is None:
            return
        earlier = self._claims.get(self.me.deployment)
        if add_to_own_claim and earlier is not None and earlier.regions and self.me.regions is not None:
            self.me = Claim(self.me.deployment, self.me.regions | earlier.regions)
        conflict = self.ownership.conflict(self.me)
        if conflict is not None:
            await self.stop()
            log.error("region_claim_refused", deployment=self.me.deployment, detail=conflict)
            raise RegionClaimError(f"deployment {self.me.deployment} may not start: {conflict}")
        announcement = DeploymentClaimed(
            deployment=self.me.deployment,
            regions=None if self.me.regions is None else sorted(self.me.regions),
            service=self.service,
        )
        while True:
            try:
                await producer.send_and_wait(
                    TOPIC, key=claim_key(self.me.deployment).encode(), value=announcement.to_json_bytes()
                )
                break
            except Exception as exc:
                log.warning("region_claim_not_announced_retrying", error=type(exc).__name__)
                await asyncio.sleep(RETRY_S)
        self.available = True
        log.info("region_claim_announced", deployment=self.me.deployment, claim=self.me.describe())
        self._task = asyncio.create_task(self._follow(tp), name=f"{self.service}-registry")

    async def _read_to_end(self) -> TopicPartition | None:
        """Every record up to the registry's current end; None: no registry (a national deployment goes on)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            client_id=f"kaiku-{self.service}-registry",
            enable_auto_commit=False,
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            **self.settings.kafka_client_options(),
        )
        self._consumer = consumer
        await consumer.start()
        tp = TopicPartition(TOPIC, 0)
        partitions = consumer.partitions_for_topic(TOPIC)
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(TOPIC)
        if not partitions:
            await self.stop()
            if not self.me.is_national:
                raise RegionClaimError(f"topic {TOPIC} is missing: create the topics (`kaiku topics`) first")
            log.warning("region_registry_missing", topic=TOPIC)
            return None
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        async with asyncio.timeout(READ_TIMEOUT_S):
            end = (await consumer.end_offsets([tp]))[tp]
            while await consumer.position(tp) < end:
                for records in (await consumer.getmany(tp, timeout_ms=200)).values():
                    self._apply_all(records)
        return tp

    def _apply_all(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        for record in records:
            self.apply(record.key.decode(errors="replace") if record.key else None, record.value)

    async def _follow(self, tp: TopicPartition) -> None:
        assert self._consumer is not None
        while True:
            try:
                for records in (await self._consumer.getmany(tp, timeout_ms=1000)).values():
                    self._apply_all(records)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker is away: try again, keep what is known
                log.warning("region_registry_unavailable", error=type(exc).__name__)
                await asyncio.sleep(2.0)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                await self._consumer.stop()
            self._consumer = None

    def describe(self) -> dict[str, Any]:
        """For /health: this deployment's claim and the others it knows of."""
        ownership = self.ownership
        return {
            "deployment": self.me.deployment,
            "regions": "every region no regional deployment claims"
            if self.me.regions is None
            else sorted(self.me.regions),
            "other_deployments": {
                c.deployment: None if c.regions is None else sorted(c.regions)
                for c in ownership.claims.values()
                if c.deployment != self.me.deployment
            },
            "venues_known": len(ownership.venue_regions),
        }
