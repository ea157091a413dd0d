"""Accounts, sessions and sign-in failures in the portal's own PostgreSQL (asyncpg): every SQL statement
of the portal. Plain functions taking the pool (one statement) or the caller's connection (its transaction)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg
from kaiku_runtime.auth import Role

from kaiku_portal.domain.accounts import Person, Session, StaffAccount

Db: TypeAlias = asyncpg.Pool | asyncpg.Connection

# What a coordinator's list shows of an account (`pw`: whether it has a password at all, never the hash).
_STAFF_COLUMNS = "account_id, username, role, region_id, org_id, disabled, password_hash IS NOT NULL AS pw, created_at"


def person(row: asyncpg.Record) -> Person:
    return Person(
        account_id=str(row["account_id"]),
        username=row["username"],
        role=Role(row["role"]),
        region_id=row["region_id"],
        org_id=row["org_id"],
    )


def _staff_account(row: asyncpg.Record) -> StaffAccount:
    return StaffAccount(
        **asdict(person(row)),
        closed=row["disabled"],
        signs_in_with_password=row["pw"],
        created_at=row["created_at"],
    )


# -- accounts --------------------------------------------------------------------------------------
async def insert_account(
    db: Db,
    account_id: uuid.UUID,
    username: str,
    password_hash: str | None,
    role: Role,
    region_id: str | None,
    org_id: str | None,
    created_by: uuid.UUID | None,
) -> None:
    """Raises asyncpg.UniqueViolationError when the username is taken."""
    await db.execute(
        "INSERT INTO accounts (account_id, username, password_hash, role, region_id, org_id, created_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        account_id,
        username,
        password_hash,
        role.value,
        region_id,
        org_id,
        created_by,
    )


async def active_account(db: Db, username: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await db.fetchrow(
        "SELECT * FROM accounts WHERE username = $1 AND NOT disabled", username
    )
    return row


async def account_named(db: Db, username: str) -> asyncpg.Record | None:
    """The account with the username, open or closed (the sign-in tells a closed one apart, after its password)."""
    row: asyncpg.Record | None = await db.fetchrow("SELECT * FROM accounts WHERE username = $1", username)
    return row


async def bind_to_provider(db: Db, account_id: uuid.UUID, issuer: str, subject: str) -> asyncpg.Record | None:
    """Bind an unbound account to the provider's issuer and `sub` (None: someone bound it meanwhile). Raises
    asyncpg.UniqueViolationError when that person at the provider already has another account."""
    row: asyncpg.Record | None = await db.fetchrow(
        "UPDATE accounts SET oidc_issuer = $2, oidc_subject = $3 WHERE account_id = $1 AND oidc_subject IS NULL"
        " RETURNING *",
        account_id,
        issuer,
        subject,
    )
    return row


async def password_hash_of(db: Db, account_id: uuid.UUID) -> str | None:
    stored: str | None = await db.fetchval("SELECT password_hash FROM accounts WHERE account_id = $1", account_id)
    return stored


async def set_password_hash(db: Db, account_id: uuid.UUID, password_hash: str) -> None:
    await db.execute("UPDATE accounts SET password_hash = $2 WHERE account_id = $1", account_id, password_hash)


async def set_closed(db: Db, account_id: uuid.UUID, *, closed: bool, by: uuid.UUID | None) -> None:
    await db.execute("UPDATE accounts SET disabled = $2, closed_by = $3 WHERE account_id = $1", account_id, closed, by)


async def staff_accounts(db: Db, roles: tuple[Role, ...], region_id: str | None) -> list[StaffAccount]:
    """The accounts of these roles (in this region; None: every region), by username."""
    rows = await db.fetch(
        f"SELECT {_STAFF_COLUMNS} FROM accounts WHERE role = ANY($1::text[])"
        " AND ($2::text IS NULL OR region_id = $2) ORDER BY username",
        [r.value for r in roles],
        region_id,
    )
    return [_staff_account(row) for row in rows]


async def staff_account(db: Db, account_id: uuid.UUID) -> StaffAccount | None:
    row = await db.fetchrow(f"SELECT {_STAFF_COLUMNS} FROM accounts WHERE account_id = $1", account_id)
    return _staff_account(row) if row is not None else None


# -- sessions --------------------------------------------------------------------------------------
async def insert_session(db: Db, token_hash: str, account_id: uuid.UUID, csrf_token: str, expires_at: datetime) -> None:
    await db.execute(
        "INSERT INTO sessions (token_hash, account_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
        token_hash,
        account_id,
        csrf_token,
        expires_at,
    )


async def delete_expired_sessions(db: Db) -> None:
    await db.execute("DELETE FROM sessions WHERE expires_at < now()")


async def live_session(db: Db, token_hash: str) -> Session | None:
    """The unexpired session of an open account with this token hash."""
    row = await db.fetchrow(
        "SELECT a.*, s.csrf_token, s.data, s.token_hash FROM sessions s JOIN accounts a USING (account_id)"
        " WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT a.disabled",
        token_hash,
    )
    if row is None:
        return None
    data = row["data"]
    return Session(
        person(row), row["csrf_token"], json.loads(data) if isinstance(data, str) else data, row["token_hash"]
    )


async def save_session_data(db: Db, token_hash: str, data: dict[str, Any]) -> None:
    await db.execute("UPDATE sessions SET data = $2::jsonb WHERE token_hash = $1", token_hash, json.dumps(data))


async def delete_session(db: Db, token_hash: str) -> None:
    await db.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash)


async def delete_sessions_of(db: Db, account_id: uuid.UUID, *, but: str | None = None) -> None:
    """Every session of the account, except the one whose token hash is `but`."""
    await db.execute("DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2", account_id, but)


# -- sign-in failures ------------------------------------------------------------------------------
async def recent_failures(db: Db, username: str, client_address: str | None, window_seconds: int) -> tuple[int, int]:
    """Failed sign-ins within the window: of this username, and from this address."""
    row = await db.fetchrow(
        "SELECT count(*) FILTER (WHERE username = $1) AS of_username,"
        " count(*) FILTER (WHERE client_address = $2) AS from_address"
        " FROM sign_in_failures WHERE (username = $1 OR client_address = $2)"
        " AND failed_at > now() - make_interval(secs => $3)",
        username,
        client_address,
        window_seconds,
    )
    assert row is not None
    return int(row["of_username"]), int(row["from_address"])


async def record_failure(
    conn: asyncpg.Connection, username: str, client_address: str | None, window_seconds: int
) -> None:
    """Forget failures older than the window and count this one; a name no account has is stored as NULL."""
    await conn.execute(
        "DELETE FROM sign_in_failures WHERE failed_at < now() - make_interval(secs => $1)", window_seconds
    )
    await conn.execute(
        "INSERT INTO sign_in_failures (username, client_address)"
        " SELECT (SELECT username FROM accounts WHERE username = $1), $2",
        username,
        client_address,
    )


async def clear_failures(db: Db, username: str) -> None:
    await db.execute("DELETE FROM sign_in_failures WHERE username = $1", username)
