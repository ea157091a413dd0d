"""The venue report import (§9.2, §9.3): a venue's paper/Excel record of uses entered afterwards.

Each row becomes a use on the `paper_form` channel under a content-derived `redemption_id`, judged by
the same rules as any other use; performances the venue never registered are created from the
report's name and date. Re-importing the same file finds the same ids and records nothing twice.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time as clock
from datetime import UTC, datetime, time
from typing import Any

from kaiku_contracts.calendar import HELSINKI
from kaiku_contracts.enums import Channel, RejectionReason
from kaiku_contracts.limits import PerformanceKind
from kaiku_runtime.errors import ApiError
from kaiku_runtime.tabular import (
    PARSE_SECONDS,
    TableError,
    TableTooLargeError,
    normalise_header,
    read_matrix,
    read_rows,
)
from kaiku_runtime.unit_of_work import UnitOfWork

from kaiku_usage.adapters import performances
from kaiku_usage.domain.redemption import RedemptionRequest
from kaiku_usage.domain.venue_report import (
    ReportLine,
    RowProblem,
    SkippedRow,
    missing_columns,
    parse_line,
    performance_key,
    redemption_ids,
    shown_card_code,
)
from kaiku_usage.service.redemptions import record_use

MAX_REPORT_BYTES = 5 * 1024 * 1024
MAX_REPORT_ROWS = 10_000
HEADER_SEARCH_ROWS = 10  # title rows (the venue's name, an empty line) allowed above the header row
REPORT_PERFORMANCE_TIME = time(12, 0)  # the report gives a date only; midday keeps it the same Helsinki date


def _matrix(data: bytes, deadline: float) -> list[list[str]]:
    # the runtime's capped reader: declared XLSX dimensions ignored, rows counted (docs/usage.md "Limits")
    return list(read_matrix(data, max_rows=MAX_REPORT_ROWS + HEADER_SEARCH_ROWS + 1, deadline=deadline))


def _from_header_row(data: bytes, deadline: float) -> tuple[int, bytes] | None:
    """The table from its header row on, when title rows come first; with how many rows were dropped."""
    matrix = _matrix(data, deadline)
    for index, cells in enumerate(matrix[:HEADER_SEARCH_ROWS]):
        if not missing_columns(normalise_header(c) for c in cells if c):
            out = io.StringIO()
            csv.writer(out, delimiter=";").writerows(matrix[index:])
            return index, out.getvalue().encode()
    return None


async def _performance_for(uow: UnitOfWork, venue_id: str, line: ReportLine, *, create: bool) -> str | None:
    """The venue's performance of that name on that date; created (no limit) when the venue never registered it,
    unless `create` is off (None then: the row is refused, the name asked about first)."""
    async with uow.transaction() as conn:
        existing = await performances.find_reported(conn, venue_id, line.performance_name, line.performed_on)
        if existing is not None:  # a performance the venue registered keeps its own kind
            return existing
        if not create:
            return None
        performance_id = performance_key(venue_id, line.performance_name, line.performed_on)
        starts_at = datetime.combine(line.performed_on, REPORT_PERFORMANCE_TIME, tzinfo=HELSINKI)
        # the row's kind: course places keep the course rules (§2, §5)
        await performances.add_reported(conn, performance_id, venue_id, line.performance_name, starts_at, line.kind)
        return performance_id


async def import_venue_report(
    uow: UnitOfWork,
    venue_id: str,
    data: bytes,
    *,
    recorded_by: str,
    default_kind: PerformanceKind = PerformanceKind.PERFORMANCE,
    create_performances: bool = True,
) -> dict[str, Any]:
    deadline = clock.monotonic() + PARSE_SECONDS
    try:
        # parsed in a worker thread under a time limit, never in the event loop
        rows = await read_rows(data, max_rows=MAX_REPORT_ROWS)
        headers = {h for row in rows for h in row.values}
        missing = missing_columns(headers) if rows else []
        offset = 0
        if missing:
            # the seeds' form (§9.2) has the venue's name above the header row
            found = await asyncio.wait_for(asyncio.to_thread(_from_header_row, data, deadline), PARSE_SECONDS + 1)
            if found is not None:
                offset, data = found
                rows = await read_rows(data, max_rows=MAX_REPORT_ROWS)
                missing = []
    except (TableTooLargeError, TimeoutError) as exc:
        detail = str(exc) if isinstance(exc, TableTooLargeError) else f"not read within {PARSE_SECONDS:.0f} s"
        raise ApiError(RejectionReason.PAYLOAD_TOO_LARGE, f"file: {detail}") from exc
    except TableError as exc:
        raise ApiError(RejectionReason.INVALID_REQUEST, f"file: {exc}") from exc
    if len(rows) > MAX_REPORT_ROWS:
        raise ApiError(RejectionReason.INVALID_REQUEST, f"file: more than {MAX_REPORT_ROWS} rows")
    if missing:
        raise ApiError(
            RejectionReason.INVALID_REQUEST,
            "file: the header row names no column for "
            + ", ".join(missing)
            + " (expected: card code, adult tickets, child tickets, performance, date)",
        )
    parsed = [parse_line(row.number + offset, row.values, default_kind) for row in rows]
    lines = [p for p in parsed if isinstance(p, ReportLine)]
    ids = dict(zip((line.row for line in lines), redemption_ids(venue_id, lines), strict=True))
    results: list[dict[str, Any]] = []
    totals = {"accepted": 0, "already_recorded": 0, "rejected": 0, "invalid": 0, "skipped": 0}
    for source, item in zip(rows, parsed, strict=True):
        if isinstance(item, SkippedRow):
            results.append({"row": item.row, "status": "skipped", "detail": item.detail})
            totals["skipped"] += 1
            continue
        if isinstance(item, RowProblem):
            results.append(
                {
                    "row": item.row,
                    "card_code": shown_card_code(source.values),  # the row named by its card, where it has one
                    "status": "invalid",
                    "reason": RejectionReason.INVALID_REQUEST,
                    "detail": item.detail,
                }
            )
            totals["invalid"] += 1
            continue
        performance_id = await _performance_for(uow, venue_id, item, create=create_performances)
        if performance_id is None:
            results.append(
                {
                    "row": item.row,
                    "card_code": item.card_code,
                    "performance": item.performance_name,
                    "date": item.performed_on.isoformat(),
                    "status": "rejected",
                    "reason": RejectionReason.PERFORMANCE_UNKNOWN.value,
                    "detail": "performance: the venue has no performance of this name on this date",
                }
            )
            totals["rejected"] += 1
            continue
        request = RedemptionRequest(
            redemption_id=ids[item.row],
            card_code=item.card_code,
            venue_id=venue_id,
            performance_id=performance_id,
            adult_tickets=item.adult_tickets,
            child_tickets=item.child_tickets,
            channel=Channel.PAPER_FORM,
        )
        outcome = await record_use(uow, request, recorded_by=recorded_by, source="import")
        result: dict[str, Any] = {
            "row": item.row,
            "card_code": item.card_code,
            "performance_id": performance_id,
            "performance": item.performance_name,
            "date": item.performed_on.isoformat(),
            "adult_tickets": item.adult_tickets,
            "child_tickets": item.child_tickets,
            "redemption_id": request.redemption_id,
        }
        if outcome.reason is not None:
            result.update(status="rejected", reason=outcome.reason.value, detail=outcome.detail)
            totals["rejected"] += 1
        elif outcome.replayed:
            result.update(status="already_recorded")
            totals["already_recorded"] += 1
        else:
            result.update(status="accepted")
            totals["accepted"] += 1
        results.append(result)
    return {
        "venue_id": venue_id,
        "rows": results,
        "summary": totals,
        "imported_at": datetime.now(UTC).isoformat(),
    }
