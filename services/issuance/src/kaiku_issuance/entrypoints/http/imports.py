"""`POST /v1/imports/cards`: paper transfer forms as CSV or XLSX, one row per card, a per-row report back."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import EntityId
from kaiku_contracts.http import issuance as schemas
from kaiku_runtime.auth import CurrentPrincipal, Role
from kaiku_runtime.errors import ApiError
from kaiku_runtime.logging import get_logger
from kaiku_runtime.service import CurrentUnitOfWork

from kaiku_issuance.adapters import organisations as store
from kaiku_issuance.domain.paper_form import COLUMNS
from kaiku_issuance.domain.refusals import RefusedError
from kaiku_issuance.entrypoints import access
from kaiku_issuance.entrypoints.http.common import errors, refused, today
from kaiku_issuance.service import paper_import
from kaiku_issuance.service.cards import OutcomeStatus

router = APIRouter(prefix="/v1", tags=["imports"])
log = get_logger(__name__)
MAX_FILE_BYTES = 20 * 1024 * 1024


@router.post("/imports/cards", response_model=schemas.ImportReport, responses=errors(404, 413, 422))
async def import_cards(
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    file: Annotated[UploadFile, File(description="CSV (`,` or `;`, UTF-8 or Excel's cp1252) or XLSX")],
    distributor_id: Annotated[
        EntityId | None, Query(description="Whose cards; a distributor's token defaults to itself")
    ] = None,
    branch_id: Annotated[EntityId | None, Query(description="The branch the forms came from")] = None,
    dry_run: Annotated[bool, Query(description="Check every row and answer, but record nothing")] = False,
) -> Any:
    """Enter paper transfer forms: columns card_code, issued_on, birth_year, mother_tongue, gender,
    postal_code, life_situation (English, Finnish or Swedish headers and values).

    Every row is checked; the good ones are recorded (personal cards, `CardIssued` each) and the answer
    lists every row: `accepted`, `already_recorded` (the same card was recorded before: importing the
    same file again changes nothing) or `rejected` with `reason` and `detail`. A column that is not on
    the form (a name, identity code, address...) refuses the whole file with 422 and records nothing.
    The distributor itself, its region's admin or the national office.
    """
    if distributor_id is None:
        if principal.role is not Role.DISTRIBUTOR or principal.org is None:
            raise ApiError(RejectionReason.INVALID_REQUEST, "distributor_id: say whose paper forms these are")
        distributor_id = principal.org
    async with uow.pool.acquire() as conn:
        distributor = await store.distributor(conn, distributor_id)
    if distributor is None:
        if access.learns_distributor_is_unknown(principal, distributor_id):
            raise ApiError(RejectionReason.INVALID_REQUEST, f"distributor_id: no distributor {distributor_id}")
        raise principal.forbid("import cards for this distributor")
    if not access.imports_for(principal, region_id=distributor["region_id"], distributor_id=distributor_id):
        raise principal.forbid("import cards for another distributor")
    branches = [b["branch_id"] for b in distributor["branches"]]
    if branch_id is not None and branch_id not in branches:
        known = ", ".join(branches) or "none registered"
        raise ApiError(RejectionReason.INVALID_REQUEST, f"branch_id: not a branch of {distributor_id} (known: {known})")
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ApiError(RejectionReason.PAYLOAD_TOO_LARGE, f"file: larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        parsed = await asyncio.to_thread(
            paper_import.parse_file, data, distributor_id=distributor_id, branch_id=branch_id
        )
        rows = await paper_import.import_rows(
            uow, parsed, distributor_id=distributor_id, today=today(), dry_run=dry_run
        )
    except RefusedError as exc:
        raise refused(exc.refusal) from None
    answer = _report(distributor_id, rows, dry_run=dry_run)
    log.info(
        "cards_imported",
        distributor_id=distributor_id,
        total=answer["total"],
        accepted=answer["accepted"],
        already_recorded=answer["already_recorded"],
        rejected=answer["rejected"],
        dry_run=dry_run,
    )
    return answer


def _report(distributor_id: str, rows: list[dict[str, Any]], *, dry_run: bool) -> dict[str, Any]:
    """The answer (schemas.ImportReport): every row's outcome, and how many had each."""
    counts = {s.value: 0 for s in OutcomeStatus}
    for row in rows:
        counts[row["status"]] += 1
    return {"distributor_id": distributor_id, "dry_run": dry_run, "total": len(rows), **counts, "rows": rows}


@router.get("/imports/cards/template", response_model=None, responses=errors())
async def import_template(principal: CurrentPrincipal) -> Any:
    """The columns the import reads: a CSV header row to start a spreadsheet from, with no example row."""
    from fastapi.responses import PlainTextResponse

    del principal
    return PlainTextResponse(
        ",".join(COLUMNS) + "\n",  # no example row: a live-looking one would be imported as a card (issue 19)
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="kaikukortti-cards-template.csv"'},
    )
