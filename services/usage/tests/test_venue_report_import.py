"""The venue report of §9.2 imported as CSV or XLSX: uses recorded afterwards, re-import changes nothing."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import IDENTITY_CODE, auth, unique
from openpyxl import Workbook

pytestmark = pytest.mark.connected

# docs/rules.md "Recording use": the seeds' example venue report (§9.2), as a venue's Excel saves it (cp1252, ';')
SECTION_9_2_CSV = (
    "Kortets kod;Biljett för vuxna;Biljett för barn (under 16 år);Föreställningens namn;Datum\r\n"
    "E2251;1;2;Trollkarlen Matti;3.2.2020\r\n"
    "10141;1;2;En magisk sommarnatt;9.2.2020\r\n"
    "Sammanlagt;2;4;;\r\n"
).encode("cp1252")


def cards_of_2020(scene: Any) -> None:
    """The example's cards, granted in January 2020 (valid twelve months, §4)."""
    for code in ("E2251", "10141"):
        scene.card(code=code, issued_on=date(2020, 1, 10), valid_until=date(2021, 1, 9))


async def upload(scene: Any, data: bytes, name: str, headers: dict[str, str] | None = None, **form: str) -> Any:
    return await scene.http.post(
        f"{scene.url}/v1/imports/redemptions",
        files={"file": (name, data)},
        data=form,
        headers=headers or scene.venue_headers,
    )


async def test_section_9_2_example_is_imported_once(scene: Any) -> None:
    cards_of_2020(scene)
    await scene.publish_cards()
    r = await upload(scene, SECTION_9_2_CSV, "kaikukortti-raportti.csv")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["summary"] == {"accepted": 2, "already_recorded": 0, "rejected": 0, "invalid": 0, "skipped": 1}
    first, second, total = report["rows"]
    assert (first["row"], first["status"], first["card_code"], first["date"]) == (2, "accepted", "E2251", "2020-02-03")
    assert (second["performance"], second["adult_tickets"], second["child_tickets"]) == ("En magisk sommarnatt", 1, 2)
    assert total == {"row": 4, "status": "skipped", "detail": "total row"}
    assert first["performance_id"] != second["performance_id"]  # both performances were created

    again = (await upload(scene, SECTION_9_2_CSV, "kaikukortti-raportti.csv")).json()
    assert again["summary"] == {"accepted": 0, "already_recorded": 2, "rejected": 0, "invalid": 0, "skipped": 1}
    assert [row.get("redemption_id") for row in again["rows"]] == [row.get("redemption_id") for row in report["rows"]]

    ids = {first["redemption_id"], second["redemption_id"]}
    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") in ids, count=2)
    assert len(published) == 2
    matti = next(p["value"] for p in published if p["value"]["card_code"] == "E2251")
    assert matti["channel"] == "paper_form"
    assert matti["performance_name"] == "Trollkarlen Matti"
    assert datetime.fromisoformat(matti["starts_at"]).date() == date(2020, 2, 3)
    assert (matti["adult_tickets"], matti["child_tickets"], matti["venue_id"]) == (1, 2, scene.venue)


async def test_a_performance_name_that_matches_nothing_is_asked_about_before_it_is_created(scene: Any) -> None:
    """Issue 19: with `create_performances=false` a misspelt name is refused (nothing recorded, nothing created);
    the same file sent again as confirmed creates the performance."""
    cards_of_2020(scene)
    await scene.publish_cards()
    await scene.performance(name="Trollkarlen Matti", starts_at="2020-02-03T18:00:00+02:00")
    asked = await upload(scene, SECTION_9_2_CSV, "raportti.csv", create_performances="false")
    assert asked.status_code == 200, asked.text
    first, second, _ = asked.json()["rows"]
    assert first["status"] == "accepted"  # the registered performance is found by its name and date
    assert (second["status"], second["reason"], second["performance"]) == (
        "rejected",
        "performance_unknown",
        "En magisk sommarnatt",
    )
    confirmed = await upload(scene, SECTION_9_2_CSV, "raportti.csv", create_performances="true")
    assert [row["status"] for row in confirmed.json()["rows"]] == ["already_recorded", "accepted", "skipped"]


async def test_xlsx_report_in_finnish_with_problems_reported_per_row(scene: Any) -> None:
    cards_of_2020(scene)
    expired = scene.card(issued_on=date(2018, 1, 1), valid_until=date(2018, 12, 31))
    await scene.publish_cards()
    # a performance the venue registered beforehand is found by its name and date
    registered = await scene.performance(name="Trollkarlen Matti", starts_at="2020-02-03T18:00:00+02:00")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Teater Hilla"])  # the form's title row, as in the seeds' example (§9.2)
    sheet.append([])
    sheet.append(["Kortin koodi", "Aikuisten liput", "Lasten liput", "Esityksen nimi", "Päivämäärä"])
    sheet.append(["E2251", 1, 2, "trollkarlen matti", datetime(2020, 2, 3)])
    sheet.append(["E2251", 1, 0, "Trollkarlen Matti", "3.2.2020"])  # the same holder twice
    sheet.append([expired, 1, 0, "Trollkarlen Matti", "3.2.2020"])
    sheet.append(["Matti Meikäläinen", 1, 0, "Trollkarlen Matti", "3.2.2020"])  # a name in the code column
    sheet.append(["10141", 0, 3, "En magisk sommarnatt", "9.2.2020"])  # children without the holder (§2)
    sheet.append(["E2252", 1, 0, "Trollkarlen Matti", "huomenna"])  # a date that is none: named by its code
    sheet.append([IDENTITY_CODE, 1, 0, "Trollkarlen Matti", "3.2.2020"])  # an identity code: never named
    sheet.append(["Yhteensä", 3, 5, None, None])
    data = io.BytesIO()
    book.save(data)
    admin = auth("region_admin", region=scene.region)
    r = await upload(scene, data.getvalue(), "raportti.xlsx", admin, venue_id=scene.venue)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    statuses = ["accepted", "rejected", "rejected", "invalid", "rejected", "invalid", "invalid", "skipped"]
    assert [row["status"] for row in rows] == statuses
    assert [row["row"] for row in rows] == [4, 5, 6, 7, 8, 9, 10, 11]  # the rows as the spreadsheet numbers them
    assert [row.get("card_code") for row in rows[5:7]] == ["E2252", None]  # every row that has a code shows it
    assert IDENTITY_CODE not in r.text
    assert rows[0]["performance_id"] == registered
    assert rows[1]["reason"] == "already_redeemed"
    assert rows[2]["reason"] == "card_expired"
    assert rows[4]["reason"] == "holder_not_attending"
    assert "Meikäläinen" not in r.text
    assert rows[3]["detail"].startswith("card_code")


async def test_import_refuses_unreadable_files_and_other_venues(scene: Any) -> None:
    r = await upload(scene, b"just,some\nthing,else\n", "x.csv")
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    assert "card_code" in r.json()["detail"]
    r = await upload(scene, SECTION_9_2_CSV, "x.csv", venue_id=unique("V"))
    assert r.status_code == 403
    r = await upload(scene, SECTION_9_2_CSV, "x.csv", scene.agency_headers)
    assert r.status_code == 403
    r = await upload(scene, SECTION_9_2_CSV, "x.csv", auth("region_admin", region=unique("R")), venue_id=scene.venue)
    assert r.status_code == 403
