"""`kaiku-issuance`: command-line tools for distributors and regional coordinators.

`kaiku-issuance import-cards FILE` enters a file of paper transfer forms (CSV or XLSX) through
`POST /v1/imports/cards`, a chunk of rows at a time, printing progress as it goes and the rejected
rows at the end (row numbers as the spreadsheet shows them).

`kaiku-issuance identity-codes [--revoke]` lists the stored cards whose code holds a personal identity
code, without printing it, and revokes them as issued in error with `--revoke` (kaiku_issuance/service/
identity_codes.py).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from kaiku_runtime.db import create_pool, with_database
from kaiku_runtime.settings import DEFAULT_SERVER_URL, ServiceSettings, database_name
from kaiku_runtime.tabular import Row, TableError, read_table

from kaiku_issuance.domain.paper_form import COLUMNS, HEADER_ALIASES, check_columns
from kaiku_issuance.service.identity_codes import cards_with_identity_codes, revoke_identity_codes

DEFAULT_URL = "http://127.0.0.1:8001"
SHOWN_REJECTIONS = 50


def _chunk_csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.values.get(c, "") for c in COLUMNS])
    return out.getvalue().encode()


def _import_cards(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get("KAIKU_TOKEN")
    if not token:
        print("give --token or set KAIKU_TOKEN (e.g. `kaiku token --role distributor ...`)", file=sys.stderr)
        return 2
    path = Path(args.file)
    try:
        rows = list(read_table(path.read_bytes(), HEADER_ALIASES))
    except (OSError, TableError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    if rows:
        problem = check_columns(list(rows[0].values)).refusal
        if problem is not None:
            print(f"{path}: {problem.detail}", file=sys.stderr)
            return 2
    params = {k: v for k, v in (("distributor_id", args.distributor), ("branch_id", args.branch)) if v}
    if args.dry_run:
        params["dry_run"] = "true"
    report: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    started = time.monotonic()
    print(f"{path.name}: {len(rows)} rows, sending {args.chunk_rows} at a time to {args.url}")
    with httpx.Client(base_url=args.url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        for start in range(0, len(rows), args.chunk_rows):
            chunk = rows[start : start + args.chunk_rows]
            response = http.post(
                "/v1/imports/cards",
                params=params,
                files={"file": (f"{path.stem}-{start}.csv", _chunk_csv(chunk), "text/csv")},
            )
            if response.status_code != 200:
                print(f"\nrefused ({response.status_code}): {response.text}", file=sys.stderr)
                return 2
            for answered in response.json()["rows"]:
                # the chunk's row n is the file's row chunk[n - 2] (the chunk has its own header row)
                answered["row"] = chunk[answered["row"] - 2].number
                counts[answered["status"]] += 1
                report.append(answered)
            done = start + len(chunk)
            print(
                f"  {done:>7}/{len(rows)} rows ({100 * done // max(len(rows), 1):3d} %)  accepted {counts['accepted']}"
                f"  already recorded {counts['already_recorded']}  rejected {counts['rejected']}"
                f"  {time.monotonic() - started:.1f} s",
                flush=True,
            )
    rejected = [r for r in report if r["status"] == "rejected"]
    for r in rejected[:SHOWN_REJECTIONS]:
        print(f"  row {r['row']}: {r['card_code'] or '-'}: {r['reason']}: {r['detail']}")
    if len(rejected) > SHOWN_REJECTIONS:
        print(f"  ... and {len(rejected) - SHOWN_REJECTIONS} more rejected rows (see --report)")
    if args.report:
        with Path(args.report).open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, ["row", "card_code", "status", "reason", "detail"], extrasaction="ignore")
            writer.writeheader()
            writer.writerows(report)
        print(f"report: {args.report}")
    print(
        ("dry run (nothing recorded) " if args.dry_run else "")
        + f"done in {time.monotonic() - started:.1f} s: {counts['accepted']} accepted,"
        f" {counts['already_recorded']} already recorded, {counts['rejected']} rejected"
    )
    return 1 if rejected else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaiku-issuance", description="Kaikukortti issuance tools")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-cards", help="enter paper transfer forms (CSV or XLSX) with progress")
    imp.add_argument("file", help="CSV or XLSX, one row per card, a header row naming the columns")
    imp.add_argument("--distributor", help="whose cards (default: the distributor of the token)")
    imp.add_argument("--branch", help="the branch the forms came from")
    imp.add_argument("--url", default=os.environ.get("KAIKU_ISSUANCE_URL", DEFAULT_URL), help="issuance base URL")
    imp.add_argument("--token", help="bearer token (default: $KAIKU_TOKEN)")
    imp.add_argument("--chunk-rows", type=int, default=1000, help="rows per request (default 1000)")
    imp.add_argument("--report", help="write every row's outcome to this CSV file")
    imp.add_argument("--dry-run", action="store_true", help="check every row, record nothing")
    imp.set_defaults(func=_import_cards)
    ids = sub.add_parser("identity-codes", help="stored card codes holding a personal identity code (§11)")
    ids.add_argument(
        "--database-url",
        default=ServiceSettings().database_url or with_database(DEFAULT_SERVER_URL, database_name("issuance")),
        help="the issuance database (default: KAIKU_DATABASE_URL)",
    )
    ids.add_argument("--revoke", action="store_true", help="revoke them as issued_in_error")
    ids.set_defaults(func=_identity_codes)
    return parser


def _identity_codes(args: argparse.Namespace) -> int:
    return asyncio.run(_report_identity_codes(args.database_url, args.revoke))


async def _report_identity_codes(database_url: str, revoke: bool) -> int:
    """Print the cards (and revoke them with `revoke`); exit code 1 while unrevoked ones remain."""
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            found = await cards_with_identity_codes(conn)
            open_codes = [code for code, card in found if card.revoked_on is None]
            revoked = await revoke_identity_codes(conn, open_codes) if revoke and open_codes else 0
    finally:
        await pool.close()
    print(f"{len(found)} stored card codes hold a personal identity code (the codes are not shown, §11)")
    for _, card in found:
        state = f"revoked {card.revoked_on}" if card.revoked_on else ("revoked now" if revoke else "valid")
        where = f"{card.region_id} / {card.distributor_id}" + (f" / {card.branch_id}" if card.branch_id else "")
        print(f"  {where}: granted {card.issued_on}, {state}")
    if revoke:
        print(f"{revoked} revoked as issued_in_error; the distributors grant their holders new cards")
        return 0
    if open_codes:
        print("run again with --revoke to revoke them as issued_in_error")
        return 1
    return 0


def main(argv: list[str] | None = None) -> None:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
