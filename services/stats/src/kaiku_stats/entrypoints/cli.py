"""`kaiku-stats`: operations of the stats service.

    kaiku-stats rebuild                          drop the projections and replay both topics from the beginning
    kaiku-stats audit-disclosure --year YYYY     audit the year's published holder breakdowns (exit 1 on a breach)

Stop the service first, rebuild, then start it again (docs/stats.md "Rebuild").
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from kaiku_runtime.db import with_database
from kaiku_runtime.settings import DEFAULT_SERVER_URL, database_name

from kaiku_stats.settings import StatsSettings


def main(argv: list[str] | None = None) -> int:
    settings = StatsSettings()
    parser = argparse.ArgumentParser(prog="kaiku-stats", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rebuild_cmd = commands.add_parser("rebuild", help="drop the projections and replay the topics from the beginning")
    rebuild_cmd.add_argument(
        "--database-url",
        default=settings.database_url or with_database(DEFAULT_SERVER_URL, database_name("stats")),
        help="the stats database (default: KAIKU_DATABASE_URL)",
    )
    rebuild_cmd.add_argument(
        "--bootstrap", default=settings.kafka_bootstrap, help="Kafka bootstrap (default: KAIKU_KAFKA_BOOTSTRAP)"
    )
    rebuild_cmd.add_argument("--batch-size", type=int, help="events per transaction (default 5000)")
    audit_cmd = commands.add_parser(
        "audit-disclosure", help="the narrowest interval per published table of a year; exit 1 on a breach"
    )
    audit_cmd.add_argument("--year", type=int, required=True)
    audit_cmd.add_argument(
        "--database-url",
        default=settings.database_url or with_database(DEFAULT_SERVER_URL, database_name("stats")),
        help="the stats database (default: KAIKU_DATABASE_URL)",
    )
    args = parser.parse_args(argv)
    if args.command == "audit-disclosure":
        return asyncio.run(audit_disclosure(args.database_url, args.year, settings.stats_suppression_k))

    from kaiku_runtime.logging import configure_logging

    from kaiku_stats.service.rebuild import REBUILD_BATCH, rebuild

    configure_logging("stats-rebuild", settings.log_level)
    print("rebuilding the stats projections (the stats service must be stopped)...", flush=True)
    result = asyncio.run(rebuild(args.database_url, args.bootstrap, batch_size=args.batch_size or REBUILD_BATCH))
    print(
        f"replayed {result.records} records in {result.seconds:.1f} s ({result.rate:,.0f} records/s);"
        f" {result.undecodable} undecodable records skipped (already dead-lettered)",
        flush=True,
    )
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
