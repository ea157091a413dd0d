"""Cancelling a use or a performance: the counter and the cascade (§7.2.2: the limit counts card holders)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kaiku_usage.domain.cancellation import RecordedUse, cancel_performance, cancel_use

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=2)


def test_cancelling_an_adult_ticket_frees_its_place() -> None:
    cancellation = cancel_use(RecordedUse("U1", "E1", adult_tickets=1), NOW)
    assert not cancellation.already
    assert cancellation.cancelled_at == NOW
    assert cancellation.card_holders_freed == 1


def test_cancelling_child_tickets_only_frees_no_place() -> None:
    """Child tickets never counted against the limit, so their cancellation gives nothing back."""
    cancellation = cancel_use(RecordedUse("U1", "E1", adult_tickets=0), NOW)
    assert not cancellation.already
    assert cancellation.card_holders_freed == 0


def test_cancelling_a_cancelled_use_again_changes_nothing_and_keeps_its_time() -> None:
    cancellation = cancel_use(RecordedUse("U1", "E1", adult_tickets=1, cancelled_at=EARLIER), NOW)
    assert cancellation.already
    assert cancellation.cancelled_at == EARLIER
    assert cancellation.card_holders_freed == 0


def test_a_performance_takes_its_live_uses_with_it_and_nobody_holds_a_place() -> None:
    uses = [
        RecordedUse("U1", "E1", adult_tickets=1),
        RecordedUse("U2", "E2", adult_tickets=1, cancelled_at=EARLIER),
        RecordedUse("U3", "E3", adult_tickets=0),
    ]
    cancellation = cancel_performance(uses, cancelled_at=None, now=NOW)
    assert [u.redemption_id for u in cancellation.cascade] == ["U1", "U3"]
    assert cancellation.card_holders == 0
    assert cancellation.cancelled_at == NOW
    assert cancellation.uses_cancelled_at == NOW


def test_cancelling_a_cancelled_performance_again_cascades_nothing_and_keeps_its_first_time() -> None:
    uses = [RecordedUse("U1", "E1", adult_tickets=1, cancelled_at=EARLIER)]
    cancellation = cancel_performance(uses, cancelled_at=EARLIER, now=NOW)
    assert cancellation.cascade == ()
    assert cancellation.cancelled_at == EARLIER
    assert cancellation.card_holders == 0
