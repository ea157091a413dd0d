"""The ordered decision on a use (docs/contract.md "Errors and rejection reasons"), as a pure function."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from kaiku_contracts.calendar import helsinki_date
from kaiku_contracts.enums import CardType, Channel, RejectionReason, VenueCategory
from kaiku_contracts.limits import PerformanceKind
from kaiku_usage.domain.cards import card_status
from kaiku_usage.domain.redemption import (
    Accepted,
    Card,
    CardAtPerformance,
    Decision,
    Performance,
    RedemptionRequest,
    Rejected,
    Venue,
    decide,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 17:00 in Helsinki
VENUE = Venue("V1", "R1", VenueCategory.CULTURE, frozenset({"A1"}))
SHOW = Performance("P1", "V1", "Trollkarlen Matti", NOW + timedelta(hours=3), PerformanceKind.PERFORMANCE, 10, 0)
CARD = Card("E1234", CardType.PERSONAL, "R2", date(2026, 12, 31))
USE = RedemptionRequest("r1", "E1234", "V1", "P1", 1, 0, Channel.BOX_OFFICE)


def judge(
    request: RedemptionRequest = USE,
    *,
    venue: Venue | None = VENUE,
    performance: Performance | None = SHOW,
    card: Card | None = CARD,
    has_adult: bool = False,
    children_so_far: int = 0,
    group_known: bool = False,
    now: datetime = NOW,
) -> Decision:
    return decide(
        request,
        venue=venue,
        performance=performance,
        card=card,
        so_far=CardAtPerformance(adult_ticket=has_adult, child_tickets=children_so_far),
        group_known=group_known,
        now=now,
    )


def reason(decision: Decision) -> RejectionReason:
    assert isinstance(decision, Rejected), decision
    return decision.reason


def test_a_valid_use_is_accepted_and_counts_against_the_limit() -> None:
    assert judge() == Accepted(counts_against_limit=True, group_id=None)


def test_child_tickets_alone_do_not_count_against_the_limit() -> None:
    """The holder already has an adult ticket there: more child tickets need no new place under the limit."""
    full = replace(SHOW, card_holders=10)
    decision = judge(replace(USE, adult_tickets=0, child_tickets=2), performance=full, has_adult=True)
    assert decision == Accepted(counts_against_limit=False, group_id=None)


def test_child_tickets_go_with_the_holder() -> None:
    """§2: child tickets only to a performance the holder attends (an adult ticket now or earlier)."""
    children_only = replace(USE, adult_tickets=0, child_tickets=2)
    assert reason(judge(children_only)) is RejectionReason.HOLDER_NOT_ATTENDING
    assert isinstance(judge(children_only, has_adult=True), Accepted)
    assert isinstance(judge(replace(USE, child_tickets=2)), Accepted)
    community = replace(CARD, card_type=CardType.COMMUNITY)
    assert reason(judge(children_only, card=community)) is RejectionReason.HOLDER_NOT_ATTENDING


def test_child_tickets_are_capped_by_the_number_on_the_card() -> None:
    """Seed 000: the card's child tickets at one performance, all its uses together, at most the number written."""
    two = replace(CARD, children_under_18=2)
    assert isinstance(judge(replace(USE, child_tickets=2), card=two), Accepted)
    assert reason(judge(replace(USE, child_tickets=3), card=two)) is RejectionReason.TOO_MANY_CHILD_TICKETS
    more = replace(USE, adult_tickets=0, child_tickets=1)
    assert isinstance(judge(more, card=two, has_adult=True, children_so_far=1), Accepted)
    decision = judge(more, card=two, has_adult=True, children_so_far=2)
    assert reason(decision) is RejectionReason.TOO_MANY_CHILD_TICKETS
    assert isinstance(decision, Rejected)
    assert decision.detail.startswith("child_tickets:")
    none = replace(CARD, children_under_18=0)
    assert reason(judge(replace(USE, child_tickets=1), card=none)) is RejectionReason.TOO_MANY_CHILD_TICKETS
    # not recorded: no cap
    assert isinstance(judge(replace(USE, child_tickets=20)), Accepted)


def test_child_ticket_checks_sit_between_course_rules_and_already_redeemed() -> None:
    course = replace(SHOW, kind=PerformanceKind.COURSE, card_holder_limit=2)
    children_only = replace(USE, adult_tickets=0, child_tickets=1)
    assert reason(judge(children_only, performance=course)) is RejectionReason.CHILDREN_NOT_ALLOWED_FOR_COURSE
    two = replace(CARD, children_under_18=0)
    assert reason(judge(replace(USE, child_tickets=1), card=two, has_adult=True)) is (
        RejectionReason.TOO_MANY_CHILD_TICKETS
    )
    late = replace(SHOW, redeem_from_minutes_before=30)
    assert reason(judge(children_only, performance=late)) is RejectionReason.REDEMPTION_NOT_OPEN_YET


def test_each_rule_in_order() -> None:
    assert reason(judge(venue=None)) is RejectionReason.VENUE_UNKNOWN
    assert reason(judge(performance=None)) is RejectionReason.PERFORMANCE_UNKNOWN
    assert reason(judge(performance=replace(SHOW, venue_id="V2"))) is RejectionReason.PERFORMANCE_UNKNOWN
    assert reason(judge(performance=replace(SHOW, cancelled=True))) is RejectionReason.PERFORMANCE_UNKNOWN
    assert reason(judge(replace(USE, agency_id="A9"))) is RejectionReason.AGENCY_NOT_AUTHORISED
    assert isinstance(judge(replace(USE, agency_id="A1", channel=Channel.AGENCY)), Accepted)
    assert reason(judge(replace(USE, channel=Channel.WEB_SHOP))) is RejectionReason.CHANNEL_NOT_ALLOWED
    assert reason(judge(card=None)) is RejectionReason.CARD_UNKNOWN
    assert reason(judge(card=replace(CARD, revoked_on=date(2026, 3, 1)))) is RejectionReason.CARD_REVOKED
    assert reason(judge(card=replace(CARD, valid_until=date(2026, 3, 9)))) is RejectionReason.CARD_EXPIRED
    assert reason(judge(has_adult=True)) is RejectionReason.ALREADY_REDEEMED
    assert reason(judge(performance=replace(SHOW, card_holders=10))) is RejectionReason.LIMIT_REACHED


def test_the_first_broken_rule_wins() -> None:
    everything_wrong = replace(USE, channel=Channel.WEB_SHOP, agency_id="A9")
    assert reason(judge(everything_wrong, card=None)) is RejectionReason.AGENCY_NOT_AUTHORISED
    assert reason(judge(replace(USE, channel=Channel.WEB_SHOP), card=None)) is RejectionReason.CHANNEL_NOT_ALLOWED
    full_and_used = replace(SHOW, card_holders=10)
    assert reason(judge(performance=full_and_used, has_adult=True)) is RejectionReason.ALREADY_REDEEMED


def test_card_must_be_valid_today_and_on_the_performance_date() -> None:
    in_a_month = replace(SHOW, starts_at=NOW + timedelta(days=30))
    short_card = replace(CARD, valid_until=date(2026, 3, 20))
    decision = judge(performance=in_a_month, card=short_card)
    assert reason(decision) is RejectionReason.CARD_EXPIRED
    assert isinstance(decision, Rejected)
    assert "2026-03-20" in decision.detail
    # valid through the last day (Helsinki date): a card valid until today works tonight
    assert isinstance(judge(card=replace(CARD, valid_until=date(2026, 3, 10))), Accepted)


def test_helsinki_date_decides_validity() -> None:
    late_evening = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)  # already 11 March in Helsinki
    show = replace(SHOW, starts_at=late_evening + timedelta(minutes=30))
    assert reason(judge(performance=show, card=replace(CARD, valid_until=date(2026, 3, 10)), now=late_evening)) is (
        RejectionReason.CARD_EXPIRED
    )


def test_windows_of_section_8_2() -> None:
    far = replace(SHOW, starts_at=NOW + timedelta(days=40), booking_opens_days_before=30)
    assert reason(judge(performance=far)) is RejectionReason.BOOKING_NOT_OPEN_YET
    assert isinstance(judge(performance=far, now=NOW + timedelta(days=10, minutes=1)), Accepted)
    evening = replace(SHOW, redeem_from_minutes_before=30)
    assert reason(judge(performance=evening)) is RejectionReason.REDEMPTION_NOT_OPEN_YET
    assert isinstance(judge(performance=evening, now=SHOW.starts_at - timedelta(minutes=29)), Accepted)
    both = replace(far, redeem_from_minutes_before=30)
    assert reason(judge(performance=both)) is RejectionReason.BOOKING_NOT_OPEN_YET


def test_course_rules() -> None:
    course = replace(SHOW, kind=PerformanceKind.COURSE, card_holder_limit=2)
    assert reason(judge(replace(USE, child_tickets=1), performance=course)) is (
        RejectionReason.CHILDREN_NOT_ALLOWED_FOR_COURSE
    )
    community = replace(CARD, card_type=CardType.COMMUNITY)
    assert reason(judge(performance=course, card=community)) is RejectionReason.COMMUNITY_CARD_NOT_ALLOWED_FOR_COURSE
    assert isinstance(judge(performance=course), Accepted)


def test_community_card_heads_its_group() -> None:
    community = replace(CARD, card_type=CardType.COMMUNITY)
    assert judge(replace(USE, child_tickets=3), card=community) == Accepted(True, group_id="r1")
    assert judge(replace(USE, group_id="r1"), card=community) == Accepted(True, group_id="r1")
    # a second community card with the same group names the first one's use
    assert judge(replace(USE, group_id="G1"), card=community, group_known=True) == Accepted(True, group_id="G1")
    # a member's own use carries the group's id
    assert judge(replace(USE, group_id="r0"), group_known=True) == Accepted(True, group_id="r0")


def test_a_members_group_must_be_an_accepted_community_card_use() -> None:
    """§5: group_id names the community-card use at the same performance (group_unknown otherwise)."""
    member = replace(USE, group_id="r0")
    assert reason(judge(member)) is RejectionReason.GROUP_UNKNOWN
    community = replace(CARD, card_type=CardType.COMMUNITY)
    assert reason(judge(replace(USE, group_id="G1"), card=community)) is RejectionReason.GROUP_UNKNOWN
    # after the child-ticket checks, before already_redeemed
    assert reason(judge(replace(member, adult_tickets=0, child_tickets=1))) is RejectionReason.HOLDER_NOT_ATTENDING
    assert reason(judge(member, has_adult=True)) is RejectionReason.GROUP_UNKNOWN


def test_agency_channel_is_the_agencies_and_theirs_only() -> None:
    assert isinstance(judge(replace(USE, agency_id="A1", channel=Channel.AGENCY)), Accepted)
    for not_agency in (Channel.BOX_OFFICE, Channel.PHONE, Channel.PAPER_FORM):
        decision = judge(replace(USE, agency_id="A1", channel=not_agency), now=SHOW.starts_at + timedelta(hours=1))
        assert reason(decision) is RejectionReason.INVALID_REQUEST
        assert isinstance(decision, Rejected)
        assert decision.detail.startswith("channel:")
    assert reason(judge(replace(USE, channel=Channel.AGENCY))) is RejectionReason.INVALID_REQUEST
    # web shops are refused to everybody, agencies too (§8.1)
    web = replace(USE, agency_id="A1", channel=Channel.WEB_SHOP)
    assert reason(judge(web)) is RejectionReason.CHANNEL_NOT_ALLOWED
    # the channel comes after the agency's listing and before the card
    assert reason(judge(replace(USE, channel=Channel.AGENCY), card=None)) is RejectionReason.INVALID_REQUEST
    assert reason(judge(replace(USE, agency_id="A9"))) is RejectionReason.AGENCY_NOT_AUTHORISED


def test_paper_form_only_after_the_start() -> None:
    """A paper form records a use already made: before the start it is channel_not_allowed."""
    paper = replace(USE, channel=Channel.PAPER_FORM)
    assert reason(judge(paper)) is RejectionReason.CHANNEL_NOT_ALLOWED
    assert isinstance(judge(paper, now=SHOW.starts_at), Accepted)
    # windows do not apply, nor today's validity: the card had to be valid on the performance date
    windows = replace(SHOW, booking_opens_days_before=30, redeem_from_minutes_before=30)
    later = SHOW.starts_at + timedelta(days=30)
    expired_since = replace(CARD, valid_until=helsinki_date(SHOW.starts_at))
    assert isinstance(judge(paper, performance=windows, card=expired_since, now=later), Accepted)
    assert reason(judge(performance=windows, card=expired_since, now=later)) is RejectionReason.CARD_EXPIRED


def test_card_is_good_from_its_issue_date() -> None:
    """§4: valid from the day it was granted; before that card_not_yet_valid, at card_expired's place."""
    tomorrow = replace(CARD, issued_on=date(2026, 3, 11))
    decision = judge(card=tomorrow)
    assert reason(decision) is RejectionReason.CARD_NOT_YET_VALID
    assert isinstance(decision, Rejected)
    assert "2026-03-11" in decision.detail
    assert isinstance(judge(card=replace(CARD, issued_on=date(2026, 3, 10))), Accepted)
    assert isinstance(judge(card=replace(CARD, issued_on=None)), Accepted)
    # a performance in a week: valid from the issue date on, but it must be valid today as well
    next_week = replace(SHOW, starts_at=NOW + timedelta(days=7))
    assert reason(judge(performance=next_week, card=tomorrow)) is RejectionReason.CARD_NOT_YET_VALID
    # a paper form for a performance before the issue date: the card was not valid then
    paper = replace(USE, channel=Channel.PAPER_FORM)
    past = replace(SHOW, starts_at=NOW - timedelta(days=2))
    decision = judge(paper, performance=past, card=replace(CARD, issued_on=date(2026, 3, 9)))
    assert reason(decision) is RejectionReason.CARD_NOT_YET_VALID
    assert isinstance(judge(paper, performance=past, card=replace(CARD, issued_on=date(2026, 3, 8))), Accepted)
    # after the revocation check, before the windows
    assert reason(judge(card=replace(tomorrow, revoked_on=date(2026, 3, 11)))) is RejectionReason.CARD_REVOKED
    far = replace(SHOW, starts_at=NOW + timedelta(days=40), booking_opens_days_before=30)
    assert reason(judge(performance=far, card=tomorrow)) is RejectionReason.CARD_NOT_YET_VALID


def test_paper_form_is_judged_on_the_performance_date() -> None:
    """A report entered afterwards (§9.2): the card had to be valid then; windows and today do not apply."""
    past = replace(SHOW, starts_at=datetime(2020, 2, 3, 10, tzinfo=UTC), booking_opens_days_before=1)
    card_2020 = replace(CARD, valid_until=date(2021, 1, 9))
    paper = replace(USE, channel=Channel.PAPER_FORM)
    assert isinstance(judge(paper, performance=past, card=card_2020), Accepted)
    assert reason(judge(performance=past, card=card_2020)) is RejectionReason.CARD_EXPIRED
    assert reason(judge(paper, performance=past, card=replace(card_2020, valid_until=date(2020, 2, 2)))) is (
        RejectionReason.CARD_EXPIRED
    )
    revoked_later = replace(card_2020, revoked_on=date(2020, 5, 1))
    assert isinstance(judge(paper, performance=past, card=revoked_later), Accepted)
    revoked_before = replace(card_2020, revoked_on=date(2020, 1, 20))
    assert reason(judge(paper, performance=past, card=revoked_before)) is RejectionReason.CARD_REVOKED


def test_fingerprint_tells_retries_from_other_uses() -> None:
    assert USE.fingerprint() == replace(USE).fingerprint()
    assert USE.fingerprint() != replace(USE, child_tickets=1).fingerprint()
    assert USE.fingerprint() != replace(USE, agency_id="A1").fingerprint()


def test_card_status() -> None:
    today = date(2026, 3, 10)
    assert card_status(None, today).reason is RejectionReason.CARD_UNKNOWN
    assert card_status(CARD, today).valid
    assert card_status(replace(CARD, valid_until=today), today).valid
    expired = card_status(replace(CARD, valid_until=date(2026, 3, 9)), today)
    assert (expired.valid, expired.reason, expired.valid_until) == (
        False,
        RejectionReason.CARD_EXPIRED,
        date(2026, 3, 9),
    )
    assert card_status(replace(CARD, revoked_on=today), today).reason is RejectionReason.CARD_REVOKED
    issued_tomorrow = card_status(replace(CARD, issued_on=date(2026, 3, 11)), today)
    assert (issued_tomorrow.valid, issued_tomorrow.reason) == (False, RejectionReason.CARD_NOT_YET_VALID)
    assert card_status(replace(CARD, issued_on=today), today).valid
