"""The box office's undo list in the portal's own PostgreSQL (migrations/0005): a clerk's uses of today."""

from __future__ import annotations

import uuid
from datetime import datetime

from kaiku_portal.adapters.accounts import Db
from kaiku_portal.domain.box_office import ClerkUse

_COLUMNS = (
    "redemption_id, card_code, performance_id, performance_name, starts_at, adult_tickets, child_tickets, recorded_at"
)


async def insert_use(db: Db, account_id: uuid.UUID, use: ClerkUse, older_than: datetime) -> None:
    """The use, once (a double submit is the same `redemption_id`); uses older than `older_than` are dropped."""
    await db.execute("DELETE FROM clerk_uses WHERE account_id = $1 AND recorded_at < $2", account_id, older_than)
    await db.execute(
        f"INSERT INTO clerk_uses (account_id, {_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (redemption_id) DO NOTHING",
        account_id,
        use.redemption_id,
        use.card_code,
        use.performance_id,
        use.performance_name,
        use.starts_at,
        use.adult_tickets,
        use.child_tickets,
        use.recorded_at,
    )


async def uses_since(db: Db, account_id: uuid.UUID, since: datetime, limit: int) -> list[ClerkUse]:
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM clerk_uses WHERE account_id = $1 AND recorded_at >= $2"
        " ORDER BY recorded_at DESC LIMIT $3",
        account_id,
        since,
        limit,
    )
    return [ClerkUse(**dict(row)) for row in rows]


async def delete_use(db: Db, account_id: uuid.UUID, redemption_id: str) -> None:
    await db.execute("DELETE FROM clerk_uses WHERE account_id = $1 AND redemption_id = $2", account_id, redemption_id)
