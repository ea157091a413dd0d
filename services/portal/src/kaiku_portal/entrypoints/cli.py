"""`kaiku portal` (also `kaiku-portal`): create staff accounts and migrate the portal's database.

    kaiku portal add-user --username maija.clerk --role venue --region R1 --org V1
The password is read from the prompt, from standard input with `--password-stdin`, or from
`KAIKU_PORTAL_PASSWORD`; it never appears on the command line (where `ps` would show it). With
`--no-password` the person signs in only through their organisation's OIDC provider.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from enum import StrEnum
from typing import Annotated

import typer
from kaiku_runtime.auth import Role
from kaiku_runtime.cli import VersionOption, run_app, typer_app
from kaiku_runtime.db import apply_migrations, create_pool, ensure_database, migrations_dir, with_database
from kaiku_runtime.settings import DEFAULT_SERVER_URL, database_name

from kaiku_portal.domain.accounts import AccountError, check_new_account
from kaiku_portal.service.accounts import Accounts

app = typer_app(name="portal", no_args_is_help=True)


class PortalRole(StrEnum):
    """The roles a portal account may have (domain/staff.py PORTAL_ROLES; a test keeps them equal)."""

    NATIONAL = Role.NATIONAL.value
    REGION_ADMIN = Role.REGION_ADMIN.value
    DISTRIBUTOR = Role.DISTRIBUTOR.value
    VENUE = Role.VENUE.value


@app.callback()
def _portal(version: VersionOption = False) -> None:
    """Staff portal tools: people's accounts and the portal's database."""


DatabaseOption = Annotated[
    str | None,
    typer.Option(
        help="The portal's database (default: kaiku_portal on the local server).",
        envvar="KAIKU_DATABASE_URL",
        show_default=False,
    ),
]


def _database_url(given: str | None) -> str:
    return given or with_database(DEFAULT_SERVER_URL, database_name("portal"))


def _password(password_stdin: bool, no_password: bool) -> str | None:
    if no_password:
        return None
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    from_env = os.environ.get("KAIKU_PORTAL_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError(None, "the passwords differ")
    return first


async def _migrate(url: str) -> None:
    await ensure_database(url)
    await asyncio.to_thread(apply_migrations, url, migrations_dir("portal"))


async def _add_user(
    url: str, username: str, password: str | None, role: Role, region: str | None, org: str | None
) -> str:
    await _migrate(url)
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        person = await Accounts(pool).create(username, password, role, region, org)
    finally:
        await pool.close()
    return person.account_id


@app.command("add-user")
def add_user(
    username: Annotated[str, typer.Option(help="Lower case, 3-64 characters.", show_default=False)],
    role: Annotated[PortalRole, typer.Option(help="The person's role.", show_default=False)],
    region: Annotated[
        str | None, typer.Option(help="Region id (region_admin, distributor, venue).", show_default=False)
    ] = None,
    org: Annotated[
        str | None, typer.Option(help="The distributor or venue id (distributor, venue).", show_default=False)
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password: the person signs in through the OIDC provider.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Create a person's account. The password comes from the prompt, --password-stdin or
    $KAIKU_PORTAL_PASSWORD, never from the command line (where `ps` would show it)."""
    if password_stdin and no_password:
        typer.echo("give --password-stdin or --no-password, not both", err=True)
        raise typer.Exit(2)
    as_role = Role(role.value)
    try:
        password = _password(password_stdin, no_password)
        check_new_account(username, password, as_role, region, org)
        account_id = asyncio.run(_add_user(_database_url(database_url), username, password, as_role, region, org))
    except AccountError as exc:
        typer.echo(f"not created: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {username} ({role.value}) account_id={account_id}")


@app.command()
def migrate(database_url: DatabaseOption = None) -> None:
    """Create and migrate the portal's database."""
    asyncio.run(_migrate(_database_url(database_url)))
    typer.echo("portal: migrations applied")


def main() -> None:
    """`kaiku-portal`: the same commands as `kaiku portal`."""
    run_app(app, "kaiku-portal")
