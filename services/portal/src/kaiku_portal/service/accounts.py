"""Account and session use cases: opening and closing accounts, passwords, sessions.

Passwords are hashed with argon2id; sessions are random tokens whose SHA-256 alone is stored
(domain/accounts.py). The SQL is in adapters/accounts.py.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from kaiku_runtime.auth import Role

from kaiku_portal.adapters import accounts as store
from kaiku_portal.domain.accounts import (
    AccountClosed,
    PasswordChange,
    Person,
    Session,
    StaffAccount,
    check_new_account,
    stored_organisation,
    stored_region,
    token_hash,
    username_taken,
)
from kaiku_portal.domain.staff import password_too_short
from kaiku_portal.domain.throttle import HASHING_AT_ONCE, WINDOW_SECONDS, sign_in_blocked, username_acceptable

_hasher = PasswordHasher()  # argon2id with the library's current (RFC 9106 low-memory) parameters
# Verified when the username is unknown, so an attacker cannot tell usernames by the answer's timing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class Accounts:
    """The accounts and sessions of the portal's own database.

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
        region, org = stored_region(role, region_id), stored_organisation(role, org_id)
        creator = uuid.UUID(created_by) if created_by else None
        try:
            await store.insert_account(self.pool, account_id, username, password_hash, role, region, org, creator)
        except asyncpg.UniqueViolationError as exc:
            raise username_taken(username) from exc
        return Person(str(account_id), username, role, region, org)

    async def sign_in(self, username: str, password: str, *, hours: int) -> tuple[str, Person] | None:
        """A new session token for the person, or None when the username or password is wrong (a name
        no account can have is refused without hashing: domain/throttle.py). Raises AccountClosed for the
        right password of a closed account: only who knows the password learns that it is closed, and
        every other answer (and its timing: one hash either way) is the wrong password's."""
        username = username.strip().lower()
        if not username_acceptable(username):
            return None
        row = await store.account_named(self.pool, username)
        if not await self._matches(row["password_hash"] if row is not None else None, password) or row is None:
            return None
        if row["disabled"]:
            raise AccountClosed(username)
        if _hasher.check_needs_rehash(row["password_hash"]):
            await store.set_password_hash(self.pool, row["account_id"], await self._hash(password))
        return await self._open_session(row, hours)

    async def sign_in_as(self, username: str, issuer: str, subject: str, *, hours: int) -> tuple[str, Person] | None:
        """A new session for a person their organisation's OIDC provider signed in (no password here),
        or None when no active account has that username, or the account is bound to another person
        at the provider. The account is bound to the provider's issuer and `sub` at its first sign-in
        there: the username claim can be changed at the provider, the `sub` cannot."""
        if not username_acceptable(username) or not issuer or not subject:
            return None
        row = await store.active_account(self.pool, username)
        if row is None:
            return None
        if row["oidc_subject"] is None:
            try:
                bound = await store.bind_to_provider(self.pool, row["account_id"], issuer, subject)
            except asyncpg.UniqueViolationError:
                return None  # this person at the provider already has another account here
            row = bound if bound is not None else await store.active_account(self.pool, username)
            if row is None:
                return None
        if (row["oidc_issuer"], row["oidc_subject"]) != (issuer, subject):
            return None
        return await self._open_session(row, hours)

    async def _open_session(self, account: asyncpg.Record, hours: int) -> tuple[str, Person]:
        token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + timedelta(hours=hours)
        await store.insert_session(
            self.pool, token_hash(token), account["account_id"], secrets.token_urlsafe(24), expires_at
        )
        await store.delete_expired_sessions(self.pool)
        return token, store.person(account)

    async def session(self, token: str) -> Session | None:
        return await store.live_session(self.pool, token_hash(token))

    async def save_data(self, session: Session, data: dict[str, Any]) -> None:
        await store.save_session_data(self.pool, session.token_hash, data)

    async def staff(self, roles: tuple[Role, ...], region_id: str | None) -> list[StaffAccount]:
        """The accounts of these roles (in this region; None: every region), by username."""
        return await store.staff_accounts(self.pool, roles, region_id)

    async def staff_account(self, account_id: str) -> StaffAccount | None:
        try:
            key = uuid.UUID(account_id)
        except ValueError:
            return None
        return await store.staff_account(self.pool, key)

    async def close(self, account_id: str, *, closed: bool, by: str) -> None:
        """Close (or reopen) an account; closing also ends the person's sessions at once."""
        key = uuid.UUID(account_id)
        async with self.pool.acquire() as conn, conn.transaction():
            await store.set_closed(conn, key, closed=closed, by=uuid.UUID(by) if closed else None)
            if closed:
                await store.delete_sessions_of(conn, key)

    async def change_password(self, session: Session, current: str, new: str) -> PasswordChange:
        """Change the signed-in person's password; their other sessions end (a stolen one stops working)."""
        account_id = uuid.UUID(session.person.account_id)
        stored = await store.password_hash_of(self.pool, account_id)
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
            await store.set_password_hash(conn, account_id, new_hash)
            await store.delete_sessions_of(conn, account_id, but=keep_session)

    async def sign_in_blocked(self, username: str, client_address: str | None = None) -> bool:
        """Whether sign-ins of this username, or from this address, wait now (domain/throttle.py)."""
        of_username, from_address = await store.recent_failures(self.pool, username, client_address, WINDOW_SECONDS)
        return sign_in_blocked(of_username, from_address=from_address)

    async def sign_in_failed(self, username: str, client_address: str | None = None) -> None:
        """Count a failure; a name no account has is counted under the address only (never stored)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await store.record_failure(conn, username, client_address, WINDOW_SECONDS)

    async def sign_in_succeeded(self, username: str) -> None:
        await store.clear_failures(self.pool, username)

    async def sign_out(self, token: str) -> None:
        await store.delete_session(self.pool, token_hash(token))
