"""`kaiku-portal`: create staff accounts and migrate the portal's database.

    kaiku-portal add-user --username maija.clerk --role venue --region R1 --org V1
The password is read from the prompt, from standard input with `--password-stdin`, or from
`KAIKU_PORTAL_PASSWORD`; it never appears on the command line (where `ps` would show it). With
`--no-password` the person signs in only through their organisation's OIDC provider.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from kaiku_runtime.auth import Role
from kaiku_runtime.db import apply_migrations, create_pool, ensure_database, migrations_dir, with_database
from kaiku_runtime.settings import DEFAULT_SERVER_URL, database_name

from kaiku_portal.domain.accounts import AccountError, check_new_account
from kaiku_portal.domain.staff import PORTAL_ROLES
from kaiku_portal.service.accounts import Accounts


def _database_url() -> str:
    return os.environ.get("KAIKU_DATABASE_URL") or with_database(DEFAULT_SERVER_URL, database_name("portal"))


def _password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
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


async def _add_user(args: argparse.Namespace, password: str | None) -> str:
    url = _database_url()
    await _migrate(url)
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        person = await Accounts(pool).create(args.username, password, Role(args.role), args.region, args.org)
    finally:
        await pool.close()
    return person.account_id


def add_user(args: argparse.Namespace) -> int:
    try:
        password = _password(args)
        check_new_account(args.username, password, Role(args.role), args.region, args.org)
        account_id = asyncio.run(_add_user(args, password))
    except AccountError as exc:
        print(f"not created: {exc}", file=sys.stderr)
        return 2
    print(f"created {args.username} ({args.role}) account_id={account_id}")
    return 0


def migrate(_args: argparse.Namespace) -> int:
    asyncio.run(_migrate(_database_url()))
    print("portal: migrations applied")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaiku-portal", description="Kaikukortti staff portal tools")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="create a person's account (KAIKU_DATABASE_URL = the portal's database)")
    add.add_argument("--username", required=True, help="lower case, 3-100 characters")
    add.add_argument("--role", required=True, choices=[r.value for r in PORTAL_ROLES])
    add.add_argument("--region", help="region id (region_admin, distributor, venue)")
    add.add_argument("--org", help="the distributor or venue id (distributor, venue)")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    how.add_argument(
        "--no-password", action="store_true", help="no password: the person signs in through the OIDC provider"
    )
    add.set_defaults(func=add_user)
    mig = sub.add_parser("migrate", help="create and migrate the portal's database")
    mig.set_defaults(func=migrate)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
