"""`kaiku`: the command-line tool (serve a service, readiness probe, dev tokens, dev stack, migrations,
topics, JSON Schemas) and, under `kaiku <service>`, each installed service's own commands.

`serve` and `ready` are what an image runs (the root Dockerfile); `dev` needs the development kit
(kaiku-devkit), which production images do not carry. A service offers its commands as a `typer.Typer`
in the entry-point group `kaiku.commands` (its pyproject.toml), so this module imports no service and an
image's `kaiku` shows only its own service's commands. The old per-service scripts (`kaiku-issuance`,
`kaiku-stats`, `kaiku-portal`, `kaiku-schemas`) run the same apps.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from enum import StrEnum
from importlib.metadata import EntryPoint, PackageNotFoundError, distributions, entry_points
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from kaiku_runtime.auth import Role, issue_token
from kaiku_runtime.settings import DEFAULT_KAFKA_BOOTSTRAP, DEV_JWT_SECRET, SERVICE_PORTS

SERVICES = ("issuance", "usage", "stats", "portal")
COMMANDS_GROUP = "kaiku.commands"
"""Entry-point group of the services' command groups: `name = "module:typer_app"` mounts `kaiku name`."""


class Service(StrEnum):
    ISSUANCE = "issuance"
    USAGE = "usage"
    STATS = "stats"
    PORTAL = "portal"


def service_commands() -> dict[str, EntryPoint]:
    """The installed services' command groups, by name (not loaded)."""
    return {ep.name: ep for ep in entry_points(group=COMMANDS_GROUP)}


def typer_app(**options: Any) -> typer.Typer:
    """A Typer app as every kaiku command uses it: -h as well as --help, and plain tracebacks (typer's
    pretty ones may show local variables, such as a database URL with its password or a token)."""
    options.setdefault("context_settings", {"help_option_names": ["-h", "--help"]})
    return typer.Typer(pretty_exceptions_enable=False, add_completion=False, **options)


class KaikuGroup(TyperGroup):
    """kaiku's own commands, then each installed service's group, imported only when named (or on --help).

    (`Any`: typer carries its own copy of click's types, and these methods only pass them through.)
    """

    def list_commands(self, ctx: Any) -> list[str]:
        own = super().list_commands(ctx)
        return own + sorted(name for name in service_commands() if name not in own)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        entry = service_commands().get(cmd_name)
        if entry is None:
            return None
        loaded = entry.load()
        if not isinstance(loaded, typer.Typer):
            raise TypeError(f"entry point {entry.value} ({COMMANDS_GROUP}) is not a typer.Typer")
        command = typer.main.get_command(loaded)
        command.name = cmd_name
        return command


def versions() -> str:
    """`kaiku 0.1.0 (kaiku-contracts 0.1.0, kaiku-issuance 0.1.0, ...)`: this tool and the installed parts."""
    try:
        own = package_version("kaiku-runtime")
    except PackageNotFoundError:  # run from a source tree without installing
        own = "unknown"
    parts = sorted(
        {
            f"{d.metadata['Name']} {d.version}"
            for d in distributions()
            if (d.metadata["Name"] or "").startswith("kaiku-") and d.metadata["Name"] != "kaiku-runtime"
        }
    )
    return f"kaiku {own}" + (f" ({', '.join(parts)})" if parts else "")


def show_version(value: bool) -> None:
    """The eager `--version` option's callback (kaiku's and the per-service scripts')."""
    if value:
        typer.echo(versions())
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option("--version", callback=show_version, is_eager=True, help="Print the version and exit."),
]

app = typer_app(
    name="kaiku",
    cls=KaikuGroup,
    no_args_is_help=True,
)


@app.callback()
def _root(version: VersionOption = False) -> None:
    """Kaikukortti platform tools: run and probe a service, development tokens and stack, migrations,
    topics, JSON Schemas, and each installed service's own commands (`kaiku <service> --help`).

    An option read from an environment variable names it in its help ([env var: ...])."""


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="The role the token carries.", show_default=False)],
    region: Annotated[str | None, typer.Option(help="Region id (region_admin, distributor, venue).")] = None,
    org: Annotated[str | None, typer.Option(help="Distributor, venue or agency id.")] = None,
    sub: Annotated[str | None, typer.Option(help="Subject: who acts (default dev-<role>).")] = None,
    hours: Annotated[int, typer.Option(min=1, help="Lifetime in hours.")] = 8,
) -> None:
    """Print a development JWT (HS256, signed with $KAIKU_JWT_SECRET, else the published dev secret)."""
    # the secret is read from the environment only: on the command line `ps` would show it
    secret = os.environ.get("KAIKU_JWT_SECRET", DEV_JWT_SECRET)
    typer.echo(
        issue_token(secret, role=role, sub=sub or f"dev-{role.value}", region=region, org=org, ttl_seconds=hours * 3600)
    )


@app.command()
def dev(
    workdir: Annotated[
        Path, typer.Option(help="Where the embedded broker's and PostgreSQL's data and the services' logs go.")
    ] = Path(".kaiku"),
) -> None:
    """Run the whole platform locally (what `make run` does), each part reported as it becomes ready.

    Uses the broker at $KAIKU_KAFKA_BOOTSTRAP and the PostgreSQL server at $KAIKU_DATABASE_URL when set,
    else starts embedded ones.
    """
    try:
        from kaiku_devkit.devstack import run
    except ImportError:
        typer.echo(
            "`kaiku dev` needs the development kit (kaiku-devkit): run `make run` from a clone of the repository",
            err=True,
        )
        raise typer.Exit(2) from None
    raise typer.Exit(run(workdir))


def _service_name(given: str | None) -> str | None:
    name = given or os.environ.get("KAIKU_SERVICE")
    if name not in SERVICES:
        typer.echo(f"name the service: one of {', '.join(SERVICES)} (or set KAIKU_SERVICE)", err=True)
        return None
    return name


def service_port(service: str) -> int:
    """The port a service listens on: $KAIKU_PORT, else its own (the one the dev stack and deploy/ use)."""
    return int(os.environ.get("KAIKU_PORT") or SERVICE_PORTS[service])


ServiceArgument = Annotated[
    str | None,
    typer.Argument(
        help="issuance, usage, stats or portal.", envvar="KAIKU_SERVICE", show_default=False, metavar="SERVICE"
    ),
]
PortOption = Annotated[
    int | None,
    typer.Option(
        help="Port (default: the service's own: portal 8000, issuance 8001, usage 8002, stats 8003).",
        envvar="KAIKU_PORT",
        show_default=False,
    ),
]


@app.command()
def serve(
    service: ServiceArgument = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "0.0.0.0",
    port: PortOption = None,
) -> None:
    """Run one service (what an image runs)."""
    import uvicorn

    name = _service_name(service)
    if name is None:
        raise typer.Exit(2)
    # proxy headers: the platform runs behind an ingress that terminates TLS (deploy/README.md); open
    # requests get 20 s to finish, inside Docker's and Kubernetes' default 30 s stop grace period
    uvicorn.run(
        f"kaiku_{name}.app:app",
        host=host,
        port=port or service_port(name),
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=20,
    )


@app.command()
def ready(service: ServiceArgument = None, port: PortOption = None) -> None:
    """Exit 0 when the service on this machine answers /health/ready (the image's health check)."""
    import httpx

    if port is None:
        name = _service_name(service)
        if name is None:
            raise typer.Exit(2)
        port = service_port(name)
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=3)
    except httpx.HTTPError as exc:
        typer.echo(f"not ready: {type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
    if answer.status_code != 200:
        typer.echo(f"not ready: {answer.text}", err=True)
        raise typer.Exit(1)


@app.command()
def migrate(
    service: Annotated[Service, typer.Argument(help="Whose migrations.", show_default=False)],
    database_url: Annotated[
        str | None,
        typer.Option(help="The service's own database.", envvar="KAIKU_DATABASE_URL", show_default=False),
    ] = None,
) -> None:
    """Create the service's database if missing and apply its migrations."""
    from kaiku_runtime.db import apply_migrations, ensure_database, migrations_dir

    if not database_url:
        typer.echo("set KAIKU_DATABASE_URL (or --database-url) to the service's own database", err=True)
        raise typer.Exit(2)
    asyncio.run(ensure_database(database_url))
    applied = apply_migrations(database_url, migrations_dir(service.value))
    typer.echo(f"{service.value}: {applied} migration(s) applied")


@app.command("move-region")
def move_region(
    service: Annotated[Service, typer.Argument(help="issuance or usage: whose rows move.", show_default=False)],
    regions: Annotated[str, typer.Option(help="The region ids that move (comma-separated).", show_default=False)],
    to_deployment: Annotated[
        str, typer.Option(help="The regional deployment that owns them from now on.", show_default=False)
    ],
    from_database: Annotated[
        str, typer.Option(help="The old owner's database of the service (stopped).", show_default=False)
    ],
    to_database: Annotated[
        str, typer.Option(help="The new owner's database of the service (stopped).", show_default=False)
    ],
    bootstrap: Annotated[
        str, typer.Option(help="Kafka bootstrap servers (host:port).", envvar="KAIKU_KAFKA_BOOTSTRAP")
    ] = DEFAULT_KAFKA_BOOTSTRAP,
) -> None:
    """Hand regions over to a regional deployment (deploy/README.md "Regional deployments"): with both
    deployments' service stopped, claim the regions for it, copy their rows into its database and delete
    them from the old one. Repeatable: a second run copies nothing twice."""
    from kaiku_runtime.db import apply_migrations, ensure_database, migrations_dir
    from kaiku_runtime.hand_over import claim_for, move_region, plan_of
    from kaiku_runtime.ownership import RegionClaimError
    from kaiku_runtime.regions import DeploymentConfigError, claim_from_settings
    from kaiku_runtime.settings import ServiceSettings

    if service not in (Service.ISSUANCE, Service.USAGE):
        typer.echo("only issuance and usage serve regions", err=True)
        raise typer.Exit(2)
    try:
        claim = claim_from_settings(to_deployment, regions)
    except DeploymentConfigError as exc:
        typer.echo(str(exc).replace("KAIKU_DEPLOYMENT", "--to-deployment").replace("KAIKU_REGIONS", "--regions"))
        raise typer.Exit(2) from None
    if claim.regions is None:
        typer.echo("--regions: name the regions that move", err=True)
        raise typer.Exit(2)
    settings = ServiceSettings(kafka_bootstrap=bootstrap, deployment=claim.deployment, regions=regions)
    try:
        asyncio.run(claim_for(settings, service.value))
    except RegionClaimError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    asyncio.run(ensure_database(to_database))
    apply_migrations(to_database, migrations_dir(service.value))
    moved = sorted(claim.regions)
    counts = asyncio.run(
        move_region(service.value, moved, source_url=from_database, target_url=to_database, plan=plan_of(service.value))
    )
    rows = ", ".join(f"{table} {count}" for table, count in counts.items())
    typer.echo(f"{service.value}: regions {', '.join(moved)} moved to deployment {claim.deployment} ({rows})")


@app.command()
def topics(
    bootstrap: Annotated[
        str, typer.Option(help="Kafka bootstrap servers (host:port).", envvar="KAIKU_KAFKA_BOOTSTRAP")
    ] = DEFAULT_KAFKA_BOOTSTRAP,
) -> None:
    """Create the platform's topics with their partitions and compaction."""
    from kaiku_runtime.topics import create_topics

    asyncio.run(create_topics(bootstrap))
    typer.echo(f"topics ready on {bootstrap}")


@app.command()
def schemas(
    check: Annotated[
        bool, typer.Option("--check", help="Rewrite nothing; exit 1 when a committed file is stale.")
    ] = False,
) -> None:
    """Write the events' JSON Schemas to contracts/schemas/ (generated from the models)."""
    from kaiku_contracts.schemas import write_schemas

    stale = write_schemas(check=check)
    if stale:
        typer.echo(f"stale JSON Schemas (run `make schemas`): {', '.join(stale)}", err=True)
        raise typer.Exit(1)


def parse_command(argv: list[str]) -> tuple[str, dict[str, Any]]:
    """The command `argv` names and its parameters, without running it (tests/deploy checks manifests with it)."""
    group = typer.main.get_group(app)
    root = typer.Context(group, info_name="kaiku")
    name, *rest = argv
    command = group.get_command(root, name)
    if command is None:
        raise LookupError(f"no such command: kaiku {name}")
    params: dict[str, Any] = command.make_context(name, rest, parent=root).params
    return name, params


def run_app(typer_app: typer.Typer, prog_name: str, argv: list[str] | None = None) -> None:
    """Run a command-line app (exits): `kaiku`, or a service's own script as `kaiku-<service>`."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows at once, also when piped to a file
    typer_app(args=argv, prog_name=prog_name)


def main(argv: list[str] | None = None) -> None:
    run_app(app, "kaiku", argv)


def schemas_main() -> None:
    """`kaiku-schemas [--check]`: the same as `kaiku schemas` (the Makefile's `make schemas`)."""
    alone = typer_app()
    alone.command()(schemas)
    run_app(alone, "kaiku-schemas")
