"""The stats service as a process, through the real broker: two regions, HTTP by role, both streams, duplicates.

The test plays issuance and usage by producing their events on `kaiku.cards.v1` and
`kaiku.redemptions.v1` (uses BEFORE their cards, as the two topics allow), in a past year of its
own so the national figures of that year are this test's alone.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
import jsonschema
import pytest
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
from kaiku_contracts.http.stats import (
    ANNUAL_REPORT_COLUMNS,
    OPEN_COMPARED,
    AnnualReport,
    AnnualReportRow,
    RegionUses,
    VenueUseCount,
    VenueUseCounts,
)
from kaiku_contracts.redemptions import RedemptionCancelled, TicketRedeemed
from kaiku_contracts.schemas import DOCUMENT_DIR, SCHEMA_DIR
from kaiku_contracts.topics import EVENT_TYPE_HEADER, Topics
from kaiku_devkit.testing import ServiceRunner, auth, read_topic, unique, wait_until
from openpyxl import load_workbook

pytestmark = [pytest.mark.connected, pytest.mark.e2e]
OPEN_FIGURES_SCHEMA = json.loads((SCHEMA_DIR / DOCUMENT_DIR / "OpenFigures.json").read_text())
OPEN_REGIONS_SCHEMA = json.loads((SCHEMA_DIR / DOCUMENT_DIR / "OpenRegions.json").read_text())


def holder(gender: Gender, birth_year: int, tongue: str = "fi") -> HolderProfile:
    return HolderProfile(
        birth_year=birth_year,
        mother_tongue=tongue,
        gender=gender,
        postal_code="00100",
        life_situation=LifeSituation.OTHER,
    )


def csv_row(row: AnnualReportRow) -> dict[str, str]:
    """A JSON row of the annual report as its CSV row reads (rates with 4 decimals, none empty)."""
    cells = row.model_dump()
    return {c: "" if cells[c] is None else f"{cells[c]:.4f}" if c == "usage_rate" else str(cells[c])
            for c in ANNUAL_REPORT_COLUMNS}  # fmt: skip


async def send(bootstrap: str, topic: str, events: list[Event]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in events:
            key = getattr(event, "card_code").encode()  # noqa: B009
            headers = [(EVENT_TYPE_HEADER, event.event_type.encode())]
            await producer.send(topic, value=event.to_json_bytes(), key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def duplicates_skipped(http: httpx.AsyncClient, url: str) -> float:
    text = (await http.get(f"{url}/metrics")).text
    return sum(float(m) for m in re.findall(r"^kaiku_duplicate_events_total\{[^}]*\} ([0-9.e+]+)$", text, re.M))


def latest(records: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    values = [r["value"] for r in records if r["key"] == key]
    return values[-1] if values else None


async def test_two_regions_over_http_and_both_streams_and_duplicates_change_nothing(
    service_runner: ServiceRunner, kafka_bootstrap: str
) -> None:
    # a national year no other test writes to the session's topics (test_misuse_watch.py: 2000-2014)
    year = random.randint(1975, 1999)
    ra, rb, da, db, va, vb = unique("RA"), unique("RB"), unique("DA"), unique("DB"), unique("VA"), unique("VB")
    march, may = date(year, 3, 10), date(year, 5, 2)

    def card(code: str, region: str, distributor: str, issued: date, profile: HolderProfile | None) -> CardIssued:
        return CardIssued(
            card_code=code,
            card_type=CardType.PERSONAL if profile else CardType.COMMUNITY,
            region_id=region,
            distributor_id=distributor,
            issued_on=issued,
            valid_until=date(issued.year + 1, issued.month, issued.day - 1),
            holder=profile,
        )

    a = [unique("A") for _ in range(7)]
    b = [unique("B") for _ in range(3)]
    cards: list[Event] = [
        *(card(a[i], ra, da, march, holder(Gender.FEMALE, year - 70)) for i in range(5)),
        card(a[5], ra, da, march, holder(Gender.MALE, year - 70, "sv")),
        card(a[6], ra, da, march, None),
        *(card(code, rb, db, may, holder(Gender.OTHER, year - 40)) for code in b),
        CardRevoked(card_code=b[2], reason=RevocationReason.LOST, revoked_on=date(year, 6, 1)),
    ]

    def use(rid: str, code: str, venue: str, when: datetime, adult: int = 1, child: int = 0, course: bool = False):
        region, category = (ra, VenueCategory.CULTURE) if venue == va else (rb, VenueCategory.SPORTS)
        return TicketRedeemed(
            redemption_id=rid,
            card_code=code,
            card_type=CardType.PERSONAL,
            venue_id=venue,
            region_id=region,
            performance_id=f"{venue}-P1",
            performance_name="Trollkarlen Matti",
            starts_at=when,
            kind=RedemptionKind.COURSE_PLACE if course else RedemptionKind.TICKET,
            adult_tickets=adult,
            child_tickets=child,
            channel=Channel.BOX_OFFICE,
            card_region_id=ra if code in a else rb,
            venue_category=category,
        )

    tag = unique("U")
    uses: list[Event] = [
        use(f"{tag}-1", a[0], va, datetime(year, 3, 20, 16, tzinfo=UTC), child=2),
        use(f"{tag}-2", a[1], va, datetime(year, 3, 21, 16, tzinfo=UTC)),
        use(f"{tag}-3", a[0], vb, datetime(year, 4, 5, 16, tzinfo=UTC), child=1),
        use(f"{tag}-4", b[0], vb, datetime(year, 5, 10, 16, tzinfo=UTC), course=True),
        use(f"{tag}-5", b[1], va, datetime(year, 5, 11, 16, tzinfo=UTC)),
        use(f"{tag}-6", a[2], va, datetime(year, 3, 22, 16, tzinfo=UTC)),
        RedemptionCancelled(redemption_id=f"{tag}-6", card_code=a[2], cancelled_at=datetime(year, 3, 22, tzinfo=UTC)),
    ]
    stats = service_runner.start("stats", KAIKU_STATS_PUBLISH_INTERVAL_SECONDS="0.5")
    await send(kafka_bootstrap, Topics.REDEMPTIONS, uses)  # the uses arrive before their cards
    await send(kafka_bootstrap, Topics.CARDS, cards)

    p = str(year)
    keys = ("cards_issued", "cards_active", "redemptions", "adult_tickets", "child_tickets", "course_places",
            "distinct_cards_used", "usage_rate", "uses_of_cards_from_other_regions")  # fmt: skip

    def want(values: tuple[float, ...], culture: int, sports: int) -> dict[str, Any]:
        by_category = {"culture": culture, "sports": sports}
        return {**dict(zip(keys, values, strict=True)), "redemptions_by_venue_category": by_category}

    want_a = want((7, 7, 3, 3, 2, 0, 2, 0.2857, 1), culture=3, sports=0)
    want_b = want((3, 2, 2, 1, 1, 1, 2, 1.0, 1), culture=0, sports=2)
    want_n = want((10, 9, 5, 4, 3, 1, 4, 0.4444, 2), culture=3, sports=2)
    national = auth("national")
    admin_a = auth("region_admin", region=ra)

    async with httpx.AsyncClient(base_url=stats.url, timeout=10) as http:

        async def figures_of(path: str, headers: dict[str, str], period: str = p) -> dict[str, Any]:
            r = await http.get(path, params={"period": period}, headers=headers)
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body

        def matches(body: dict[str, Any], want: dict[str, Any]) -> bool:
            return {k: body[k] for k in want} == want

        async def all_applied() -> bool:
            got_a = await figures_of(f"/v1/stats/regions/{ra}", admin_a)
            got_b = await figures_of(f"/v1/stats/regions/{rb}", national)
            return matches(got_a, want_a) and matches(got_b, want_b)

        await wait_until(all_applied, timeout=60)

        async def check_http() -> None:
            region_a = await figures_of(f"/v1/stats/regions/{ra}", admin_a)
            assert matches(region_a, want_a)
            # a region admin sees its own region exactly
            assert region_a["holders_by_gender"] == {"female": 5, "male": 1, "other": 0, "not_disclosed": 0}
            assert region_a["holders_by_mother_tongue"] == {"finnish": 5, "swedish": 1, "sami": 0, "foreign": 0}
            assert region_a["holders_by_age_group"]["65+"] == 6
            # the national office sees the same region with the small cells suppressed
            region_a_national = await figures_of(f"/v1/stats/regions/{ra}", national)
            assert matches(region_a_national, want_a)
            # the small cells hidden, with whatever else the year's linked tables need (docs/stats.md)
            gender = region_a_national["holders_by_gender"]
            assert gender["female"] is None
            assert gender["male"] is None
            assert all(v is None or v == 0 or v >= 5 for v in gender.values())
            assert matches(await figures_of("/v1/stats/national", national), want_n)
            # the national dashboard's regions side by side
            side_by_side = {
                row["region_id"]: row for row in (await figures_of("/v1/stats/regions", national))["regions"]
            }
            compared = ("cards_issued", "cards_active", "redemptions", "distinct_cards_used", "usage_rate")
            assert {k: side_by_side[ra][k] for k in compared} == {k: want_a[k] for k in compared}
            assert {k: side_by_side[rb][k] for k in compared} == {k: want_b[k] for k in compared}
            march_a = await figures_of(f"/v1/stats/regions/{ra}", admin_a, f"{year}-03")
            assert (march_a["redemptions"], march_a["cards_issued"], march_a["distinct_cards_used"]) == (2, 7, 2)

            venue = await figures_of(f"/v1/stats/venues/{va}", auth("venue", region=ra, org=va))
            assert (venue["redemptions"], venue["adult_tickets"]) == (3, 3)
            by_channel = {"channel": "box_office", "redemptions": 3, "adult_tickets": 3, "child_tickets": 2}
            assert venue["channels"] == [{**by_channel, "course_places": 0}]  # tickets by channel (issue 16)
            assert venue["uses_of_cards_from_other_regions"] == 1
            assert venue["performances"][0]["redemptions"] == 3
            assert "cards_issued" not in venue
            distributor = await figures_of(f"/v1/stats/distributors/{da}", auth("distributor", region=ra, org=da))
            assert (distributor["cards_issued"], distributor["redemptions"], distributor["distinct_cards_used"]) == (
                7,
                3,
                2,
            )

        await check_http()

        # the open-data feed: no token, the national office's published figures, cache headers
        for path, headers in [("/v1/open/national", national), (f"/v1/open/regions/{ra}", national)]:
            scope_path = path.replace("/v1/open/", "/v1/stats/")
            r = await http.get(path, params={"period": p})
            assert r.status_code == 200, r.text
            assert r.headers["cache-control"].startswith("public, max-age=")
            opened = r.json()
            jsonschema.validate(opened, OPEN_FIGURES_SCHEMA)  # the committed schema a newspaper reads
            published_holder_cells = [
                cell
                for figure, cells in opened.items()
                if figure.startswith("holders_by_") and cells is not None
                for cell in cells.values()
            ]
            assert published_holder_cells, "the feed publishes holder breakdowns"
            threshold = opened["suppression_threshold"]
            assert all(cell is None or cell == 0 or cell >= threshold for cell in published_holder_cells), opened
            assert opened.pop("licence") == "CC BY 4.0"
            assert {opened.pop("licence_url"), opened.pop("attribution")} != set()
            assert opened == await figures_of(scope_path, headers)  # exactly what the national office sees
            assert opened["holders_by_gender"]["female"] is None
            again = await http.get(path, params={"period": p}, headers={"If-None-Match": r.headers["etag"]})
            assert (again.status_code, again.content) == (304, b"")
        r = await http.get(f"/v1/open/regions/{ra}", params={"period": p, "format": "csv"})
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        cells = {(row["figure"], row["group"]): row["value"] for row in rows}
        assert cells[("redemptions", "")] == "3"
        assert cells[("holders_by_gender", "female")] == ""  # suppressed
        assert all(v in ("", "0") or int(v) >= 5 for (f, _), v in cells.items() if f.startswith("holders_by_"))
        assert (await http.get("/v1/open/national", params={"period": "2026-13"})).status_code == 422

        # the open comparison of regions: each region's counts exactly as its own open answer has them
        r = await http.get("/v1/open/regions", params={"period": p})
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"].startswith("public, max-age=")
        jsonschema.validate(r.json(), OPEN_REGIONS_SCHEMA)
        compared = {row["region_id"]: row for row in r.json()["regions"]}
        for region_id in (ra, rb):
            own = (await http.get(f"/v1/open/regions/{region_id}", params={"period": p})).json()
            assert compared[region_id] == {"region_id": region_id, **{k: own[k] for k in OPEN_COMPARED}}
        assert compared[ra]["redemptions"] == 3
        r = await http.get("/v1/open/regions", params={"period": p, "format": "csv"})
        long_form = {(row["region_id"], row["figure"]): row["value"] for row in csv.DictReader(io.StringIO(r.text))}
        assert long_form[(ra, "redemptions")] == "3"
        assert not any(figure.startswith("holders_by_") for _, figure in long_form)

        # scopes: nobody reads another's figures
        for path, headers in [
            (f"/v1/stats/regions/{ra}", auth("region_admin", region=rb)),
            (f"/v1/stats/regions/{ra}", auth("distributor", region=ra, org=da)),
            ("/v1/stats/national", admin_a),
            ("/v1/stats/regions", admin_a),
            (f"/v1/stats/venues/{va}", auth("venue", region=rb, org=vb)),
            (f"/v1/stats/venues/{va}", auth("region_admin", region=rb)),
            (f"/v1/stats/distributors/{da}", auth("distributor", region=rb, org=db)),
            (f"/v1/stats/distributors/{da}", auth("region_admin", region=rb)),
        ]:
            r = await http.get(path, params={"period": p}, headers=headers)
            assert r.status_code == 403, (path, r.text)
            assert r.json()["reason"] == "forbidden"
        r = await http.get("/v1/stats/national", params={"period": f"{year}-13"}, headers=national)
        assert r.status_code == 422

        # the coordinator's list of uses (§9.3): its region's, newest first, filtered; cancelled ones left out
        r = await http.get("/v1/uses", params={"region_id": ra}, headers=admin_a)
        assert r.status_code == 200, r.text
        listed = RegionUses.model_validate(r.json())
        assert [u.redemption_id for u in listed.uses] == [f"{tag}-5", f"{tag}-2", f"{tag}-1"]
        assert (listed.total, listed.uses[-1].child_tickets, listed.uses[-1].venue_id) == (3, 2, va)
        march = {"region_id": ra, "from": f"{year}-03-01", "to": f"{year}-03-20", "limit": "1"}
        r = await http.get("/v1/uses", params=march, headers=national)
        assert (r.json()["total"], [u["redemption_id"] for u in r.json()["uses"]]) == (1, [f"{tag}-1"])
        by_card = await http.get("/v1/uses", params={"region_id": ra, "card_code": a[0]}, headers=admin_a)
        assert [u["redemption_id"] for u in by_card.json()["uses"]] == [f"{tag}-1"]  # a[0]'s other use is in B
        by_channel = await http.get("/v1/uses", params={"region_id": ra, "channel": "agency"}, headers=admin_a)
        assert by_channel.json()["total"] == 0
        r = await http.get("/v1/uses/venues", params={"region_id": ra, "period": f"{year}-05"}, headers=admin_a)
        assert VenueUseCounts.model_validate(r.json()).venues == [VenueUseCount(venue_id=va, uses=1)]
        r = await http.get("/v1/uses/venues", params={"region_id": ra, "period": f"{year}-04"}, headers=admin_a)
        assert r.json()["venues"] == []  # no use recorded at A's venue in April: it has not reported
        for who in (auth("region_admin", region=rb), auth("venue", region=ra, org=va)):
            r = await http.get("/v1/uses", params={"region_id": ra}, headers=who)
            assert (r.status_code, r.json()["reason"]) == (403, "forbidden")
        assert (await http.get("/v1/stats/national", params={"period": p})).status_code == 401

        # the annual report: header, 12 months and the year's total
        r = await http.get("/v1/reports/annual", params={"region_id": ra, "year": year}, headers=admin_a)
        assert r.status_code == 200, r.text
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [row["period"] for row in rows] == [f"{year}-{m:02d}" for m in range(1, 13)] + [p]
        assert (rows[2]["redemptions"], rows[-1]["redemptions"], rows[-1]["usage_rate"]) == ("2", "3", "0.2857")
        as_json = {"region_id": ra, "year": year, "format": "json"}
        r = await http.get("/v1/reports/annual", params=as_json, headers=admin_a)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        report = AnnualReport.model_validate(r.json())
        assert (report.region_id, report.year) == (ra, year)
        assert [csv_row(row) for row in report.rows] == rows  # the same rows and values as the CSV
        xlsx = {"region_id": ra, "year": year, "format": "xlsx"}
        r = await http.get("/v1/reports/annual", params=xlsx, headers=national)
        assert r.status_code == 200, r.text
        book = load_workbook(io.BytesIO(r.content))
        assert book.sheetnames == ["Figures", "Holders", "Top venues"]
        figures_sheet = list(book["Figures"].iter_rows(values_only=True))
        assert figures_sheet[0][0] == "period"
        assert figures_sheet[-1][:4] == (p, 7, 7, 3)
        holders = {(row[0], row[1]): row[2] for row in book["Holders"].iter_rows(min_row=2, values_only=True)}
        assert holders[("Gender", "male")] == "suppressed"  # a report is passed on: suppressed
        r = await http.get("/v1/reports/annual", params={"year": year, "format": "html"}, headers=national)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        assert r.text.count("<svg") >= 3
        assert "the whole country" in r.text
        r = await http.get("/v1/reports/annual", params={"year": year}, headers=admin_a)
        assert r.status_code == 422  # a region admin reports its own region
        other_admin = auth("region_admin", region=rb)
        r = await http.get("/v1/reports/annual", params={"region_id": ra, "year": year}, headers=other_admin)
        assert r.status_code == 403

        # both snapshot streams carry the latest figures, protected
        regional = await read_topic(
            kafka_bootstrap,
            Topics.STATS_REGIONAL,
            until=lambda rs: all(
                (v := latest(rs, key)) is not None and matches(v, want)
                for key, want in ((f"{ra}:{p}", want_a), (f"{rb}:{p}", want_b))
            ),
        )
        snapshot_a = latest(regional, f"{ra}:{p}")
        assert snapshot_a is not None
        assert snapshot_a["event_type"] == "RegionalStatsUpdated"
        assert snapshot_a["region_id"] == ra
        # the same protected publication as the national office's answer
        region_a_national = await figures_of(f"/v1/stats/regions/{ra}", national)
        assert snapshot_a["holders_by_gender"] == region_a_national["holders_by_gender"]
        assert snapshot_a["holders_by_gender"]["male"] is None
        national_records = await read_topic(
            kafka_bootstrap,
            Topics.STATS_NATIONAL,
            until=lambda rs: (v := latest(rs, p)) is not None and matches(v, want_n),
        )
        snapshot_n = latest(national_records, p)
        assert snapshot_n is not None
        assert snapshot_n["event_type"] == "NationalStatsUpdated"

        # a duplicate delivery of every event changes nothing
        before = await duplicates_skipped(http, stats.url)
        await send(kafka_bootstrap, Topics.REDEMPTIONS, uses)
        await send(kafka_bootstrap, Topics.CARDS, cards)

        async def skipped() -> bool:
            return await duplicates_skipped(http, stats.url) >= before + len(uses) + len(cards)

        await wait_until(skipped, timeout=30)
        await check_http()
