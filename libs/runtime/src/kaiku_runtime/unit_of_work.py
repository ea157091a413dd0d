"""A unit of work: one database transaction whose commit wakes the outbox relay.

A command writes its rows and its outbox events through the connection the unit of work hands out;
when the transaction commits, the relay is told at once (docs/architecture.md, "Outbox"). No command
calls the relay itself, and no service function needs the whole service object: it takes the unit
of work (or only the connection it opens).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import asyncpg


class UnitOfWork:
    def __init__(self, pool_getter: Callable[[], asyncpg.Pool], after_commit: Callable[[], None]) -> None:
        self._pool_getter = pool_getter
        self._after_commit = after_commit

    @property
    def pool(self) -> asyncpg.Pool:
        """For reads that need no transaction."""
        return self._pool_getter()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection inside a transaction. On a clean exit the transaction commits and the relay is
        woken (a commit that wrote no outbox row costs the relay one empty poll); on an exception it
        rolls back and the exception goes on."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn
        self._after_commit()

    def committed(self) -> None:
        """Wake the relay after a commit made outside `transaction()` (the idempotent consumer's batch)."""
        self._after_commit()
