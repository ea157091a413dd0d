"""§11: names, identity codes, birth dates, addresses and phones are refused at the edge and leave no
trace: not in the answer, the database, the events or the logs (this test greps all four)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import HOLDER, read_topic, unique

pytestmark = pytest.mark.connected


def service_logs(workdir: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in workdir.glob("issuance-*.log"))


def personal_data() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        "name": f"Maija Meikäläinen {tag}",
        "ssn": f"010180-{tag}",
        "address": f"Mannerheimintie {tag}",
        "phone": f"+358 40 {tag}",
        "birth_date": f"1980-01-01 {tag}",
        "email": f"maija.{tag}@example.fi",
    }


async def test_personal_data_is_refused_and_leaves_no_trace(org: Any, kaiku_workdir: Path) -> None:
    secrets = personal_data()
    refused_codes = []
    for field, value in secrets.items():
        code = unique("E")
        refused_codes.append(code)
        r = await org.issue(org.card(code, **{field: value}))
        assert r.status_code == 422, r.text
        assert r.json()["reason"] == "invalid_request"
        # an `ssn` whose random tag happens to make a valid identity code is refused by the edge first
        assert r.json()["detail"].startswith(
            (f"{field}: is not an accepted field", f"{field}: looks like a personal identity code")
        )
        assert value not in r.text
        # nested in the holder profile too
        r = await org.issue(org.card(unique("E"), holder={**HOLDER, field: value}))
        assert r.status_code == 422
        assert f"holder.{field}" in r.json()["detail"]
        assert value not in r.text
    # a value typed into the wrong box of an accepted field is not echoed either
    r = await org.issue(org.card(unique("E"), holder={**HOLDER, "postal_code": secrets["phone"]}))
    assert r.status_code == 422
    assert secrets["phone"] not in r.text
    # a paper-form file with a name column is refused as a whole, nothing of it is recorded
    file_code = unique("E")
    csv = (
        "card_code,issued_on,birth_year,mother_tongue,gender,postal_code,life_situation,nimi\n"
        f"{file_code},1.2.2026,1980,fi,female,00100,unemployed,{secrets['name']}\n"
    )
    r = await org.http.post(
        f"{org.url}/v1/imports/cards", files={"file": ("forms.csv", csv.encode(), "text/csv")}, headers=org.headers
    )
    assert r.status_code == 422, r.text
    assert "nimi" in r.json()["detail"]
    assert secrets["name"] not in r.text

    # a clean card afterwards: once its event is out, anything refused before it would be out too
    clean = unique("E")
    assert (await org.issue(org.card(clean))).status_code == 201
    records = await read_topic(org.bootstrap, Topics.CARDS, until=lambda rs: any(x["key"] == clean for x in rs))
    published = "\n".join(str(x["value"]) + str(x["headers"]) for x in records)

    tables = [r["tablename"] for r in await org.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    dumped = []
    for table in tables:
        dumped += [row["t"] for row in await org.sql(f'SELECT t::text AS t FROM "{table}" t')]
    stored = "\n".join(dumped)
    assert clean in stored  # the dump is real
    logs = await asyncio.to_thread(service_logs, kaiku_workdir)
    assert clean in logs  # the log is live (the service logs card_issued with the code)

    for value in secrets.values():
        assert value not in published
        assert value not in stored
        assert value not in logs
    for code in [*refused_codes, file_code]:
        assert code not in published
        assert code not in stored
