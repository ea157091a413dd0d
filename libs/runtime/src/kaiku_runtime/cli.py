"""`kaiku`: the command-line tool (serve a service, readiness probe, dev tokens, dev stack, migrations, topics).

`serve` and `ready` are what an image runs (the root Dockerfile); `dev` needs the development kit
(kaiku-devkit), which production images do not carry.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
from pathlib import Path

from kaiku_runtime.auth import Role, issue_token
from kaiku_runtime.settings import DEFAULT_KAFKA_BOOTSTRAP, DEV_JWT_SECRET, SERVICE_PORTS

SERVICES = ("issuance", "usage", "stats", "portal")


def _token(args: argparse.Namespace) -> int:
    role = Role(args.role)
    secret = os.environ.get("KAIKU_JWT_SECRET", DEV_JWT_SECRET)
    sub = args.sub or f"dev-{role.value}"
    print(issue_token(secret, role=role, sub=sub, region=args.region, org=args.org, ttl_seconds=args.hours * 3600))
    return 0


def _dev(_args: argparse.Namespace) -> int:
    try:
        from kaiku_devkit.devstack import run
    except ImportError:
        print(
            "`kaiku dev` needs the development kit (kaiku-devkit): run `make run` from a clone of the repository",
            file=sys.stderr,
        )
        return 2
    return run(Path(".kaiku"))


def _service_name(given: str | None) -> str | None:
    name = given or os.environ.get("KAIKU_SERVICE")
    if name not in SERVICES:
        print(f"name the service: one of {', '.join(SERVICES)} (or set KAIKU_SERVICE)", file=sys.stderr)
        return None
    return name


def service_port(service: str) -> int:
    """The port a service listens on: $KAIKU_PORT, else its own (the one the dev stack and deploy/ use)."""
    return int(os.environ.get("KAIKU_PORT") or SERVICE_PORTS[service])


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    name = _service_name(args.service)
    if name is None:
        return 2
    # proxy headers: the platform runs behind an ingress that terminates TLS (deploy/README.md); open
    # requests get 20 s to finish, inside Docker's and Kubernetes' default 30 s stop grace period
    uvicorn.run(
        f"kaiku_{name}.app:app",
        host=args.host,
        port=args.port or service_port(name),
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
    return 0


def _ready(args: argparse.Namespace) -> int:
    """The image's HEALTHCHECK: 0 when /health/ready answers 200 on this container's port."""
    import httpx

    port = args.port
    if port is None:
        name = _service_name(args.service)
        if name is None:
            return 2
        port = service_port(name)
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=3)
    except httpx.HTTPError as exc:
        print(f"not ready: {type(exc).__name__}", file=sys.stderr)
        return 1
    if answer.status_code != 200:
        print(f"not ready: {answer.text}", file=sys.stderr)
        return 1
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from kaiku_runtime.db import apply_migrations, ensure_database, migrations_dir

    url = os.environ.get("KAIKU_DATABASE_URL")
    if not url:
        print("set KAIKU_DATABASE_URL to the service's own database", file=sys.stderr)
        return 2
    asyncio.run(ensure_database(url))
    applied = apply_migrations(url, migrations_dir(args.service))
    print(f"{args.service}: {applied} migration(s) applied")
    return 0


def _topics(_args: argparse.Namespace) -> int:
    from kaiku_runtime.topics import create_topics

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

    serve = sub.add_parser("serve", help="run one service (what an image runs)")
    serve.add_argument("service", nargs="?", help="issuance, usage, stats or portal (default $KAIKU_SERVICE)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port (default $KAIKU_PORT, else the service's own)")
    serve.set_defaults(func=_serve)

    ready = sub.add_parser("ready", help="exit 0 when the service on this machine is ready (the image's health check)")
    ready.add_argument("service", nargs="?", help="whose port to probe (default $KAIKU_SERVICE)")
    ready.add_argument("--port", type=int, help="port (default $KAIKU_PORT, else the service's own)")
    ready.set_defaults(func=_ready)

    dev = sub.add_parser("dev", help="run the whole platform locally (what `make run` does)")
    dev.set_defaults(func=_dev)

    migrate = sub.add_parser("migrate", help="apply a service's migrations to KAIKU_DATABASE_URL")
    migrate.add_argument("service", choices=SERVICES)
    migrate.set_defaults(func=_migrate)

    topics = sub.add_parser("topics", help="create the topics on KAIKU_KAFKA_BOOTSTRAP")
    topics.set_defaults(func=_topics)
    return parser


def main(argv: list[str] | None = None) -> None:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows at once, also when piped to a file
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
