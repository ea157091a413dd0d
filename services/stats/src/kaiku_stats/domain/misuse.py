"""The misuse watch's rules (seed 001: the region's coordinator follows the uses; docs/contract.md "FlagRaised").

Pure functions over one card's accepted uses and what is known of the card. Each finding has an id
made from the rule and what it is about (the uses, or the card and the week), so the same finding is
raised once and a rebuild raises it again with the same id. Nothing here is personal: a card code and
the uses' ids, venues and times, which the events carry anyway.

`limit_exceeded_by_paper_forms` is not computed here: usage refuses a paper-form use over the
card-holder limit (`limit_reached`), and `TicketRedeemed` does not carry the limit (docs/stats.md).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kaiku_contracts.calendar import HELSINKI, helsinki_date
from kaiku_contracts.flags import FlagRule

OVERLAP = timedelta(hours=2)
"""Two uses of one card at different venues whose performances start less than this apart (docs/contract.md)."""
DEFAULT_USES_PER_WEEK = 7
"""More uses than this of one card in one week (Monday to Sunday, Helsinki) raise a flag: more than one a
day on average is unusual for one holder (KAIKU_STATS_FLAG_USES_PER_WEEK)."""


@dataclass(frozen=True, slots=True)
class Use:
    redemption_id: str
    card_code: str
    venue_id: str
    region_id: str  # the venue's
    performance_id: str
    starts_at: datetime
    channel: str


@dataclass(frozen=True, slots=True)
class CardValidity:
    issued_on: date
    valid_until: date
    revoked_on: date | None

    def valid_on(self, day: date) -> bool:
        """§4: from the issue date to valid_until, until a revocation."""
        return self.issued_on <= day <= self.valid_until and (self.revoked_on is None or day < self.revoked_on)


@dataclass(frozen=True, slots=True)
class Flag:
    flag_id: str
    rule: FlagRule
    region_id: str
    card_code: str | None
    redemption_ids: tuple[str, ...]
    detail: str


def flag_id(rule: FlagRule, *about: str) -> str:
    digest = hashlib.sha256("|".join((rule.value, *about)).encode()).hexdigest()[:24]
    return f"{rule.value}-{digest}"


def _when(moment: datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%Y-%m-%d %H:%M")


def overlapping_uses(uses: Sequence[Use]) -> list[Flag]:
    """One card used at two venues whose performances start less than OVERLAP apart: one flag per pair."""
    ordered = sorted(uses, key=lambda u: (u.starts_at, u.redemption_id))
    flags = []
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.starts_at - first.starts_at >= OVERLAP:
                break
            if second.venue_id == first.venue_id:
                continue
            minutes = int((second.starts_at - first.starts_at).total_seconds() // 60)
            flags.append(
                Flag(
                    flag_id(FlagRule.CARD_USED_AT_OVERLAPPING_PERFORMANCES, first.redemption_id, second.redemption_id),
                    FlagRule.CARD_USED_AT_OVERLAPPING_PERFORMANCES,
                    second.region_id,
                    first.card_code,
                    (first.redemption_id, second.redemption_id),
                    f"the card was used at venue {first.venue_id} ({first.performance_id}, {_when(first.starts_at)})"
                    f" and at venue {second.venue_id} ({second.performance_id}, {_when(second.starts_at)}),"
                    f" {minutes} minutes apart",
                )
            )
    return flags


def many_uses_in_a_week(uses: Sequence[Use], per_week: int) -> list[Flag]:
    """More than `per_week` uses of one card in one week: one flag per card and week, naming its uses."""
    weeks: dict[tuple[int, int], list[Use]] = defaultdict(list)
    for use in uses:
        year, week, _ = helsinki_date(use.starts_at).isocalendar()
        weeks[(year, week)].append(use)
    flags = []
    for (year, week), in_week in sorted(weeks.items()):
        if len(in_week) <= per_week:
            continue
        ordered = sorted(in_week, key=lambda u: (u.starts_at, u.redemption_id))
        label = f"{year}-W{week:02d}"
        flags.append(
            Flag(
                flag_id(FlagRule.MANY_USES_IN_A_WEEK, ordered[0].card_code, label),
                FlagRule.MANY_USES_IN_A_WEEK,
                ordered[-1].region_id,
                ordered[0].card_code,
                tuple(u.redemption_id for u in ordered),
                f"the card was used {len(ordered)} times in week {label} (more than {per_week})",
            )
        )
    return flags


def uses_of_card_not_valid_then(uses: Sequence[Use], card: CardValidity | None) -> list[Flag]:
    """A paper-form use (a venue report row) on a day the card was not valid: not yet issued, expired or
    revoked. Checked again when the card's issue or revocation arrives after the use."""
    if card is None:
        return []
    flags = []
    for use in uses:
        day = helsinki_date(use.starts_at)
        if use.channel != "paper_form" or card.valid_on(day):
            continue
        if day < card.issued_on:
            why = f"granted only on {card.issued_on}"
        elif card.revoked_on is not None and day >= card.revoked_on:
            why = f"revoked on {card.revoked_on}"
        else:
            why = f"valid only until {card.valid_until}"
        flags.append(
            Flag(
                flag_id(FlagRule.USE_OF_CARD_NOT_VALID_THEN, use.redemption_id),
                FlagRule.USE_OF_CARD_NOT_VALID_THEN,
                use.region_id,
                use.card_code,
                (use.redemption_id,),
                f"a report row of venue {use.venue_id} ({use.performance_id}, {day}) names a card {why}",
            )
        )
    return flags


def findings(uses: Sequence[Use], card: CardValidity | None, per_week: int) -> list[Flag]:
    """Every flag the card's accepted uses raise."""
    return [*overlapping_uses(uses), *many_uses_in_a_week(uses, per_week), *uses_of_card_not_valid_then(uses, card)]
