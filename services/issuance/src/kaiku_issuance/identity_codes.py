"""Stored card codes that look like personal identity codes (§11): found, and revoked on request.

Identity codes are refused at every edge now (docs/contract.md), but a card registered before that may
carry one as its code. `kaiku-issuance identity-codes` lists them for the region to act on, never
printing the code itself: the card is named by its region, distributor, branch and issue date, which
is what the distributor needs to find the paper form. With `--revoke` each is revoked as issued in
error (`CardRevoked` follows through the outbox); the distributor then grants the holder a new card
(docs/issuance.md "Identity codes stored before").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import RevocationReason
from kaiku_contracts.identity_codes import contains_identity_code

from kaiku_issuance.adapters import store
from kaiku_issuance.domain.revocation import Revocation
from kaiku_issuance.issuing import revoke_card

# a cheap first pass in the database (DDMMYY, century sign, ZZZ, check character); the contracts'
# function, which checks the date and the check character, decides
_LOOKS_LIKE = r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]"


@dataclass(frozen=True, slots=True)
class StoredIdentityCode:
    """A card whose code holds an identity code, named without the code."""

    region_id: str
    distributor_id: str
    branch_id: str | None
    issued_on: date
    revoked_on: date | None


async def cards_with_identity_codes(conn: asyncpg.Connection) -> list[tuple[str, StoredIdentityCode]]:
    rows = await conn.fetch(
        "SELECT card_code, region_id, distributor_id, branch_id, issued_on, revoked_on FROM cards"
        " WHERE card_code ~ $1 ORDER BY region_id, distributor_id, issued_on",
        _LOOKS_LIKE,
    )
    return [
        (
            row["card_code"],
            StoredIdentityCode(
                row["region_id"], row["distributor_id"], row["branch_id"], row["issued_on"], row["revoked_on"]
            ),
        )
        for row in rows
        if contains_identity_code(row["card_code"])
    ]


async def revoke_identity_codes(conn: asyncpg.Connection, codes: list[str]) -> int:
    """Revoke the given cards as issued in error, one transaction; how many were revoked now."""
    today = helsinki_today()
    revoked = 0
    async with conn.transaction():
        for code in codes:
            row = await store.card(conn, code, for_update=True)
            if row is None or row["revoked_on"] is not None:
                continue
            revoked += await revoke_card(conn, row, Revocation(RevocationReason.ISSUED_IN_ERROR, today), today)
    return revoked


async def run(database_url: str, revoke: bool) -> int:
    """Print the cards (and revoke them with `revoke`); exit code 1 while unrevoked ones remain."""
    from kaiku_runtime.db import create_pool

    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            found = await cards_with_identity_codes(conn)
            open_codes = [code for code, card in found if card.revoked_on is None]
            revoked = await revoke_identity_codes(conn, open_codes) if revoke and open_codes else 0
    finally:
        await pool.close()
    print(f"{len(found)} stored card codes hold a personal identity code (the codes are not shown, §11)")
    for _, card in found:
        state = f"revoked {card.revoked_on}" if card.revoked_on else ("revoked now" if revoke else "valid")
        where = f"{card.region_id} / {card.distributor_id}" + (f" / {card.branch_id}" if card.branch_id else "")
        print(f"  {where}: granted {card.issued_on}, {state}")
    if revoke:
        print(f"{revoked} revoked as issued_in_error; the distributors grant their holders new cards")
        return 0
    if open_codes:
        print("run again with --revoke to revoke them as issued_in_error")
        return 1
    return 0
