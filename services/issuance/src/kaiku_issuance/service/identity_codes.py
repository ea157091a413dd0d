"""Stored card codes that look like personal identity codes (§11): found, and revoked on request.

Identity codes are refused at every edge now (docs/contract.md), but a card registered before that may
carry one as its code. `kaiku-issuance identity-codes` (entrypoints/cli.py) lists them for the region to
act on, never printing the code itself: the card is named by its region, distributor, branch and issue
date, which is what the distributor needs to find the paper form. With `--revoke` each is revoked as
issued in error (`CardRevoked` follows through the outbox); the distributor then grants the holder a new
card (docs/issuance.md "Identity codes stored before").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import RevocationReason
from kaiku_contracts.identity_codes import contains_identity_code

from kaiku_issuance.adapters import cards as store
from kaiku_issuance.domain.revocation import Revocation
from kaiku_issuance.service.cards import revoke_locked_card


@dataclass(frozen=True, slots=True)
class StoredIdentityCode:
    """A card whose code holds an identity code, named without the code."""

    region_id: str
    distributor_id: str
    branch_id: str | None
    issued_on: date
    revoked_on: date | None


async def cards_with_identity_codes(conn: asyncpg.Connection) -> list[tuple[str, StoredIdentityCode]]:
    return [
        (
            row["card_code"],
            StoredIdentityCode(
                row["region_id"], row["distributor_id"], row["branch_id"], row["issued_on"], row["revoked_on"]
            ),
        )
        for row in await store.cards_looking_like_identity_codes(conn)
        if contains_identity_code(row["card_code"])
    ]


async def revoke_identity_codes(conn: asyncpg.Connection, codes: list[str]) -> int:
    """Revoke the given cards as issued in error, one transaction; how many were revoked now.

    The command runs without the service, so its relay (which polls the outbox) publishes the events."""
    today = helsinki_today()
    revoked = 0
    async with conn.transaction():
        for code in codes:
            row = await store.card(conn, code, for_update=True)
            if row is None or row["revoked_on"] is not None:
                continue
            revoked += await revoke_locked_card(conn, row, Revocation(RevocationReason.ISSUED_IN_ERROR, today), today)
    return revoked
