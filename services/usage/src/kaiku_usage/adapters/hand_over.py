"""Usage's rows of a region, for `kaiku move-region usage` (kaiku_runtime/hand_over.py): its venues, their
performances and uses, and the agencies that sell for them (copied: they may sell elsewhere too). The card
registry (every card in the country) is copied with its consumer's positions, not moved: the new owner judges
the waiting agency submissions at once, instead of refusing them as `card_unknown` until it has read
kaiku.cards.v1 from its start; it then reads the cards topic on from where the old owner was."""

from __future__ import annotations

from kaiku_runtime.hand_over import HandOverPlan, RegionRows

_VENUES = "SELECT venue_id FROM venues WHERE region_id = ANY($1::text[])"
_PERFORMANCES = f"SELECT performance_id FROM performances WHERE venue_id IN ({_VENUES})"

PLAN = HandOverPlan(
    rows=(
        RegionRows("cards", "$1::text[] IS NOT NULL", move=False),  # every card, whatever the region
        RegionRows(
            "agencies", f"agency_id IN (SELECT unnest(agencies) FROM venues WHERE venue_id IN ({_VENUES}))", move=False
        ),
        RegionRows("venues", "region_id = ANY($1::text[])"),
        RegionRows("performances", f"venue_id IN ({_VENUES})"),
        RegionRows("redemptions", f"performance_id IN ({_PERFORMANCES})"),
    ),
    # the agency submissions the old owner judged are not judged again; those after it stopped are
    positions=("agency-redemptions", "card-registry"),
)
