"""Usage's database access: every SQL statement of the service, as functions taking an asyncpg connection
(or the pool, for a read that needs no transaction)."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool
