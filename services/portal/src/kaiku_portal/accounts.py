"""People who sign in: accounts (one per person, in an organisation and a role) and their sessions.

Every action in the services is traceable to a person: the JWT the portal mints for a call carries
the account id as `sub`. Passwords are hashed with argon2id; sessions are random tokens whose
SHA-256 alone is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from kaiku_runtime.auth import Role

from kaiku_portal.domain.staff import (
    MIN_PASSWORD_LENGTH,
    PORTAL_ROLES,
    USERNAME_LENGTH,
    AccountProblem,
    new_account_problem,
    password_too_short,
)
from kaiku_portal.domain.throttle import HASHING_AT_ONCE, WINDOW_SECONDS, sign_in_blocked, username_acceptable

_hasher = PasswordHasher()  # argon2id with the library's current (RFC 9106 low-memory) parameters
# Verified when the username is unknown, so an attacker cannot tell usernames by the answer's timing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class Person:
    """A signed-in member of staff."""

    account_id: str
    username: str
    role: Role
    region_id: str | None
    org_id: str | None


@dataclass(frozen=True, slots=True)
class Session:
    person: Person
    csrf_token: str
    data: dict[str, Any]
    token_hash: str


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """An account as a coordinator sees it in the list of their staff (never a password hash)."""

    account_id: str
    username: str
    role: Role
    region_id: str | None
    org_id: str | None
    closed: bool
    signs_in_with_password: bool
    created_at: datetime


class PasswordChange(StrEnum):
    CHANGED = "changed"
    WRONG_CURRENT = "wrong_current"
    TOO_SHORT = "too_short"
    NO_PASSWORD = "no_password"  # signs in through the organisation's provider: nothing to change here


class AccountError(ValueError):
    """An account cannot be created as asked (the message says why, for the command line)."""

    def __init__(self, problem: AccountProblem | None, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def _problem_text(problem: AccountProblem, role: Role) -> str:
    shortest, longest = USERNAME_LENGTH
    return {
        AccountProblem.ROLE: f"role must be one of {', '.join(PORTAL_ROLES)} (agencies use the API)",
        AccountProblem.USERNAME: f"username: {shortest}-{longest} characters, lower case, no spaces",
        AccountProblem.PASSWORD: f"password: at least {MIN_PASSWORD_LENGTH} characters",
        AccountProblem.REGION: f"a {role} account needs --region",
        AccountProblem.ORGANISATION: f"a {role} account needs --org (the {role} id)",
        AccountProblem.TAKEN: "username is taken",
    }[problem]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_new_account(
    username: str, password: str | None, role: Role, region_id: str | None, org_id: str | None
) -> None:
    """Raise AccountError when the account cannot be created as asked (the rules: domain/staff.py)."""
    problem = new_account_problem(username, password, role, region_id, org_id)
    if problem is not None:
        raise AccountError(problem, _problem_text(problem, role))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _person(row: asyncpg.Record) -> Person:
    return Person(
        account_id=str(row["account_id"]),
        username=row["username"],
        role=Role(row["role"]),
        region_id=row["region_id"],
        org_id=row["org_id"],
    )


# What a coordinator's list shows of an account (`pw`: whether it has a password at all, never the hash).
_STAFF_COLUMNS = "account_id, username, role, region_id, org_id, disabled, password_hash IS NOT NULL AS pw, created_at"


def _staff_account(row: asyncpg.Record) -> StaffAccount:
    return StaffAccount(
        **asdict(_person(row)),
        closed=row["disabled"],
        signs_in_with_password=row["pw"],
        created_at=row["created_at"],
    )


class Accounts:
    """The account and session store (the portal's own database).

    Argon2 runs in a worker thread, at most `hashing_at_once` at a time (domain/throttle.py): a flood
    of sign-ins waits its turn instead of stalling the event loop and every other page with it.
    """

    def __init__(self, pool: asyncpg.Pool, *, hashing_at_once: int = HASHING_AT_ONCE) -> None:
        self.pool = pool
        self._hashing = asyncio.Semaphore(hashing_at_once)

    async def _hash(self, password: str) -> str:
        async with self._hashing:
            return await asyncio.to_thread(hash_password, password)

    async def _matches(self, password_hash: str | None, password: str) -> bool:
        async with self._hashing:
            return await asyncio.to_thread(password_matches, password_hash, password)

    async def create(
        self,
        username: str,
        password: str | None,
        role: Role,
        region_id: str | None = None,
        org_id: str | None = None,
        *,
        created_by: str | None = None,
    ) -> Person:
        """A new account; `created_by` is the account id of the coordinator who opened it (None: the CLI)."""
        check_new_account(username, password, role, region_id, org_id)
        account_id = uuid.uuid4()
        password_hash = await self._hash(password) if password is not None else None
        region = None if role is Role.NATIONAL else region_id
        org = org_id if role in (Role.DISTRIBUTOR, Role.VENUE) else None
        try:
            await self.pool.execute(
                "INSERT INTO accounts (account_id, username, password_hash, role, region_id, org_id, created_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                account_id,
                username,
                password_hash,
                role.value,
                region,
                org,
                uuid.UUID(created_by) if created_by else None,
            )
        except asyncpg.UniqueViolationError as exc:
            raise AccountError(AccountProblem.TAKEN, f"username {username} is taken") from exc
        return Person(str(account_id), username, role, region, org)

    async def sign_in(self, username: str, password: str, *, hours: int) -> tuple[str, Person] | None:
        """A new session token for the person, or None when the username or password is wrong (a name
        no account can have is refused without hashing: domain/throttle.py)."""
        username = username.strip().lower()
        if not username_acceptable(username):
            return None
        row = await self._active_account(username)
        if not await self._matches(row["password_hash"] if row is not None else None, password) or row is None:
            return None
        if _hasher.check_needs_rehash(row["password_hash"]):
            await self.pool.execute(
                "UPDATE accounts SET password_hash = $2 WHERE account_id = $1",
                row["account_id"],
                await self._hash(password),
            )
        return await self._open_session(row, hours)

    async def sign_in_as(self, username: str, issuer: str, subject: str, *, hours: int) -> tuple[str, Person] | None:
        """A new session for a person their organisation's OIDC provider signed in (no password here),
        or None when no active account has that username, or the account is bound to another person
        at the provider. The account is bound to the provider's issuer and `sub` at its first sign-in
        there: the username claim can be changed at the provider, the `sub` cannot."""
        if not username_acceptable(username) or not issuer or not subject:
            return None
        row = await self._active_account(username)
        if row is None:
            return None
        if row["oidc_subject"] is None:
            try:
                bound = await self.pool.fetchrow(
                    "UPDATE accounts SET oidc_issuer = $2, oidc_subject = $3"
                    " WHERE account_id = $1 AND oidc_subject IS NULL RETURNING *",
                    row["account_id"],
                    issuer,
                    subject,
                )
            except asyncpg.UniqueViolationError:
                return None  # this person at the provider already has another account here
            row = bound if bound is not None else await self._active_account(username)
            if row is None:
                return None
        if (row["oidc_issuer"], row["oidc_subject"]) != (issuer, subject):
            return None
        return await self._open_session(row, hours)

    async def _active_account(self, username: str) -> asyncpg.Record | None:
        return await self.pool.fetchrow("SELECT * FROM accounts WHERE username = $1 AND NOT disabled", username)

    async def _open_session(self, account: asyncpg.Record, hours: int) -> tuple[str, Person]:
        token = secrets.token_urlsafe(32)
        await self.pool.execute(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
            _token_hash(token),
            account["account_id"],
            secrets.token_urlsafe(24),
            datetime.now(UTC) + timedelta(hours=hours),
        )
        await self.pool.execute("DELETE FROM sessions WHERE expires_at < now()")
        return token, _person(account)

    async def session(self, token: str) -> Session | None:
        row = await self.pool.fetchrow(
            "SELECT a.*, s.csrf_token, s.data, s.token_hash FROM sessions s JOIN accounts a USING (account_id)"
            " WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT a.disabled",
            _token_hash(token),
        )
        if row is None:
            return None
        data = row["data"]
        return Session(
            _person(row), row["csrf_token"], json.loads(data) if isinstance(data, str) else data, row["token_hash"]
        )

    async def save_data(self, session: Session, data: dict[str, Any]) -> None:
        await self.pool.execute(
            "UPDATE sessions SET data = $2::jsonb WHERE token_hash = $1", session.token_hash, json.dumps(data)
        )

    async def staff(self, roles: tuple[Role, ...], region_id: str | None) -> list[StaffAccount]:
        """The accounts of these roles (in this region; None: every region), by username."""
        rows = await self.pool.fetch(
            f"SELECT {_STAFF_COLUMNS} FROM accounts WHERE role = ANY($1::text[])"
            " AND ($2::text IS NULL OR region_id = $2) ORDER BY username",
            [r.value for r in roles],
            region_id,
        )
        return [_staff_account(row) for row in rows]

    async def staff_account(self, account_id: str) -> StaffAccount | None:
        try:
            key = uuid.UUID(account_id)
        except ValueError:
            return None
        row = await self.pool.fetchrow(f"SELECT {_STAFF_COLUMNS} FROM accounts WHERE account_id = $1", key)
        return _staff_account(row) if row is not None else None

    async def close(self, account_id: str, *, closed: bool, by: str) -> None:
        """Close (or reopen) an account; closing also ends the person's sessions at once."""
        key = uuid.UUID(account_id)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE accounts SET disabled = $2, closed_by = $3 WHERE account_id = $1",
                key,
                closed,
                uuid.UUID(by) if closed else None,
            )
            if closed:
                await conn.execute("DELETE FROM sessions WHERE account_id = $1", key)

    async def change_password(self, session: Session, current: str, new: str) -> PasswordChange:
        """Change the signed-in person's password; their other sessions end (a stolen one stops working)."""
        account_id = uuid.UUID(session.person.account_id)
        stored = await self.pool.fetchval("SELECT password_hash FROM accounts WHERE account_id = $1", account_id)
        if stored is None:
            return PasswordChange.NO_PASSWORD
        if not await self._matches(stored, current):
            return PasswordChange.WRONG_CURRENT
        if password_too_short(new):
            return PasswordChange.TOO_SHORT
        await self._replace_password(account_id, new, keep_session=session.token_hash)
        return PasswordChange.CHANGED

    async def set_password(self, account_id: str, password: str) -> None:
        """A coordinator's new first password for someone who forgot theirs; their sessions end."""
        await self._replace_password(uuid.UUID(account_id), password, keep_session=None)

    async def _replace_password(self, account_id: uuid.UUID, password: str, *, keep_session: str | None) -> None:
        """The new hash, and every session of the account ends but `keep_session` (the one changing it)."""
        new_hash = await self._hash(password)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("UPDATE accounts SET password_hash = $2 WHERE account_id = $1", account_id, new_hash)
            await conn.execute(
                "DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2",
                account_id,
                keep_session,
            )

    async def sign_in_blocked(self, username: str, client_address: str | None = None) -> bool:
        """Whether sign-ins of this username, or from this address, wait now (domain/throttle.py)."""
        row = await self.pool.fetchrow(
            "SELECT count(*) FILTER (WHERE username = $1) AS of_username,"
            " count(*) FILTER (WHERE client_address = $2) AS from_address"
            " FROM sign_in_failures WHERE (username = $1 OR client_address = $2)"
            " AND failed_at > now() - make_interval(secs => $3)",
            username,
            client_address,
            WINDOW_SECONDS,
        )
        assert row is not None
        return sign_in_blocked(int(row["of_username"]), from_address=int(row["from_address"]))

    async def sign_in_failed(self, username: str, client_address: str | None = None) -> None:
        """Count a failure; a name no account has is counted under the address only (never stored)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM sign_in_failures WHERE failed_at < now() - make_interval(secs => $1)", WINDOW_SECONDS
            )
            await conn.execute(
                "INSERT INTO sign_in_failures (username, client_address)"
                " SELECT (SELECT username FROM accounts WHERE username = $1), $2",
                username,
                client_address,
            )

    async def sign_in_succeeded(self, username: str) -> None:
        await self.pool.execute("DELETE FROM sign_in_failures WHERE username = $1", username)

    async def sign_out(self, token: str) -> None:
        await self.pool.execute("DELETE FROM sessions WHERE token_hash = $1", _token_hash(token))
