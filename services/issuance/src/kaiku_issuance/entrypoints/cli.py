"""`kaiku issuance` (also `kaiku-issuance`): command-line tools for distributors and regional coordinators.

`kaiku issuance import-cards FILE` enters a file of paper transfer forms (CSV or XLSX) through
`POST /v1/imports/cards`, a chunk of rows at a time, showing progress as it goes (kaiku_runtime/
progress.py: a bar on a terminal, plain lines otherwise) and the rejected rows at the end (row numbers
as the spreadsheet shows them).

`kaiku issuance identity-codes [--revoke]` lists the stored cards whose code holds a personal identity
code, without printing it, and revokes them as issued in error with `--revoke` (kaiku_issuance/service/
identity_codes.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from kaiku_runtime.cli import VersionOption, run_app, typer_app
from kaiku_runtime.db import create_pool, with_database
from kaiku_runtime.progress import progress
from kaiku_runtime.settings import DEFAULT_SERVER_URL, database_name
from kaiku_runtime.tabular import Row, TableError, read_table

from kaiku_issuance.domain.paper_form import COLUMNS, HEADER_ALIASES, check_columns
from kaiku_issuance.service.identity_codes import cards_with_identity_codes, revoke_identity_codes

DEFAULT_URL = "http://127.0.0.1:8001"
SHOWN_REJECTIONS = 50

app = typer_app(name="issuance", no_args_is_help=True)


@app.callback()
def _issuance(version: VersionOption = False) -> None:
    """Issuance tools: paper transfer forms in bulk, stored personal identity codes."""


def _chunk_csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.values.get(c, "") for c in COLUMNS])
    return out.getvalue().encode()


@app.command("import-cards")
def import_cards(
    file: Annotated[
        Path, typer.Argument(help="CSV or XLSX, one row per card, a header row naming the columns.", show_default=False)
    ],
    distributor: Annotated[
        str | None, typer.Option(help="Whose cards (default: the distributor of the token).", show_default=False)
    ] = None,
    branch: Annotated[str | None, typer.Option(help="The branch the forms came from.", show_default=False)] = None,
    url: Annotated[
        str, typer.Option(help="The issuance service's base URL.", envvar="KAIKU_ISSUANCE_URL")
    ] = DEFAULT_URL,
    token: Annotated[
        str | None,
        typer.Option(help="Bearer token (e.g. `kaiku token --role distributor ...`).", envvar="KAIKU_TOKEN"),
    ] = None,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows per request.")] = 1000,
    report: Annotated[
        Path | None, typer.Option(help="Write every row's outcome to this CSV file.", show_default=False)
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row, record nothing.")] = False,
) -> None:
    """Enter paper transfer forms (CSV or XLSX) with progress; exit 1 when some rows were rejected."""
    if not token:
        typer.echo("give --token or set KAIKU_TOKEN (e.g. `kaiku token --role distributor ...`)", err=True)
        raise typer.Exit(2)
    path = file
    try:
        rows = list(read_table(path.read_bytes(), HEADER_ALIASES))
    except (OSError, TableError) as exc:
        typer.echo(f"{path}: {exc}", err=True)
        raise typer.Exit(2) from None
    if rows:
        problem = check_columns(list(rows[0].values)).refusal
        if problem is not None:
            typer.echo(f"{path}: {problem.detail}", err=True)
            raise typer.Exit(2)
    params = {k: v for k, v in (("distributor_id", distributor), ("branch_id", branch)) if v}
    if dry_run:
        params["dry_run"] = "true"
    outcomes: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    started = time.monotonic()
    typer.echo(f"{path.name}: {len(rows)} rows, sending {chunk_rows} at a time to {url}")
    with (
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http,
        progress("rows", total=len(rows), description=path.name) as shown,
    ):
        for start in range(0, len(rows), chunk_rows):
            chunk = rows[start : start + chunk_rows]
            response = http.post(
                "/v1/imports/cards",
                params=params,
                files={"file": (f"{path.stem}-{start}.csv", _chunk_csv(chunk), "text/csv")},
            )
            if response.status_code != 200:
                typer.echo(f"\nrefused ({response.status_code}): {response.text}", err=True)
                raise typer.Exit(2)
            for answered in response.json()["rows"]:
                # the chunk's row n is the file's row chunk[n - 2] (the chunk has its own header row)
                answered["row"] = chunk[answered["row"] - 2].number
                counts[answered["status"]] += 1
                outcomes.append(answered)
            again = counts["already_recorded"]
            shown.update(
                start + len(chunk),
                note=f"{counts['accepted']} accepted"
                + (f", {again} already recorded" if again else "")
                + f", {counts['rejected']} rejected",
            )
    rejected = [r for r in outcomes if r["status"] == "rejected"]
    for r in rejected[:SHOWN_REJECTIONS]:
        typer.echo(f"  row {r['row']}: {r['card_code'] or '-'}: {r['reason']}: {r['detail']}")
    if len(rejected) > SHOWN_REJECTIONS:
        typer.echo(f"  ... and {len(rejected) - SHOWN_REJECTIONS} more rejected rows (see --report)")
    if report is not None:
        with report.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, ["row", "card_code", "status", "reason", "detail"], extrasaction="ignore")
            writer.writeheader()
            writer.writerows(outcomes)
        typer.echo(f"report: {report}")
    typer.echo(
        ("dry run (nothing recorded) " if dry_run else "")
        + f"done in {time.monotonic() - started:.1f} s: {counts['accepted']} accepted,"
        f" {counts['already_recorded']} already recorded, {counts['rejected']} rejected"
    )
    if rejected:
        raise typer.Exit(1)


@app.command("identity-codes")
def identity_codes(
    database_url: Annotated[
        str | None,
        typer.Option(
            help="The issuance database (default: kaiku_issuance on the local server).",
            envvar="KAIKU_DATABASE_URL",
            show_default=False,
        ),
    ] = None,
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke them as issued_in_error.")] = False,
) -> None:
    """Stored card codes holding a personal identity code (§11), never shown; exit 1 while some are unrevoked."""
    url = database_url or with_database(DEFAULT_SERVER_URL, database_name("issuance"))
    raise typer.Exit(asyncio.run(_report_identity_codes(url, revoke)))


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
    typer.echo(f"{len(found)} stored card codes hold a personal identity code (the codes are not shown, §11)")
    for _, card in found:
        state = f"revoked {card.revoked_on}" if card.revoked_on else ("revoked now" if revoke else "valid")
        where = f"{card.region_id} / {card.distributor_id}" + (f" / {card.branch_id}" if card.branch_id else "")
        typer.echo(f"  {where}: granted {card.issued_on}, {state}")
    if revoke:
        typer.echo(f"{revoked} revoked as issued_in_error; the distributors grant their holders new cards")
        return 0
    if open_codes:
        typer.echo("run again with --revoke to revoke them as issued_in_error")
        return 1
    return 0


def main() -> None:
    """`kaiku-issuance`: the same commands as `kaiku issuance`."""
    run_app(app, "kaiku-issuance")


if __name__ == "__main__":
    main()
