"""Cancelling a use or a performance: what it does to the card-holder counter and which uses go with it.

The counter counts card holders, i.e. adult tickets (§7.2.2, docs/rules.md); a cancelled use frees its
place under the limit. Both cancellations run under the performance's row lock, taken before the use's,
in the same order as recording a use (docs/architecture.md pattern 7), so the counter stays exact.
No I/O here: the locked rows come in, what to write goes out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class UseOwner:
    """Where a use was recorded and by whom, for deciding who may cancel it (none of it ever changes)."""

    redemption_id: str
    performance_id: str
    venue_id: str
    recorded_by: str  # the organisation, e.g. `venue:V1`
    region_id: str  # the venue's


@dataclass(frozen=True, slots=True)
class RecordedUse:
    """A recorded use as its cancellation sees it."""

    redemption_id: str
    card_code: str
    adult_tickets: int
    cancelled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UseCancellation:
    """Cancelling one use: `cancelled_at` is when it counts as cancelled; `already` means nothing changes."""

    cancelled_at: datetime
    already: bool
    card_holders_freed: int  # places under the performance's limit given back


def cancel_use(use: RecordedUse, now: datetime) -> UseCancellation:
    """Cancel a use: idempotent (a cancelled use keeps its first time); an adult ticket frees its place."""
    if use.cancelled_at is not None:
        return UseCancellation(cancelled_at=use.cancelled_at, already=True, card_holders_freed=0)
    # child tickets never counted against the limit (§7.2.2), so a use without an adult ticket frees nothing
    return UseCancellation(cancelled_at=now, already=False, card_holders_freed=1 if use.adult_tickets == 1 else 0)


@dataclass(frozen=True, slots=True)
class PerformanceCancellation:
    cancelled_at: datetime  # the performance's: the first cancellation's time is kept
    cascade: tuple[RecordedUse, ...]  # the uses cancelled with it, one `RedemptionCancelled` each
    uses_cancelled_at: datetime  # now: when those uses are cancelled
    card_holders: int  # the counter afterwards


def cancel_performance(
    uses: Iterable[RecordedUse], *, cancelled_at: datetime | None, now: datetime
) -> PerformanceCancellation:
    """Cancel a performance: every use not yet cancelled goes with it and nobody holds a place any more.

    Cancelling it again cancels nothing more (no use can be recorded for a cancelled performance) and
    keeps its first `cancelled_at`.
    """
    live = tuple(use for use in uses if use.cancelled_at is None)
    return PerformanceCancellation(
        cancelled_at=cancelled_at or now, cascade=live, uses_cancelled_at=now, card_holders=0
    )
