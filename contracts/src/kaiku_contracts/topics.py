"""Topic names and their shape: the one place they are defined (docs/contract.md "Kafka")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    key: str
    compacted: bool = False


class Topics:
    CARDS = "kaiku.cards.v1"
    REDEMPTIONS = "kaiku.redemptions.v1"
    AGENCY_REDEMPTIONS = "kaiku.agency-redemptions.v1"
    REDEMPTION_OUTCOMES = "kaiku.redemption-outcomes.v1"
    STATS_REGIONAL = "kaiku.stats.regional.v1"
    STATS_NATIONAL = "kaiku.stats.national.v1"
    FLAGS = "kaiku.flags.v1"
    DEAD_LETTER = "kaiku.dead-letter.v1"
    DEPLOYMENTS = "kaiku.deployments.v1"
    """Which deployment owns which region, and each venue's region (docs/architecture.md "Regional deployments")."""


ALL_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(Topics.CARDS, 4, "card code"),
    TopicSpec(Topics.REDEMPTIONS, 4, "card code"),
    TopicSpec(Topics.AGENCY_REDEMPTIONS, 4, "card code"),
    TopicSpec(Topics.REDEMPTION_OUTCOMES, 4, "agency id"),
    TopicSpec(Topics.STATS_REGIONAL, 1, "{region_id}:{period}", compacted=True),
    TopicSpec(Topics.STATS_NATIONAL, 1, "{period}", compacted=True),
    TopicSpec(Topics.FLAGS, 4, "region id"),
    TopicSpec(Topics.DEAD_LETTER, 1, "original key"),
    TopicSpec(Topics.DEPLOYMENTS, 1, "deployment:{name} or venue:{venue_id}", compacted=True),
)

EVENT_TYPE_HEADER = "event_type"
DEAD_LETTER_ERROR_HEADER = "error"
DEAD_LETTER_SOURCE_HEADER = "source_topic"
DEAD_LETTER_REDACTED_HEADER = "redacted"
"""Fields the contract does not know (where personal data would be), left out of the kept value."""
