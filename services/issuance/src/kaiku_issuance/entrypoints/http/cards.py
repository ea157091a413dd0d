"""Granting, reading and revoking cards."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import EntityId
from kaiku_contracts.http import issuance as schemas
from kaiku_runtime.auth import CurrentPrincipal, Role
from kaiku_runtime.logging import get_logger
from kaiku_runtime.service import CurrentUnitOfWork

from kaiku_issuance.adapters import cards as store
from kaiku_issuance.domain.cards import CardGrant, card_status
from kaiku_issuance.domain.refusals import RefusedError
from kaiku_issuance.domain.revocation import Revocation
from kaiku_issuance.entrypoints import access
from kaiku_issuance.entrypoints.http.common import errors, not_found, refused, today
from kaiku_issuance.service import cards as issuing
from kaiku_issuance.service.cards import OutcomeStatus

router = APIRouter(prefix="/v1", tags=["cards"])
log = get_logger(__name__)

CodePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$", description="The card's code (any case)", examples=["E1234"])
]


@router.post("/cards", status_code=201, response_model=schemas.IssuedCard, responses=errors(409, 422))
async def issue_card(body: schemas.CardIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> Any:
    """Record a card the distributor granted, with the holder's anonymous background data (§4.2).

    `valid_until` is twelve months from the issue date, or the region's trial end if that comes first.
    Repeating the same request answers as the first time (201, same body) and records nothing twice;
    the same code with other content is 409 `card_exists`. Personal data fields are refused (422).
    """
    principal.require_role(Role.DISTRIBUTOR, what="issue cards")
    if not access.is_distributor(principal, body.distributor_id):
        raise principal.forbid("issue cards for another distributor")
    grant = CardGrant(
        card_code=body.card_code,
        card_type=body.card_type,
        distributor_id=body.distributor_id,
        holder=body.holder,
        issued_on=body.issued_on,
        branch_id=body.branch_id,
        replaces_card_code=body.replaces_card_code,
        children_under_18=body.children_under_18,
    )
    try:
        outcome = await issuing.issue_card(uow, grant, today())
    except RefusedError as exc:
        raise refused(exc.refusal) from None
    if outcome.status is OutcomeStatus.REJECTED:
        raise refused(*outcome.refusals)
    if outcome.status is OutcomeStatus.ACCEPTED:
        log.info("card_issued", card_code=grant.card_code, distributor_id=grant.distributor_id)
    return JSONResponse(outcome.response, status_code=201)


@router.get("/cards", response_model=schemas.Cards, responses=errors())
async def list_cards(
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    distributor_id: EntityId | None = None,
    region_id: EntityId | None = None,
    after: Annotated[str | None, Query(description="Continue after this card code (from `next_after`)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Cards in code order, a page at a time: a distributor its own, a region admin its region's, the
    national office any (filtered by `distributor_id` / `region_id`)."""
    distributor_id, region_id = access.listed_cards(principal, distributor_id=distributor_id, region_id=region_id)
    async with uow.pool.acquire() as conn:
        rows = await store.cards(
            conn, region_id=region_id, distributor_id=distributor_id, after=after and after.upper(), limit=limit
        )
    day = today()
    return {
        "cards": [card_view(r, day) for r in rows],
        "next_after": rows[-1]["card_code"] if len(rows) == limit else None,
    }


@router.get("/cards/{card_code}", response_model=schemas.Card, responses=errors(404))
async def get_card(card_code: CodePath, principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> Any:
    """A card with its status: the issuing distributor, its region's admin and the national office.

    Anyone else is refused 403 whether or not the code exists (only the national office learns 404), so a
    caller cannot probe which codes are in use outside its scope.
    """
    async with uow.pool.acquire() as conn:
        row = await store.card(conn, card_code.upper())
    if not access.sees_card_or_its_absence(principal, row):
        raise principal.forbid("read a card granted by another distributor or region")
    if row is None:
        raise not_found(f"card {card_code.upper()}", RejectionReason.CARD_UNKNOWN)
    return card_view(row, today())


@router.post(
    "/cards/{card_code}/revocation", status_code=201, response_model=schemas.Card, responses=errors(404, 409, 422)
)
async def revoke(
    card_code: CodePath, body: schemas.RevocationIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> Any:
    """Revoke a card (lost, misuse, issued in error): `CardRevoked` follows and venues refuse it.

    The issuing distributor, its region's admin or the national office. Repeating the same revocation
    answers 200 with the card and records nothing; another reason for a revoked card is 409
    `card_revoked`. A lost card is replaced by granting a new code with `replaces_card_code`.
    """
    code = card_code.upper()
    day = today()
    wanted = Revocation(body.reason, body.revoked_on or day)

    def check(row: asyncpg.Record | None) -> None:
        if not access.sees_card_or_its_absence(principal, row):  # 403 before 404, as for reading it
            raise principal.forbid("revoke a card granted by another distributor or region")

    try:
        revoked = await issuing.revoke_card(uow, code, wanted, day, check)
    except RefusedError as exc:
        raise refused(exc.refusal) from None
    if revoked is None:
        raise not_found(f"card {code}", RejectionReason.CARD_UNKNOWN)
    answer, recorded = revoked
    if recorded:
        log.info("card_revoked", card_code=code, reason=body.reason.value)
    return JSONResponse(card_view(answer, day), status_code=201 if recorded else 200)


def card_view(row: asyncpg.Record, today: date) -> dict[str, Any]:
    """A card as its distributor, region and the national office see it (never more than the event holds)."""
    holder = (
        {
            "birth_year": row["birth_year"],
            "mother_tongue": row["mother_tongue"],
            "gender": row["gender"],
            "postal_code": row["postal_code"],
            "life_situation": row["life_situation"],
        }
        if row["birth_year"] is not None
        else None
    )
    return {
        "card_code": row["card_code"],
        "card_type": row["card_type"],
        "region_id": row["region_id"],
        "distributor_id": row["distributor_id"],
        "branch_id": row["branch_id"],
        "issued_on": row["issued_on"].isoformat(),
        "valid_until": row["valid_until"].isoformat(),
        "holder": holder,
        "replaces_card_code": row["replaces_card_code"],
        "children_under_18": row["children_under_18"],
        "status": card_status(row["valid_until"], row["revoked_on"] is not None, today).value,
        "revoked_on": row["revoked_on"].isoformat() if row["revoked_on"] else None,
        "revocation_reason": row["revocation_reason"],
    }
