"""Accounts and sessions in the portal's own PostgreSQL database (real server), and the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest
from kaiku_devkit.testing import Databases
from kaiku_portal.domain.accounts import AccountClosed, AccountError
from kaiku_portal.service.accounts import Accounts
from kaiku_runtime.auth import Role
from kaiku_runtime.db import create_pool

pytestmark = pytest.mark.connected
PASSWORD = "correct horse battery"
ISSUER = "https://login.example.fi"


@pytest.fixture
async def store(databases: Databases):
    pool = await create_pool(databases.new("portal"), min_size=1, max_size=2)
    yield Accounts(pool)
    await pool.close()


async def test_a_person_signs_in_with_the_right_password_only(store: Accounts):
    person = await store.create("maija.clerk", PASSWORD, Role.VENUE, "R1", "V1")
    row = await store.pool.fetchrow("SELECT password_hash FROM accounts WHERE username = 'maija.clerk'")
    assert row is not None
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]

    assert await store.sign_in("maija.clerk", "wrong password!", hours=1) is None
    assert await store.sign_in("nobody.here", PASSWORD, hours=1) is None
    signed_in = await store.sign_in("Maija.Clerk ", PASSWORD, hours=1)
    assert signed_in is not None
    token, who = signed_in
    assert who == person

    session = await store.session(token)
    assert session is not None
    assert session.person.account_id == person.account_id
    assert session.csrf_token
    stored = await store.pool.fetchval("SELECT token_hash FROM sessions")
    assert stored != token  # only the token's hash is kept

    await store.save_data(session, {"recent_uses": [{"redemption_id": "x"}]})
    again = await store.session(token)
    assert again is not None
    assert again.data == {"recent_uses": [{"redemption_id": "x"}]}

    await store.sign_out(token)
    assert await store.session(token) is None


async def test_expired_sessions_and_disabled_accounts_sign_no_one_in(store: Accounts):
    await store.create("old.session", PASSWORD, Role.NATIONAL)
    signed_in = await store.sign_in("old.session", PASSWORD, hours=1)
    assert signed_in is not None
    await store.pool.execute("UPDATE sessions SET expires_at = now() - interval '1 second'")
    assert await store.session(signed_in[0]) is None

    signed_in = await store.sign_in("old.session", PASSWORD, hours=1)
    assert signed_in is not None
    await store.pool.execute("UPDATE accounts SET disabled = true")
    assert await store.session(signed_in[0]) is None
    with pytest.raises(AccountClosed):  # told it is closed, only after the right password (issue 19)
        await store.sign_in("old.session", PASSWORD, hours=1)
    assert await store.sign_in("old.session", "a-wrong-password", hours=1) is None


async def test_accounts_need_their_organisation_and_a_strong_enough_password(store: Accounts):
    with pytest.raises(AccountError, match="--org"):
        await store.create("no.org", PASSWORD, Role.DISTRIBUTOR, "R1", None)
    with pytest.raises(AccountError, match="--region"):
        await store.create("no.region", PASSWORD, Role.REGION_ADMIN)
    with pytest.raises(AccountError, match="password"):
        await store.create("short.pass", "short", Role.NATIONAL)
    with pytest.raises(AccountError, match="agencies"):
        await store.create("an.agency", PASSWORD, Role.AGENCY, org_id="A1")
    await store.create("taken.name", PASSWORD, Role.NATIONAL)
    with pytest.raises(AccountError, match="taken"):
        await store.create("taken.name", PASSWORD, Role.NATIONAL)


async def test_an_account_without_a_password_opens_only_through_the_organisations_sign_in(store: Accounts):
    person = await store.create("kalle.oidc", None, Role.VENUE, "R1", "V1")
    assert await store.pool.fetchval("SELECT password_hash FROM accounts WHERE username = 'kalle.oidc'") is None
    for password in ("", "None", PASSWORD):
        assert await store.sign_in("kalle.oidc", password, hours=1) is None
    signed_in = await store.sign_in_as("kalle.oidc", ISSUER, "sub-kalle", hours=1)
    assert signed_in is not None
    assert signed_in[1] == person
    assert await store.session(signed_in[0]) is not None
    assert await store.sign_in_as("nobody.here", ISSUER, "sub-nobody", hours=1) is None
    await store.pool.execute("UPDATE accounts SET disabled = true")
    assert await store.sign_in_as("kalle.oidc", ISSUER, "sub-kalle", hours=1) is None


async def test_an_organisation_account_is_bound_to_the_person_at_the_provider_not_to_the_username(store: Accounts):
    await store.create("kalle.oidc", None, Role.VENUE, "R1", "V1")
    await store.create("liisa.oidc", None, Role.VENUE, "R1", "V1")
    assert await store.sign_in_as("kalle.oidc", ISSUER, "sub-kalle", hours=1) is not None
    bound = await store.pool.fetchrow("SELECT oidc_issuer, oidc_subject FROM accounts WHERE username = 'kalle.oidc'")
    assert dict(bound) == {"oidc_issuer": ISSUER, "oidc_subject": "sub-kalle"}
    # someone else at the provider who took the name kalle.oidc there
    assert await store.sign_in_as("kalle.oidc", ISSUER, "sub-someone-else", hours=1) is None
    assert await store.sign_in_as("kalle.oidc", "https://another-provider.example", "sub-kalle", hours=1) is None
    # kalle renamed at the provider to liisa's name: his sub is bound already, liisa's account stays hers
    assert await store.sign_in_as("liisa.oidc", ISSUER, "sub-kalle", hours=1) is None
    assert await store.pool.fetchval("SELECT oidc_subject FROM accounts WHERE username = 'liisa.oidc'") is None
    assert await store.sign_in_as("kalle.oidc", ISSUER, "", hours=1) is None  # no sub: never matched
    assert await store.sign_in_as("kalle.oidc", ISSUER, "sub-kalle", hours=1) is not None


def test_add_user_cli_creates_an_account_without_the_password_on_the_command_line(databases: Databases):
    url = databases.new("portal")
    cli = [sys.executable, "-c", "from kaiku_portal.entrypoints.cli import main; main()"]
    env = {**os.environ, "KAIKU_DATABASE_URL": url}
    done = subprocess.run(
        [*cli, "add-user", "--username", "liisa.distributor", "--role", "distributor", "--region", "R1", "--org", "D1",
         "--password-stdin"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "account_id=" in done.stdout
    assert PASSWORD not in done.stdout

    refused = subprocess.run(
        [*cli, "add-user", "--username", "no.org", "--role", "venue", "--region", "R1", "--password-stdin"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "--org" in refused.stderr

    organisation_only = subprocess.run(
        [*cli, "add-user", "--username", "kalle.oidc", "--role", "venue", "--region", "R1", "--org", "V1",
         "--no-password"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert organisation_only.returncode == 0, organisation_only.stderr

    async def role_of() -> str:
        conn = await asyncpg.connect(url)
        try:
            return str(await conn.fetchval("SELECT role FROM accounts WHERE username = 'liisa.distributor'"))
        finally:
            await conn.close()

    assert asyncio.run(role_of()) == "distributor"

    async def password_of(username: str) -> str | None:
        conn = await asyncpg.connect(url)
        try:
            value = await conn.fetchval("SELECT password_hash FROM accounts WHERE username = $1", username)
            return str(value) if value is not None else None
        finally:
            await conn.close()

    assert asyncio.run(password_of("kalle.oidc")) is None
