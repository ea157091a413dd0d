"""Issuance's rows of a region, for `kaiku move-region issuance` (kaiku_runtime/hand_over.py): the region, its
distributors with their branches, its cards (with the answers repeated to retries) and its card stock."""

from __future__ import annotations

from kaiku_runtime.hand_over import HandOverPlan, RegionRows

_DISTRIBUTORS = "SELECT distributor_id FROM distributors WHERE region_id = ANY($1::text[])"

PLAN = HandOverPlan(
    rows=(
        RegionRows("regions", "region_id = ANY($1::text[])"),
        RegionRows("distributors", "region_id = ANY($1::text[])"),
        RegionRows("branches", f"distributor_id IN ({_DISTRIBUTORS})"),
        RegionRows("cards", "region_id = ANY($1::text[])"),
        RegionRows("card_ranges", "region_id = ANY($1::text[])", serial="range_id"),
    ),
)
