"""`POST /v1/imports/cards` and the `kaiku-issuance import-cards` CLI: paper transfer forms in bulk (§4.2)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from kaiku_contracts.calendar import helsinki_today
from kaiku_devkit.testing import auth, unique

pytestmark = pytest.mark.connected

HEADER = "card_code,issued_on,birth_year,mother_tongue,gender,postal_code,life_situation"


async def post_file(org: Any, content: bytes, filename: str = "forms.csv", **params: str) -> httpx.Response:
    return await org.http.post(
        f"{org.url}/v1/imports/cards",
        params=params,
        files={"file": (filename, content, "text/csv")},
        headers=params.pop("headers", None) or org.headers,  # type: ignore[arg-type]
    )


def ten_thousand_rows(prefix: str) -> tuple[str, dict[int, str]]:
    """10,000 forms, 1 % of them wrong in six different ways; returns the CSV and {row number: broken field}."""
    today = helsinki_today()
    young = today.year - 10
    future = (today + timedelta(days=3)).strftime("%d.%m.%Y")
    breakers = [
        ("postal_code", lambda r: {**r, "postal_code": "1"}),
        ("holder.birth_year", lambda r: {**r, "birth_year": str(young)}),
        ("gender", lambda r: {**r, "gender": "alien"}),
        ("issued_on", lambda r: {**r, "issued_on": future}),
        ("card_code", lambda r: {**r, "card_code": r["card_code"] + "*"}),
        ("life_situation", lambda r: {**r, "life_situation": ""}),
    ]
    lines = [HEADER]
    bad: dict[int, str] = {}
    issued = (today - timedelta(days=20)).strftime("%d.%m.%Y")
    for i in range(10_000):
        row = {
            "card_code": f"{prefix}{i:05d}",
            "issued_on": issued,
            "birth_year": str(1940 + i % 60),
            "mother_tongue": ("fi", "sv", "suomi", "ru", "other")[i % 5],
            "gender": ("female", "male", "nainen", "not_disclosed")[i % 4],
            "postal_code": f"{i % 99999:05d}",
            "life_situation": ("unemployed", "pensioner", "student", "eläkeläinen")[i % 4],
        }
        if i % 100 == 37:
            field, breaker = breakers[(i // 100) % len(breakers)]
            row = breaker(row)
            bad[i + 2] = field
        lines.append(",".join(row[c] for c in HEADER.split(",")))
    return "\n".join(lines) + "\n", bad


async def test_ten_thousand_rows_with_one_percent_bad_and_a_second_import_changes_nothing(org: Any) -> None:
    prefix = unique("P")[:9]
    content, bad = ten_thousand_rows(prefix)
    first = await post_file(org, content.encode())
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["total"], report["accepted"], report["already_recorded"], report["rejected"]) == (
        10_000,
        9_900,
        0,
        100,
    )
    rejected = {r["row"]: r for r in report["rows"] if r["status"] == "rejected"}
    assert set(rejected) == set(bad)
    for number, field in bad.items():
        assert rejected[number]["reason"] == "invalid_request"
        assert field in rejected[number]["detail"], rejected[number]
    assert [r["row"] for r in report["rows"]] == list(range(2, 10_002))

    second = (await post_file(org, content.encode())).json()
    assert (second["accepted"], second["already_recorded"], second["rejected"]) == (0, 9_900, 100)
    assert {r["row"] for r in second["rows"] if r["status"] == "rejected"} == set(bad)
    rows = await org.sql("SELECT count(*) AS n FROM cards WHERE distributor_id = $1", org.distributor)
    assert rows[0]["n"] == 9_900
    # every accepted card was published once: a later marker card proves the relay is past them
    marker = unique("E")
    assert (await org.issue(org.card(marker))).status_code == 201
    codes = {f"{prefix}{i:05d}" for i in range(10_000)} | {marker}
    events = await org.events(codes, count=9_901)
    assert len(events) == 9_901
    assert len({e["value"]["event_id"] for e in events}) == 9_901


async def test_finnish_form_semicolons_and_a_per_row_report(org: Any) -> None:
    codes = [unique("F") for _ in range(5)]
    content = "\n".join(
        [
            "Kortin koodi;Myöntämispäivä;Syntymävuosi;Äidinkieli;Sukupuoli;Postinumero;Elämäntilanne",
            f"{codes[0].lower()};3.2.2026;1950;suomi;nainen;00100;eläkeläinen",
            f"{codes[1]};2026-02-04;1990;sv;mies;65100;opiskelija",
            "",
            f"{codes[2]};5.2.2026;1985;fi;female;00100;kapitalisti",
            f"{codes[3]};6.2.2026;;fi;female;00100;other",
            f"{codes[1]};2026-02-04;1991;sv;mies;65100;opiskelija",
        ]
    ).encode("cp1252")
    r = await post_file(org, content)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [(x["row"], x["card_code"], x["status"]) for x in rows] == [
        (2, codes[0], "accepted"),
        (3, codes[1], "accepted"),
        (5, codes[2], "rejected"),
        (6, codes[3], "rejected"),
        (7, codes[1], "rejected"),
    ]
    assert rows[2]["detail"].startswith("life_situation: one of unemployed")
    assert "kapitalisti" not in rows[2]["detail"]
    assert rows[3]["detail"] == "birth_year: missing"
    assert rows[4]["reason"] == "card_exists"
    card = (await org.http.get(f"{org.url}/v1/cards/{codes[0]}", headers=org.headers)).json()
    assert card["holder"] == {
        "birth_year": 1950,
        "mother_tongue": "fi",
        "gender": "female",
        "postal_code": "00100",
        "life_situation": "pensioner",
    }
    assert card["issued_on"] == "2026-02-03"


async def test_xlsx_forms_are_read_like_csv(org: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    code = unique("X")
    sheet.append(HEADER.split(","))
    sheet.append([code, helsinki_today() - timedelta(days=2), 1970, "en", "other", 33100, "single_parent"])
    out = io.BytesIO()
    book.save(out)
    r = await post_file(org, out.getvalue(), "forms.xlsx")
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1, r.json()
    card = (await org.http.get(f"{org.url}/v1/cards/{code}", headers=org.headers)).json()
    assert card["holder"]["postal_code"] == "33100"
    assert card["issued_on"] == (helsinki_today() - timedelta(days=2)).isoformat()


async def test_a_card_registered_online_and_then_on_paper_is_the_same_card(org: Any) -> None:
    code = unique("E")
    online = await org.issue(org.card(code))
    assert online.status_code == 201
    day = online.json()["issued_on"]
    content = f"{HEADER}\n{code},{day},1980,fi,female,00100,unemployed\n".encode()
    r = await post_file(org, content)
    assert r.json()["rows"][0]["status"] == "already_recorded"


async def test_who_may_import(org: Any) -> None:
    content = f"{HEADER}\n{unique('E')},1.2.2026,1980,fi,female,00100,unemployed\n".encode()
    stranger = auth("distributor", region=org.region, org=unique("D"))
    r = await post_file(org, content, distributor_id=org.distributor, headers=stranger)  # type: ignore[arg-type]
    assert r.status_code == 403
    r = await post_file(org, content, headers=auth("region_admin", region=unique("R")), distributor_id=org.distributor)  # type: ignore[arg-type]
    assert r.status_code == 403
    r = await post_file(org, content, headers=org.admin)  # type: ignore[arg-type]
    assert r.status_code == 422
    assert r.json()["detail"].startswith("distributor_id:")
    r = await post_file(org, content, headers=org.admin, distributor_id=org.distributor)  # type: ignore[arg-type]
    assert r.status_code == 200
    assert r.json()["accepted"] == 1
    r = await post_file(org, b"\x00\x01garbage")
    assert r.status_code == 422
    r = await post_file(org, b"card_code,issued_on\nE1,1.1.2026\n")
    assert r.status_code == 422
    assert "missing columns" in r.json()["detail"]


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).with_name("kaiku-issuance")
    return subprocess.run([str(cli), *args], capture_output=True, text=True, env=env, timeout=120, check=False)


async def test_cli_imports_in_chunks_with_progress(org: Any, tmp_path: Path) -> None:
    codes = [unique("C") for _ in range(7)]
    lines = [HEADER] + [f"{c},1.2.2026,1980,fi,female,00100,unemployed" for c in codes]
    lines[3] = f"{codes[2]},1.2.2026,1980,fi,female,ABCDE,unemployed"  # row 4 is wrong
    lines.insert(5, ",,,,,,")  # a blank row 6: later rows keep their spreadsheet numbers
    path = tmp_path / "forms.csv"
    path.write_text("\n".join(lines) + "\n")
    report = tmp_path / "report.csv"
    token = auth("distributor", region=org.region, org=org.distributor)["Authorization"].split()[1]
    env = {**os.environ, "KAIKU_TOKEN": token}
    args = ["import-cards", str(path), "--url", org.url, "--chunk-rows", "3", "--report", str(report)]
    done = await asyncio.to_thread(run_cli, args, env)
    assert done.returncode == 1, done.stdout + done.stderr  # 1: some rows were rejected
    progress = [line for line in done.stdout.splitlines() if "/7 rows" in line]
    assert [line.split()[0] for line in progress] == ["3/7", "6/7", "7/7"]
    assert "row 4: " in done.stdout
    assert "postal_code" in done.stdout
    with report.open() as f:
        outcomes = {int(r["row"]): r["status"] for r in csv.DictReader(f)}
    assert outcomes == {
        2: "accepted",
        3: "accepted",
        4: "rejected",
        5: "accepted",
        7: "accepted",
        8: "accepted",
        9: "accepted",
    }
    again = await asyncio.to_thread(run_cli, args, env)
    assert "0 accepted, 6 already recorded, 1 rejected" in again.stdout


async def test_dry_run_judges_every_row_and_records_nothing(org: Any) -> None:
    codes = [unique("Y") for _ in range(3)]
    content = "\n".join(
        [
            HEADER,
            f"{codes[0]},1.2.2026,1980,fi,female,00100,unemployed",
            f"{codes[1]},1.2.2026,2025,fi,female,00100,unemployed",
            f"{codes[2]},1.2.2026,1980,fi,female,00100,unemployed",
        ]
    ).encode()
    r = await post_file(org, content, dry_run="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["dry_run"], body["accepted"], body["rejected"]) == (True, 2, 1)
    assert await org.sql("SELECT 1 FROM cards WHERE card_code = ANY($1)", codes) == []
    real = (await post_file(org, content)).json()
    assert (real["dry_run"], real["accepted"], real["rejected"]) == (False, 2, 1)


async def test_import_for_an_unregistered_branch_is_refused(org: Any) -> None:
    content = f"{HEADER}\n{unique('E')},1.2.2026,1980,fi,female,00100,unemployed\n".encode()
    r = await post_file(org, content, branch_id="kallio")
    assert r.status_code == 422
    assert r.json()["detail"].startswith("branch_id: not a branch")


async def test_the_children_column_is_read_where_the_form_has_it(org: Any) -> None:
    """Seed 000: the number of own children and grandchildren under 18 written on the card; empty = unrecorded."""
    codes = [unique("C") for _ in range(3)]
    content = "\n".join(
        [
            "Kortin koodi;Myöntämispäivä;Syntymävuosi;Äidinkieli;Sukupuoli;Postinumero;Elämäntilanne;Lapset",
            f"{codes[0]};3.2.2026;1980;fi;nainen;00100;yksinhuoltaja;2",
            f"{codes[1]};3.2.2026;1980;fi;nainen;00100;other;",
            f"{codes[2]};3.2.2026;1980;fi;nainen;00100;other;kolme",
        ]
    ).encode()
    r = await post_file(org, content)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [x["status"] for x in rows] == ["accepted", "accepted", "rejected"]
    assert rows[2]["detail"].startswith("children_under_18: a number from 0 to 20")
    assert "kolme" not in rows[2]["detail"]
    first = (await org.http.get(f"{org.url}/v1/cards/{codes[0]}", headers=org.headers)).json()
    second = (await org.http.get(f"{org.url}/v1/cards/{codes[1]}", headers=org.headers)).json()
    assert (first["children_under_18"], second["children_under_18"]) == (2, None)


async def test_community_cards_are_imported_from_paper_forms_without_a_holder(org: Any) -> None:
    """§4.3: a community card has no holder; the optional type column says which rows are community cards."""
    codes = [unique("Y") for _ in range(4)]
    content = "\n".join(
        [
            "Kortin koodi;Myöntämispäivä;Syntymävuosi;Äidinkieli;Sukupuoli;Postinumero;Elämäntilanne;Tyyppi",
            f"{codes[0]};3.2.2026;;;;;;yhteisö",
            f"{codes[1]};3.2.2026;1980;fi;nainen;00100;other;",
            f"{codes[2]};3.2.2026;1980;;;;;community",
            f"{codes[3]};3.2.2026;;;;;;kerho",
        ]
    ).encode()
    r = await post_file(org, content)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [x["status"] for x in rows] == ["accepted", "accepted", "rejected", "rejected"]
    assert rows[2]["detail"].startswith("birth_year: leave empty: a community card has no holder")
    assert rows[3]["detail"].startswith("card_type: personal or community")
    community = (await org.http.get(f"{org.url}/v1/cards/{codes[0]}", headers=org.headers)).json()
    personal = (await org.http.get(f"{org.url}/v1/cards/{codes[1]}", headers=org.headers)).json()
    assert (community["card_type"], community["holder"]) == ("community", None)
    assert personal["card_type"] == "personal"
