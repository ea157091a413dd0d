"""Kaikukortti event contracts: the one definition of every event, topic and enum."""

from kaiku_contracts.cards import CardIssued, CardRevoked, HolderProfile
from kaiku_contracts.enums import (
    CardType,
    Channel,
    Gender,
    LifeSituation,
    RedemptionKind,
    RejectionReason,
    RevocationReason,
    VenueCategory,
)
from kaiku_contracts.envelope import Event
from kaiku_contracts.redemptions import (
    AgencyRedemptionSubmission,
    RedemptionAccepted,
    RedemptionCancelled,
    RedemptionRejected,
    TicketRedeemed,
)
from kaiku_contracts.stats import NationalStatsUpdated, RegionalStatsUpdated
from kaiku_contracts.topics import ALL_TOPICS, Topics, TopicSpec

__all__ = [
    "ALL_TOPICS",
    "AgencyRedemptionSubmission",
    "CardIssued",
    "CardRevoked",
    "CardType",
    "Channel",
    "Event",
    "Gender",
    "HolderProfile",
    "LifeSituation",
    "NationalStatsUpdated",
    "RedemptionAccepted",
    "RedemptionCancelled",
    "RedemptionKind",
    "RedemptionRejected",
    "RegionalStatsUpdated",
    "RejectionReason",
    "RevocationReason",
    "TicketRedeemed",
    "TopicSpec",
    "Topics",
    "VenueCategory",
]
