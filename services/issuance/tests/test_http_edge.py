"""The HTTP edge of issuance (docs/contract.md): identity codes refused wherever they appear, bodies capped,
and the paper-form import cannot be made to exhaust the service. Nothing refused is recorded or logged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from kaiku_contracts.identity_codes import is_identity_code
from kaiku_devkit.testing import IDENTITY_CODE, unique, xlsx
from kaiku_devkit.testing import assert_identity_code_refused as assert_refused
from kaiku_issuance.entrypoints.http.imports import MAX_FILE_BYTES
from kaiku_issuance.service.paper_import import MAX_ROWS
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES
from kaiku_runtime.tabular import MAX_UNCOMPRESSED_BYTES

pytestmark = pytest.mark.connected
CODE = IDENTITY_CODE
HEADER = ["card_code", "issued_on", "birth_year", "mother_tongue", "gender", "postal_code", "life_situation"]


def logs(workdir: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in workdir.glob("issuance-*.log"))


async def recorded(org: Any, *codes: str) -> int:
    rows = await org.sql("SELECT count(*) AS n FROM cards WHERE upper(card_code) = ANY($1::text[])", list(codes))
    return int(rows[0]["n"])


async def test_an_identity_code_as_a_card_code_is_refused_every_time_and_never_recorded(org: Any, kaiku_workdir: Path):
    assert is_identity_code(CODE)
    for code in (CODE, CODE.lower(), CODE):
        assert_refused(await org.issue(org.card(code)), 422, "invalid_request", "card_code")
    assert_refused(await org.http.get(f"{org.url}/v1/cards/{CODE}", headers=org.headers), 422, "invalid_request")
    r = await org.http.get(f"{org.url}/v1/cards/{CODE}", headers=org.headers)
    assert r.json()["detail"].startswith("card_code: ")
    assert_refused(await org.revoke(CODE), 422, "invalid_request", "card_code")
    assert await recorded(org, CODE) == 0


async def test_identity_codes_in_query_header_and_text_fields_are_refused(org: Any, kaiku_workdir: Path):
    code = unique("E")
    headers = {**org.headers, "X-Request-ID": CODE}
    assert_refused(await org.issue(org.card(code), headers=headers), 422, "invalid_request", "X-Request-ID")
    r = await org.http.post(
        f"{org.url}/v1/regions", json={"region_id": unique("R"), "name": f"Alue {CODE}"}, headers=org.national
    )
    assert_refused(r, 422, "invalid_request", "name")
    r = await org.http.post(
        f"{org.url}/v1/imports/cards?branch_id={CODE}", headers=org.headers, files={"file": ("f.csv", b"x")}
    )
    assert_refused(r, 422, "invalid_request", "branch_id")
    assert await recorded(org, code) == 0
    # the refused header and values are in no log line (the refusal comes before any logging)
    clean = unique("E")
    assert (await org.issue(org.card(clean))).status_code == 201
    text = await asyncio.to_thread(logs, kaiku_workdir)
    assert clean in text, "the log is live"
    assert CODE not in text
    assert CODE.lower() not in text


async def test_a_taken_card_code_is_409_without_echoing_the_code(org: Any):
    code = unique("E")
    assert (await org.issue(org.card(code))).status_code == 201
    r = await org.issue(org.card(code, card_type="community", holder=None))
    assert r.status_code == 409, r.text
    assert r.json()["reason"] == "card_exists"
    assert r.json()["detail"].startswith("card_code: ")
    assert code not in r.text


async def test_a_body_over_64_kib_is_413_before_authentication(org: Any):
    big = org.card(unique("E"))
    big["holder"] = {**big["holder"], "note": "x" * MAX_JSON_BODY_BYTES}
    r = await org.http.post(f"{org.url}/v1/cards", json=big)  # no token at all
    assert_refused(r, 413, "payload_too_large")

    async def chunked() -> AsyncIterator[bytes]:
        yield b'{"card_code": "E1", "note": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    r = await org.http.post(f"{org.url}/v1/cards", content=chunked(), headers={"content-type": "application/json"})
    assert_refused(r, 413, "payload_too_large")


async def import_file(org: Any, name: str, data: bytes) -> Any:
    started = time.monotonic()
    r = await org.http.post(f"{org.url}/v1/imports/cards", files={"file": (name, data)}, headers=org.headers)
    assert time.monotonic() - started < 10, "refused quickly"
    return r


async def test_uploads_that_would_exhaust_the_service_are_refused_quickly_and_record_nothing(org: Any):
    code = unique("E")
    row = [code, "1.2.2026", 1980, "fi", "female", "00100", "unemployed"]
    # declares A1:XFD500 (half a million cells): read as the two rows it holds
    wide = xlsx([HEADER, row], dimension="A1:XFD500")
    assert len(wide) < 10_000
    r = await import_file(org, "forms.xlsx", wide)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    assert await recorded(org, code) == 1

    bomb_code = unique("E")
    bomb = xlsx([HEADER, [bomb_code, *row[1:]]], extra_entry=("xl/media/image1.bin", MAX_UNCOMPRESSED_BYTES + 1))
    assert_refused(await import_file(org, "forms.xlsx", bomb), 413, "payload_too_large")

    prefix = unique("E")[:8]
    lines = [",".join(HEADER)] + [f"{prefix}{i},1.2.2026,1980,fi,female,00100,unemployed" for i in range(MAX_ROWS + 30)]
    many = ("\n".join(lines) + "\n").encode()
    assert len(many) < MAX_FILE_BYTES
    r = await import_file(org, "forms.csv", many)
    assert r.status_code in (413, 422), r.text
    assert "rows" in r.json()["detail"]
    assert await recorded(org, bomb_code, f"{prefix}0", f"{prefix}{MAX_ROWS}") == 0

    named = await import_file(org, f"{CODE}.csv", ("\n".join(lines[:2]) + "\n").encode())
    assert_refused(named, 422, "invalid_request", "file (file name)")
    assert await recorded(org, f"{prefix}0") == 0

    r = await org.http.post(
        f"{org.url}/v1/imports/cards",
        files={"file": ("big.csv", b"x" * (MAX_FILE_BYTES + MAX_JSON_BODY_BYTES + 1))},
        headers=org.headers,
    )
    assert_refused(r, 413, "payload_too_large")
