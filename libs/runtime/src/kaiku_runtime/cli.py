"""`kaiku`: the command-line tool (dev tokens, dev stack, migrations, topics)."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
from pathlib import Path

from kaiku_runtime.auth import Role, issue_token
from kaiku_runtime.settings import DEFAULT_KAFKA_BOOTSTRAP, DEV_JWT_SECRET


def _token(args: argparse.Namespace) -> int:
    role = Role(args.role)
    secret = os.environ.get("KAIKU_JWT_SECRET", DEV_JWT_SECRET)
    sub = args.sub or f"dev-{role.value}"
    print(issue_token(secret, role=role, sub=sub, region=args.region, org=args.org, ttl_seconds=args.hours * 3600))
    return 0


def _dev(_args: argparse.Namespace) -> int:
    from kaiku_runtime.devstack import run

    return run(Path(".kaiku"))


def _migrate(args: argparse.Namespace) -> int:
    from kaiku_runtime.db import apply_migrations, ensure_database
    from kaiku_runtime.devstack import migrations_dir

    url = os.environ.get("KAIKU_DATABASE_URL")
    if not url:
        print("set KAIKU_DATABASE_URL to the service's own database", file=sys.stderr)
        return 2
    asyncio.run(ensure_database(url))
    applied = apply_migrations(url, migrations_dir(args.service))
    print(f"{args.service}: {applied} migration(s) applied")
    return 0


def _topics(_args: argparse.Namespace) -> int:
    from kaiku_runtime.infra import create_topics

    bootstrap = os.environ.get("KAIKU_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)
    asyncio.run(create_topics(bootstrap))
    print(f"topics ready on {bootstrap}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaiku", description="Kaikukortti platform tools")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="print a development JWT (HS256 with KAIKU_JWT_SECRET)")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--region", help="region id (region_admin, distributor, venue)")
    token.add_argument("--org", help="distributor, venue or agency id")
    token.add_argument("--sub", help="subject: who acts (default dev-<role>)")
    token.add_argument("--hours", type=int, default=8, help="lifetime in hours (default 8)")
    token.set_defaults(func=_token)

    dev = sub.add_parser("dev", help="run the whole platform locally (what `make run` does)")
    dev.set_defaults(func=_dev)

    migrate = sub.add_parser("migrate", help="apply a service's migrations to KAIKU_DATABASE_URL")
    migrate.add_argument("service", choices=["issuance", "usage", "stats", "portal"])
    migrate.set_defaults(func=_migrate)

    topics = sub.add_parser("topics", help="create the topics on KAIKU_KAFKA_BOOTSTRAP")
    topics.set_defaults(func=_topics)
    return parser


def main(argv: list[str] | None = None) -> None:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows at once, also when piped to a file
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
