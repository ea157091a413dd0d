"""The misuse watch's rules (domain/misuse.py), each broken and kept, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from kaiku_contracts.flags import FlagRule
from kaiku_stats.domain.misuse import CardValidity, Use, findings, many_uses_in_a_week, overlapping_uses

pytestmark = pytest.mark.unit
SIX_PM = datetime(2026, 3, 6, 16, tzinfo=UTC)  # 18:00 in Helsinki, a Friday


def use(rid: str, venue: str, starts_at: datetime, channel: str = "box_office", region: str = "R1") -> Use:
    return Use(rid, "E1", venue, region, f"{venue}-P", starts_at, channel)


def test_two_venues_less_than_two_hours_apart_raise_one_flag_for_the_pair() -> None:
    later = use("u2", "V2", SIX_PM + timedelta(minutes=119), region="R2")
    flags = overlapping_uses([later, use("u1", "V1", SIX_PM)])
    (flag,) = flags
    assert flag.rule is FlagRule.CARD_USED_AT_OVERLAPPING_PERFORMANCES
    assert (flag.redemption_ids, flag.region_id, flag.card_code) == (("u1", "u2"), "R2", "E1")
    assert "119 minutes apart" in flag.detail
    # the same finding from the other order has the same id
    assert overlapping_uses([use("u1", "V1", SIX_PM), later]) == flags


def test_two_hours_apart_or_the_same_venue_is_no_overlap() -> None:
    assert overlapping_uses([use("u1", "V1", SIX_PM), use("u2", "V2", SIX_PM + timedelta(hours=2))]) == []
    assert overlapping_uses([use("u1", "V1", SIX_PM), use("u2", "V1", SIX_PM + timedelta(minutes=30))]) == []


def test_more_uses_in_a_week_than_allowed_raise_one_flag_per_week() -> None:
    week = [
        use(f"u{i}", "V1", SIX_PM - timedelta(days=4) + timedelta(days=i // 2, hours=3 * (i % 2))) for i in range(8)
    ]
    assert many_uses_in_a_week(week[:7], per_week=7) == []
    (flag,) = many_uses_in_a_week(week, per_week=7)
    assert flag.rule is FlagRule.MANY_USES_IN_A_WEEK
    assert len(flag.redemption_ids) == 8
    assert "2026-W10" in flag.detail
    # the next Monday starts another week (Helsinki time)
    next_monday = datetime(2026, 3, 8, 22, 30, tzinfo=UTC)  # 00:30 on Monday 9 March in Helsinki
    assert many_uses_in_a_week([*week[:7], use("u9", "V1", next_monday)], per_week=7) == []


def test_a_report_row_on_a_day_the_card_was_not_valid_is_flagged() -> None:
    card = CardValidity(issued_on=date(2026, 3, 1), valid_until=date(2027, 2, 28), revoked_on=date(2026, 3, 6))
    before = use("early", "V1", datetime(2026, 2, 27, 16, tzinfo=UTC), "paper_form")
    on_revocation_day = use("late", "V1", SIX_PM, "paper_form")
    valid_then = use("ok", "V1", datetime(2026, 3, 3, 16, tzinfo=UTC), "paper_form")
    box_office = use("box", "V2", datetime(2026, 3, 7, 16, tzinfo=UTC))
    flags = findings([before, on_revocation_day, valid_then, box_office], card, per_week=7)
    by_use = {f.redemption_ids: f for f in flags if f.rule is FlagRule.USE_OF_CARD_NOT_VALID_THEN}
    assert set(by_use) == {("early",), ("late",)}
    assert "granted only on 2026-03-01" in by_use[("early",)].detail
    assert "revoked on 2026-03-06" in by_use[("late",)].detail
    assert findings([before], None, per_week=7) == []  # the card is not known yet: judged when it arrives
