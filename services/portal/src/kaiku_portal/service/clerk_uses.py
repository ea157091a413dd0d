"""The clerk's uses of today, offered for undo across sign-ins (issue 19; usage judges every undo)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from kaiku_portal.adapters import clerk_uses as store
from kaiku_portal.domain.accounts import Person
from kaiku_portal.domain.box_office import CLERK_USES_SHOWN, ClerkUse, kept_until, start_of_today


class ClerkUses:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def recorded(self, person: Person, use: ClerkUse) -> None:
        await store.insert_use(self.pool, uuid.UUID(person.account_id), use, kept_until(use.recorded_at))

    async def today(self, person: Person, now: datetime | None = None) -> list[ClerkUse]:
        since = start_of_today(now or datetime.now(UTC))
        return await store.uses_since(self.pool, uuid.UUID(person.account_id), since, CLERK_USES_SHOWN)

    async def find(self, person: Person, redemption_id: str) -> ClerkUse | None:
        return next((use for use in await self.today(person) if use.redemption_id == redemption_id), None)

    async def undone(self, person: Person, redemption_id: str) -> None:
        await store.delete_use(self.pool, uuid.UUID(person.account_id), redemption_id)
