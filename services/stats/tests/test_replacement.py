"""A replacement card keeps its holder: holder breakdowns count that holder once, cards_issued both cards."""

from __future__ import annotations

from datetime import date

import pytest
from kaiku_contracts.cards import CardIssued, HolderProfile
from kaiku_contracts.enums import CardType, Gender, LifeSituation
from kaiku_devkit.testing import Databases, unique
from kaiku_runtime.consumer import Delivered
from kaiku_runtime.db import create_pool
from kaiku_stats.adapters.figures import figures, region_scope, year_holders
from kaiku_stats.service.projection import apply_card_events

pytestmark = pytest.mark.connected


async def test_a_card_and_its_replacement_count_one_holder_and_two_cards(databases: Databases) -> None:
    region = unique("R")
    holder = HolderProfile(
        birth_year=1960, mother_tongue="sv", gender=Gender.FEMALE, postal_code="00100",
        life_situation=LifeSituation.PENSIONER,
    )  # fmt: skip
    lost = CardIssued(
        card_code=unique("C"), card_type=CardType.PERSONAL, region_id=region, distributor_id=unique("D"),
        issued_on=date(2025, 2, 3), valid_until=date(2026, 2, 2), holder=holder,
    )  # fmt: skip
    replacement = lost.model_copy(
        update={"card_code": unique("C"), "issued_on": date(2025, 3, 9), "replaces_card_code": lost.card_code}
    )
    pool = await create_pool(databases.new("stats"), min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            for event in (lost, replacement):  # two deliveries, as on kaiku.cards.v1
                async with conn.transaction():
                    await apply_card_events(conn, [Delivered(event, None)])  # type: ignore[arg-type]
            year = (await figures(conn, region_scope(region), "2025", date(2025, 12, 31))).exact()
            march = (await figures(conn, region_scope(region), "2025-03", date(2025, 12, 31))).exact()
            published = await year_holders(conn, 2025)
        assert year["cards_issued"] == 2
        assert year["holders_by_gender"]["female"] == 1
        assert year["holders_by_mother_tongue"]["swedish"] == 1
        assert march["cards_issued"] == 1
        assert sum(march["holders_by_age_group"].values()) == 0  # the holder was counted in February
        assert published.by_region_month["holders_by_gender"] == {(region, "2025-02"): {"female": 1}}
    finally:
        await pool.close()


async def test_audit_disclosure_command_reports_no_breach_on_what_is_published(databases: Databases) -> None:
    from kaiku_stats.entrypoints.cli import audit_disclosure

    url = databases.new("stats")
    pool = await create_pool(url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            events = [
                CardIssued(
                    card_code=unique("C"),
                    card_type=CardType.PERSONAL,
                    region_id=("RA", "RB")[i % 2],
                    distributor_id="D1",
                    issued_on=date(2024, 1 + i % 3, 5),
                    valid_until=date(2025, 1, 4),
                    holder=HolderProfile(
                        birth_year=1950 + i,
                        mother_tongue=("fi", "sv")[i % 5 == 0],
                        gender=Gender.MALE if i % 3 else Gender.FEMALE,
                        postal_code="00100",
                        life_situation=LifeSituation.STUDENT,
                    ),
                )
                for i in range(30)
            ]
            await apply_card_events(conn, [Delivered(e, None) for e in events])  # type: ignore[arg-type]
    finally:
        await pool.close()
    assert await audit_disclosure(url, 2024, 5) == 0
