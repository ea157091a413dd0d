"""Venues, their ticket agencies and their performances: registering, changing, listing, cancelling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.limits import PerformanceKind, limit_below_minimum
from kaiku_contracts.redemptions import RedemptionCancelled
from kaiku_contracts.topics import Topics
from kaiku_runtime.errors import ApiError
from kaiku_runtime.outbox import enqueue_many
from kaiku_runtime.ownership import venue_announcement
from kaiku_runtime.unit_of_work import UnitOfWork

from kaiku_usage.adapters import performances, redemptions, venues
from kaiku_usage.domain.cancellation import PerformanceCancellation
from kaiku_usage.domain.cancellation import cancel_performance as decide_cancellation

LISTING_LIMIT = 500
"""At most this many rows per listing: a region's venues, a venue's performances from `since` on."""


async def venue_region(uow: UnitOfWork, venue_id: str) -> str | None:
    """The venue's region, None when no such venue is registered."""
    return await venues.region_of(uow.pool, venue_id)


async def region_of(uow: UnitOfWork, venue_id: str) -> str:
    """The venue's region; `venue_unknown` when it is not registered."""
    region = await venue_region(uow, venue_id)
    if region is None:
        raise ApiError(RejectionReason.VENUE_UNKNOWN, "venue_id: no venue of this id is registered")
    return region


@dataclass(frozen=True, slots=True)
class VenueRegistration:
    venue: dict[str, Any]  # as registered (the earlier registration when the id was taken)
    created: bool


async def register_venue(
    uow: UnitOfWork,
    venue_id: str,
    *,
    region_id: str,
    name: str,
    category: str,
    agencies: list[str],
    deployment: str | None,
) -> VenueRegistration:
    """Register a venue; a taken id changes nothing and answers the venue already registered.

    A new venue's region is announced on the ownership registry in the same transaction (None: there is no
    registry), so the other deployments leave its uses to `deployment` (docs/architecture.md "Regional
    deployments")."""
    async with uow.transaction() as conn:
        row = await venues.insert_venue(conn, venue_id, region_id, name, category, agencies)
        if row is not None:
            if deployment is not None:
                await enqueue_many(conn, [venue_announcement(venue_id, region_id, deployment)])
            return VenueRegistration(row, created=True)
        existing = await venues.get_venue(conn, venue_id)
    assert existing is not None
    return VenueRegistration(existing, created=False)


async def find_venue(uow: UnitOfWork, venue_id: str) -> dict[str, Any] | None:
    return await venues.get_venue(uow.pool, venue_id)


async def update_venue(
    uow: UnitOfWork, venue_id: str, *, name: str | None, agencies: list[str] | None
) -> dict[str, Any]:
    """Change a venue's name or its ticket agencies (None: unchanged)."""
    async with uow.transaction() as conn:
        row = await venues.update_venue(conn, venue_id, name, agencies)
    if row is None:
        raise ApiError(RejectionReason.VENUE_UNKNOWN, "venue_id: no venue of this id is registered")
    return row


async def register_agency(
    uow: UnitOfWork, agency_id: str, *, name: str | None, signing_key: str, registered_by: str
) -> None:
    """Register a ticket agency (or replace its key) with the key that signs its Kafka messages."""
    async with uow.transaction() as conn:
        await venues.save_agency(conn, agency_id, name, signing_key, registered_by)


async def announce_unannounced_venues(uow: UnitOfWork, announced: Mapping[str, str], deployment: str) -> int:
    """Announce every venue held here that the registry does not place in its region (venues moved in by a
    hand-over, or registered before the registry existed); how many were announced."""
    async with uow.transaction() as conn:
        held = await venues.all_venue_regions(conn)
        missing = [(v, r) for v, r in held.items() if announced.get(v) != r]
        await enqueue_many(conn, [venue_announcement(v, r, deployment) for v, r in missing])
    return len(missing)


async def list_venues(uow: UnitOfWork, region_id: str) -> list[dict[str, Any]]:
    return await venues.venues_of_region(uow.pool, region_id, LISTING_LIMIT)


async def list_performances(
    uow: UnitOfWork, venue_id: str, since: datetime, *, include_cancelled: bool
) -> list[dict[str, Any]]:
    return await performances.performances_of_venue(
        uow.pool, venue_id, since, include_cancelled=include_cancelled, limit=LISTING_LIMIT
    )


async def performance_venue(uow: UnitOfWork, performance_id: str) -> str:
    """The performance's venue (it never moves); `performance_unknown` when there is no such performance."""
    venue = await performances.venue_of(uow.pool, performance_id)
    if venue is None:
        raise ApiError(RejectionReason.PERFORMANCE_UNKNOWN, "performance_id: no performance of this id is known")
    return venue


@dataclass(frozen=True, slots=True)
class PerformanceFields:
    venue_id: str
    name: str
    starts_at: datetime
    capacity: int
    kind: PerformanceKind
    card_holder_limit: int | None
    guest_producer: bool
    booking_opens_days_before: int | None
    redeem_from_minutes_before: int | None


async def save_performance(uow: UnitOfWork, performance_id: str, fields: PerformanceFields) -> dict[str, Any] | None:
    """Create or change a performance; its `card_holders` and `cancelled` afterwards.

    None (nothing written) when the id is another venue's performance: a performance never moves.
    A cancelled performance stays cancelled (its uses were cancelled with it).
    """
    # §7.2.2 / §7.2.3: a venue may cap the card holders, not below the minimum (kaiku_contracts.limits)
    below = limit_below_minimum(
        fields.card_holder_limit, fields.capacity, fields.kind, guest_producer=fields.guest_producer
    )
    if below is not None:
        raise ApiError(
            RejectionReason.LIMIT_BELOW_MINIMUM,
            f"card_holder_limit must be at least {below.value} for this performance ({below.rule});"
            " the limit is not a quota: nothing is reserved",
        )
    async with uow.transaction() as conn:
        owner = await performances.lock_owner(conn, performance_id)
        if owner is not None and owner != fields.venue_id:
            return None
        return await performances.save_performance(
            conn,
            performance_id,
            venue_id=fields.venue_id,
            name=fields.name,
            starts_at=fields.starts_at,
            capacity=fields.capacity,
            kind=fields.kind,
            card_holder_limit=fields.card_holder_limit,
            guest_producer=fields.guest_producer,
            booking_opens_days_before=fields.booking_opens_days_before,
            redeem_from_minutes_before=fields.redeem_from_minutes_before,
        )


async def cancel_performance(uow: UnitOfWork, performance_id: str) -> PerformanceCancellation:
    """Cancel a performance: every use of it is cancelled too (one `RedemptionCancelled` each)."""
    now = datetime.now(UTC)
    async with uow.transaction() as conn:
        # the performance's lock first, then its uses': the order recording and cancelling a use keep
        cancelled_at = await performances.lock_for_cancelling(conn, performance_id)
        uses = await redemptions.uses_of_performance(conn, performance_id)
        cancellation = decide_cancellation(uses, cancelled_at=cancelled_at, now=now)
        await redemptions.mark_cancelled(
            conn, [u.redemption_id for u in cancellation.cascade], cancellation.uses_cancelled_at
        )
        await performances.mark_cancelled(conn, performance_id, cancellation.cancelled_at, cancellation.card_holders)
        await enqueue_many(
            conn,
            [
                (
                    Topics.REDEMPTIONS,
                    use.card_code,
                    RedemptionCancelled(
                        redemption_id=use.redemption_id,
                        card_code=use.card_code,
                        cancelled_at=cancellation.uses_cancelled_at,
                    ),
                )
                for use in cancellation.cascade
            ],
        )
    return cancellation
