"""A random but reproducible stream of card and use events, for the tests and the benchmarks.

It plays issuance and usage: a few regions, distributors and venues, cards with holder profiles,
revocations, uses (tickets and course places) and cancellations, all in one past year.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from kaiku_contracts.cards import CardIssued, CardRevoked, HolderProfile
from kaiku_contracts.enums import (
    CardType,
    Channel,
    Gender,
    LifeSituation,
    RedemptionKind,
    RevocationReason,
    VenueCategory,
)
from kaiku_contracts.envelope import Event
from kaiku_contracts.redemptions import RedemptionCancelled, TicketRedeemed


@dataclass
class Stream:
    """Events of a small network of regions, distributors and venues in one (past) year."""

    year: int
    regions: list[str]
    distributors: dict[str, str]  # distributor -> region
    venues: dict[str, tuple[str, str]]  # venue -> (region, category)
    cards: list[CardIssued] = field(default_factory=list)
    revocations: list[CardRevoked] = field(default_factory=list)
    uses: list[TicketRedeemed] = field(default_factory=list)
    cancellations: list[RedemptionCancelled] = field(default_factory=list)

    @property
    def card_events(self) -> list[Event]:
        return [*self.cards, *self.revocations]

    @property
    def redemption_events(self) -> list[Event]:
        return [*self.uses, *self.cancellations]


def make_stream(seed: int, *, cards: int = 60, uses: int = 160, year: int = 2019) -> Stream:
    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:6].upper()
    regions = [f"R{tag}A", f"R{tag}B"]
    distributors = {f"D{tag}{i}": regions[i % 2] for i in range(3)}
    venues = {f"V{tag}{i}": (regions[i % 2], ("culture", "sports")[i % 3 == 2]) for i in range(5)}
    stream = Stream(year, regions, distributors, venues)
    for i in range(cards):
        distributor = rng.choice(list(distributors))
        issued_on = date(year, 1, 1) + timedelta(days=rng.randrange(330))
        personal = rng.random() < 0.9
        holder = (
            HolderProfile(
                birth_year=rng.randrange(year - 90, year - 16),
                mother_tongue=rng.choice(["fi", "fi", "fi", "sv", "se", "ru", "so", "other"]),
                gender=rng.choice(list(Gender)),
                postal_code=rng.choice(["00100", "00530", "20100", "65100", "96100"]),
                life_situation=rng.choice(list(LifeSituation)),
            )
            if personal
            else None
        )
        stream.cards.append(
            CardIssued(
                card_code=f"C{tag}{i:04d}",
                card_type=CardType.PERSONAL if personal else CardType.COMMUNITY,
                region_id=distributors[distributor],
                distributor_id=distributor,
                branch_id=rng.choice([None, f"{distributor}-B1", f"{distributor}-B2"]),
                issued_on=issued_on,
                valid_until=min(issued_on + timedelta(days=364), date(year, 10, 31))
                if rng.random() < 0.2
                else issued_on + timedelta(days=364),
                holder=holder,
                occurred_at=datetime(issued_on.year, issued_on.month, issued_on.day, 10, tzinfo=UTC),
            )
        )
    for card in rng.sample(stream.cards, k=cards // 8):
        stream.revocations.append(
            CardRevoked(
                card_code=card.card_code,
                reason=rng.choice(list(RevocationReason)),
                revoked_on=card.issued_on + timedelta(days=rng.randrange(1, 120)),
            )
        )
    for i in range(uses):
        card = rng.choice(stream.cards)
        venue = rng.choice(list(venues))
        region, category = venues[venue]
        course = card.card_type is CardType.PERSONAL and rng.random() < 0.15
        # usage accepts a card only while it is valid: a performance within its first months, in the year
        day = card.issued_on + timedelta(days=rng.randrange(0, 150))
        day = day if day.year == year and day <= card.valid_until else card.issued_on
        starts_at = datetime(day.year, day.month, day.day, 16, tzinfo=UTC) + timedelta(hours=rng.choice([0, 6]))
        stream.uses.append(
            TicketRedeemed(
                redemption_id=f"U{tag}{i:05d}",
                card_code=card.card_code,
                card_type=card.card_type,
                venue_id=venue,
                region_id=region,
                performance_id=f"{venue}-P{rng.randrange(4)}",
                performance_name=f"Performance {rng.randrange(4)}",
                starts_at=starts_at,
                kind=RedemptionKind.COURSE_PLACE if course else RedemptionKind.TICKET,
                adult_tickets=1 if course else rng.choice([0, 1, 1]),
                child_tickets=0 if course else rng.choice([0, 0, 1, 2, 3]),
                channel=rng.choice([Channel.BOX_OFFICE, Channel.PHONE, Channel.AGENCY]),
                card_region_id=card.region_id,
                venue_category=VenueCategory(category),
            )
        )
    for use in rng.sample(stream.uses, k=uses // 10):
        stream.cancellations.append(
            RedemptionCancelled(
                redemption_id=use.redemption_id,
                card_code=use.card_code,
                cancelled_at=use.starts_at - timedelta(hours=3),
            )
        )
    return stream
