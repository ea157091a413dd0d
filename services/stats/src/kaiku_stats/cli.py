"""`kaiku-stats`: operations of the stats service.

    kaiku-stats rebuild    drop the projections and replay both topics from the beginning

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
    args = parser.parse_args(argv)

    from kaiku_runtime.logging import configure_logging

    from kaiku_stats.rebuild import REBUILD_BATCH, rebuild

    configure_logging("stats-rebuild", settings.log_level)
    print("rebuilding the stats projections (the stats service must be stopped)...", flush=True)
    result = asyncio.run(rebuild(args.database_url, args.bootstrap, batch_size=args.batch_size or REBUILD_BATCH))
    print(
        f"replayed {result.records} records in {result.seconds:.1f} s ({result.rate:,.0f} records/s);"
        f" {result.undecodable} undecodable records skipped (already dead-lettered)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
