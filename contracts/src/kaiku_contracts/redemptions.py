"""Events on `kaiku.redemptions.v1`, `kaiku.agency-redemptions.v1` and `kaiku.redemption-outcomes.v1`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from kaiku_contracts.enums import CardType, Channel, RedemptionKind, RejectionReason, VenueCategory
from kaiku_contracts.envelope import ID_PATTERN, CardCode, EntityId, Event, UtcDatetime

RedemptionId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=ID_PATTERN)]
"""Unique per use; the idempotency key of a redemption."""


class TicketRedeemed(Event):
    event_type: Literal["TicketRedeemed"] = "TicketRedeemed"
    redemption_id: RedemptionId
    card_code: CardCode
    card_type: CardType
    venue_id: EntityId
    region_id: EntityId = Field(description="The venue's region")
    performance_id: EntityId
    performance_name: str = Field(min_length=1, max_length=200)
    starts_at: UtcDatetime
    kind: RedemptionKind
    adult_tickets: int = Field(ge=0, le=1)
    child_tickets: int = Field(ge=0, le=50)
    channel: Channel
    agency_id: EntityId | None = None
    group_id: EntityId | None = Field(default=None, description="Links a community-card use to its members' uses")
    card_region_id: EntityId | None = Field(
        default=None, description="The issuing region; always set on kaiku.redemptions.v1"
    )
    venue_category: VenueCategory | None = Field(default=None, description="Always set on kaiku.redemptions.v1")


SIGNATURE_HEADER = "signature"
"""The Kafka header of an agency's message: lower-case hex HMAC-SHA256 of its raw value (docs/contract.md)."""
MIN_KEY_LENGTH = 32
"""The shortest signing key an agency may register."""


class AgencyRedemptionSubmission(Event):
    """What a ticket agency sends on `kaiku.agency-redemptions.v1` (key = card code; untrusted input).

    A `TicketRedeemed` as the agency recorded it. An agency cannot know every field usage publishes
    (the card's type, the venue's region, the performance's name and start...), so only the use itself
    is required; usage takes the rest from its own registers and ignores what the agency says about
    them. A full `TicketRedeemed` with `agency_id` set is a valid submission.
    """

    event_type: Literal["TicketRedeemed"] = "TicketRedeemed"
    redemption_id: RedemptionId
    agency_id: EntityId = Field(description="The submitting agency; outcomes are keyed by it")
    card_code: CardCode
    venue_id: EntityId
    performance_id: EntityId
    adult_tickets: int = Field(ge=0, le=1)
    child_tickets: int = Field(default=0, ge=0, le=50)
    channel: Channel = Field(default=Channel.AGENCY, description="`web_shop` is refused (§8.1)")
    group_id: EntityId | None = Field(default=None, description="Links a community-card use to its members' uses")
    card_type: CardType | None = Field(default=None, description="Ignored: usage knows the card")
    region_id: EntityId | None = Field(default=None, description="Ignored: usage knows the venue's region")
    performance_name: str | None = Field(default=None, max_length=200, description="Ignored")
    starts_at: UtcDatetime | None = Field(default=None, description="Ignored: usage knows the performance")
    kind: RedemptionKind | None = Field(default=None, description="Ignored: follows the performance's kind")

    @model_validator(mode="after")
    def _at_least_one_ticket(self) -> AgencyRedemptionSubmission:
        if self.adult_tickets + self.child_tickets == 0:
            raise ValueError("a use needs an adult ticket or at least one child ticket")
        return self


class RedemptionCancelled(Event):
    event_type: Literal["RedemptionCancelled"] = "RedemptionCancelled"
    redemption_id: RedemptionId
    card_code: CardCode
    cancelled_at: UtcDatetime


class RedemptionAccepted(Event):
    event_type: Literal["RedemptionAccepted"] = "RedemptionAccepted"
    redemption_id: str = Field(max_length=200)
    agency_id: str = Field(max_length=200)


class RedemptionRejected(Event):
    event_type: Literal["RedemptionRejected"] = "RedemptionRejected"
    redemption_id: str = Field(max_length=200)
    agency_id: str = Field(max_length=200)
    reason: RejectionReason
    detail: str


RedemptionEvent = Annotated[TicketRedeemed | RedemptionCancelled, Field(discriminator="event_type")]
OutcomeEvent = Annotated[RedemptionAccepted | RedemptionRejected, Field(discriminator="event_type")]

__all__ = [
    "AgencyRedemptionSubmission",
    "OutcomeEvent",
    "RedemptionAccepted",
    "RedemptionCancelled",
    "RedemptionEvent",
    "RedemptionRejected",
    "TicketRedeemed",
]
