"""Entering paper transfer forms in bulk (§4.2: "must be entered into the register soon").

Reads the whole file first (nothing is recorded when the file itself is wrong, e.g. has a name
column), then grants the good rows in chunks: each chunk's cards and outbox events commit in one
transaction with one multi-row insert, so 10,000 rows take a few transactions, not 10,000. Each chunk's
commit wakes the relay.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kaiku_contracts.enums import RejectionReason
from kaiku_runtime.tabular import PARSE_SECONDS, Row, TableError, TableTooLargeError, read_table
from kaiku_runtime.unit_of_work import UnitOfWork

from kaiku_issuance.domain.cards import CardGrant
from kaiku_issuance.domain.paper_form import HEADER_ALIASES, check_columns, parse_row
from kaiku_issuance.domain.refusals import Refusal, RefusedError
from kaiku_issuance.service.cards import OutcomeStatus, issue_cards

CHUNK_ROWS = 2_000
MAX_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class ParsedRow:
    number: int
    card_code: str | None
    grant: CardGrant | None
    refusals: list[Refusal]


def parse_file(data: bytes, *, distributor_id: str, branch_id: str | None) -> list[ParsedRow]:
    """Every row of the file, checked against the form; raises RefusedError when the file as a whole is wrong."""
    try:
        rows: list[Row] = []
        # read with a deadline: the caller runs this in a worker thread (docs/issuance.md "Limits")
        deadline = time.monotonic() + PARSE_SECONDS
        for row in read_table(data, HEADER_ALIASES, max_rows=MAX_ROWS, deadline=deadline):
            if not rows:
                problem = check_columns(list(row.values)).refusal
                if problem is not None:
                    raise RefusedError(problem)
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise RefusedError(Refusal("file", f"at most {MAX_ROWS:,} rows per file; split it"))
    except TableTooLargeError as exc:
        raise RefusedError(Refusal("file", str(exc), RejectionReason.PAYLOAD_TOO_LARGE)) from None
    except TableError as exc:
        raise RefusedError(Refusal("file", f"{exc} (send CSV or XLSX with a header row)")) from None
    if not rows:
        raise RefusedError(Refusal("file", "no card rows under the header row (send CSV or XLSX, one row per card)"))
    parsed: list[ParsedRow] = []
    for row in rows:
        result = parse_row(row.values, distributor_id=distributor_id, branch_id=branch_id)
        code = (row.values.get("card_code") or "").strip().upper() or None
        if isinstance(result, CardGrant):
            parsed.append(ParsedRow(row.number, result.card_code, result, []))
        else:
            parsed.append(ParsedRow(row.number, code if code and len(code) <= 20 else None, None, result))
    return parsed


async def import_rows(
    uow: UnitOfWork, parsed: list[ParsedRow], *, distributor_id: str, today: date, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Grant the good rows chunk by chunk; the per-row report in file order.

    A dry run judges every row the same way in one transaction and rolls it back: nothing is recorded.
    """
    report: dict[int, dict[str, Any]] = {}
    for row in parsed:
        if row.grant is None:
            report[row.number] = _rejected(row.number, row.card_code, row.refusals)
    good = [row for row in parsed if row.grant is not None]
    chunks = [good[start : start + CHUNK_ROWS] for start in range(0, len(good), CHUNK_ROWS)]
    if dry_run:
        async with uow.pool.acquire() as conn:
            dry = conn.transaction()
            await dry.start()
            try:
                for chunk in chunks:
                    async with conn.transaction():
                        await _grant_chunk(conn, chunk, report, distributor_id=distributor_id, today=today)
            finally:
                await dry.rollback()
    else:
        for chunk in chunks:
            async with uow.transaction() as conn:
                await _grant_chunk(conn, chunk, report, distributor_id=distributor_id, today=today)
    return [report[n] for n in sorted(report)]


async def _grant_chunk(
    conn: asyncpg.Connection,
    chunk: list[ParsedRow],
    report: dict[int, dict[str, Any]],
    *,
    distributor_id: str,
    today: date,
) -> None:
    outcomes = await issue_cards(conn, distributor_id, [r.grant for r in chunk if r.grant], today)
    for row, outcome in zip(chunk, outcomes, strict=True):
        if outcome.status is OutcomeStatus.REJECTED:
            report[row.number] = _rejected(row.number, row.card_code, outcome.refusals)
        else:
            report[row.number] = {"row": row.number, "card_code": row.card_code, "status": outcome.status.value}


def _rejected(number: int, card_code: str | None, refusals: list[Refusal]) -> dict[str, Any]:
    reason = refusals[0].reason if refusals else RejectionReason.INVALID_REQUEST
    return {
        "row": number,
        "card_code": card_code,
        "status": "rejected",
        "reason": reason.value,
        "detail": "; ".join(r.message for r in refusals),
    }
