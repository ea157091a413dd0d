"""Usage's HTTP request bodies and the answers the portal reads (docs/contract.md)."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from kaiku_contracts.enums import Channel, RejectionReason, VenueCategory
from kaiku_contracts.http.common import CardCode, EntityId
from kaiku_contracts.limits import BOOKING_OPENS_MIN_DAYS, PerformanceKind
from kaiku_contracts.redemptions import MIN_KEY_LENGTH, SIGNATURE_HEADER, RedemptionId


class VenueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    venue_id: EntityId
    region_id: EntityId
    name: str = Field(min_length=1, max_length=200)
    category: VenueCategory
    agencies: list[EntityId] = Field(default_factory=list, description="Ticket agencies that sell for the venue")


class PerformanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    venue_id: EntityId
    name: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime = Field(description="With its UTC offset, e.g. 2026-12-03T18:00:00+02:00")
    capacity: int = Field(ge=0, le=1_000_000)
    kind: PerformanceKind
    card_holder_limit: int | None = Field(default=None, ge=0, description="§7.2.2; not a quota")
    guest_producer: bool = False
    booking_opens_days_before: int | None = Field(
        default=None, ge=BOOKING_OPENS_MIN_DAYS, le=366, description="§8.2: at the earliest one month before"
    )
    redeem_from_minutes_before: int | None = Field(default=None, ge=0, le=7 * 24 * 60, description="§8.2")


class RedemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redemption_id: RedemptionId
    card_code: CardCode
    venue_id: EntityId
    performance_id: EntityId
    adult_tickets: int = Field(ge=0, le=1)
    child_tickets: int = Field(default=0, ge=0, le=50, description="Holder's children/grandchildren under 18")
    channel: Channel
    group_id: EntityId | None = None

    @model_validator(mode="after")
    def _at_least_one_ticket(self) -> RedemptionIn:
        if self.adult_tickets + self.child_tickets == 0:
            raise ValueError("a use needs an adult ticket or at least one child ticket")
        return self


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    signing_key: str = Field(
        min_length=MIN_KEY_LENGTH,
        max_length=512,
        description=f"Shared secret (at least {MIN_KEY_LENGTH} characters, never echoed): every Kafka message of"
        f" this agency carries the header `{SIGNATURE_HEADER}` = lower-case hex HMAC-SHA256 of the raw value.",
    )


class VenuePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    agencies: list[EntityId] | None = Field(default=None, description="The ticket agencies that sell for the venue")


# -- answers (usage's routes build them as dicts; the portal parses them with these) ---------------


class Venue(BaseModel):
    venue_id: str
    region_id: str
    name: str
    category: VenueCategory
    agencies: list[str] = Field(default_factory=list)


class Venues(BaseModel):
    """`GET /v1/venues?region_id=`."""

    venues: list[Venue]


class Performance(BaseModel):
    performance_id: str
    venue_id: str
    name: str
    starts_at: AwareDatetime
    capacity: int
    kind: PerformanceKind
    card_holder_limit: int | None = None
    guest_producer: bool = False
    booking_opens_days_before: int | None = None
    redeem_from_minutes_before: int | None = None
    card_holders: int = Field(default=0, description="Card holders recorded so far against the limit")
    cancelled: bool = False


class Performances(BaseModel):
    """`GET /v1/performances?venue_id=`, in start order."""

    performances: list[Performance]


class PerformanceCancelled(BaseModel):
    """`DELETE /v1/performances/{performance_id}`: every use of it was cancelled too."""

    performance_id: str
    cancelled: bool
    redemptions_cancelled: int


class CardStatus(BaseModel):
    """`GET /v1/cards/{card_code}/status`: the box-office check."""

    card_code: str
    valid: bool
    valid_until: date | None
    reason: RejectionReason | None = None
