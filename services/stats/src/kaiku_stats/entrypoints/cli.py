"""`kaiku stats` (also `kaiku-stats`): operations of the stats service.

    kaiku stats rebuild                          drop the projections and replay both topics from the beginning
    kaiku stats audit-disclosure --year YYYY     audit the year's published holder breakdowns (exit 1 on a breach)

Stop the service first, rebuild, then start it again (docs/stats.md "Rebuild").
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from kaiku_runtime.cli import VersionOption, run_app, typer_app
from kaiku_runtime.db import with_database
from kaiku_runtime.settings import DEFAULT_KAFKA_BOOTSTRAP, DEFAULT_SERVER_URL, database_name

from kaiku_stats.settings import StatsSettings

app = typer_app(name="stats", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        help="The stats database (default: kaiku_stats on the local server).",
        envvar="KAIKU_DATABASE_URL",
        show_default=False,
    ),
]


def _database(url: str | None) -> str:
    return url or with_database(DEFAULT_SERVER_URL, database_name("stats"))


@app.callback()
def _stats(version: VersionOption = False) -> None:
    """Stats operations: rebuild the projections, audit the published breakdowns."""


@app.command()
def rebuild(
    database_url: DatabaseOption = None,
    bootstrap: Annotated[
        str, typer.Option(help="Kafka bootstrap servers (host:port).", envvar="KAIKU_KAFKA_BOOTSTRAP")
    ] = DEFAULT_KAFKA_BOOTSTRAP,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Events per transaction (default 5000).")] = None,
) -> None:
    """Drop the projections and replay the topics from the beginning, with progress (the service stopped)."""
    from kaiku_runtime.logging import configure_logging
    from kaiku_runtime.progress import progress

    from kaiku_stats.service.rebuild import REBUILD_BATCH, rebuild

    settings = StatsSettings()
    configure_logging("stats-rebuild", settings.log_level)
    typer.echo("rebuilding the stats projections (the stats service must be stopped)...")
    with progress("events", description="replaying") as shown:
        result = asyncio.run(
            rebuild(_database(database_url), bootstrap, batch_size=batch_size or REBUILD_BATCH, progress=shown.update)
        )
    typer.echo(
        f"replayed {result.records} records in {result.seconds:.1f} s ({result.rate:,.0f} records/s);"
        f" {result.undecodable} undecodable records skipped (already dead-lettered)"
    )


@app.command("audit-disclosure")
def audit_disclosure_command(
    year: Annotated[int, typer.Option(help="The year whose published tables to audit.", show_default=False)],
    database_url: DatabaseOption = None,
) -> None:
    """The narrowest interval per published table of a year; exit 1 on a breach."""
    settings = StatsSettings()
    raise typer.Exit(asyncio.run(audit_disclosure(_database(database_url), year, settings.stats_suppression_k)))


async def audit_disclosure(url: str, year: int, k: int) -> int:
    """Publish the year as the service does, audit it with every linking sum, print the narrowest cell per table."""
    from kaiku_runtime.db import create_pool

    from kaiku_stats.domain.disclosure import audit
    from kaiku_stats.service.protection import protected_year

    pool = await create_pool(url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            published = await protected_year(conn, year, k)
    finally:
        await pool.close()
    breached = 0
    print(f"disclosure audit of {year}, k = {k}: narrowest interval of a suppressed cell per published table")
    for name, tables, sums in published.tables():
        narrowest: dict[tuple[str, str], tuple[int, int, int, str]] = {}
        for cell in audit(tables, sums):
            assert isinstance(cell.table, tuple)
            if cell.table not in narrowest or cell.width < narrowest[cell.table][0]:
                narrowest[cell.table] = (cell.width, cell.low, cell.high, cell.group)
            breached += not cell.protected(k)
        for (place, period), (width, low, high, group) in sorted(narrowest.items()):
            print(f"  {name} {place or 'nation'} {period}: {group} in [{low}, {high}] (width {width})")
    print(f"{breached} suppressed cells narrower than required" if breached else "no breach")
    return 1 if breached else 0


def main() -> None:
    """`kaiku-stats`: the same commands as `kaiku stats`."""
    run_app(app, "kaiku-stats")


if __name__ == "__main__":
    main()
