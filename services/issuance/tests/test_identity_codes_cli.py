"""`kaiku-issuance identity-codes [--revoke]`: cards stored before the edges refused identity codes (§11)."""

from __future__ import annotations

import asyncio
import random
import sys
from typing import Any

import asyncpg
import pytest
from kaiku_contracts.identity_codes import check_character, is_identity_code

pytestmark = pytest.mark.connected


def an_identity_code() -> str:
    number = f"{random.randint(2, 899):03d}"
    birth = f"{random.randint(1, 28):02d}{random.randint(1, 12):02d}{random.randint(40, 99):02d}"
    return f"{birth}-{number}{check_character(birth, number)}"


async def kaiku_issuance(database_url: str, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kaiku_issuance.entrypoints.cli", "identity-codes", "--database-url", database_url, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_stored_identity_codes_are_listed_without_the_code_and_revoked(org: Any) -> None:
    ok = await org.issue(org.card())
    assert ok.status_code == 201, ok.text
    stored = an_identity_code()
    assert is_identity_code(stored)
    # a card registered before the edges refused identity codes: only the database can still hold one
    conn = await asyncpg.connect(org.database_url)
    try:
        await conn.execute(
            "CREATE TEMP TABLE old_card AS SELECT * FROM cards WHERE card_code = $1;"
            " UPDATE old_card SET card_code = $2; INSERT INTO cards SELECT * FROM old_card"
            .replace("$1", f"'{ok.json()['card_code']}'").replace("$2", f"'{stored}'")
        )  # fmt: skip
    finally:
        await conn.close()

    code, out = await kaiku_issuance(org.database_url)
    assert code == 1, out
    assert f"{org.region} / {org.distributor}: granted" in out
    assert "valid" in out
    assert stored not in out
    assert stored[:6] not in out
    r = await org.http.get(f"{org.url}/v1/cards/{ok.json()['card_code']}", headers=org.headers)
    assert r.json()["status"] == "active"  # the ordinary card is not touched

    code, out = await kaiku_issuance(org.database_url, "--revoke")
    assert code == 0, out
    assert f"{org.region} / {org.distributor}: granted" in out
    assert "revoked now" in out
    assert stored not in out
    (revoked,) = await org.events({stored}, count=1)  # the relay publishes what the command put in the outbox
    assert (revoked["headers"]["event_type"], revoked["value"]["reason"]) == ("CardRevoked", "issued_in_error")
    code, out = await kaiku_issuance(org.database_url)
    assert code == 0, out
    assert "revoked 20" in out
