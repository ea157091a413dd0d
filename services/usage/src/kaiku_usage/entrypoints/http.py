"""HTTP routes of usage (docs/contract.md): they parse, authorise (`access`), call the service layer, answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import CardCode, EntityId
from kaiku_contracts.http.usage import AgencyIn, PerformanceIn, RedemptionIn, VenueIn, VenuePatch
from kaiku_contracts.identity_codes import contains_identity_code
from kaiku_contracts.limits import GUEST_PRODUCER_MAXIMUM, PerformanceKind, above_guest_producer_maximum
from kaiku_contracts.redemptions import RedemptionId
from kaiku_runtime.auth import CurrentPrincipal, Role
from kaiku_runtime.errors import ApiError
from kaiku_runtime.service import CurrentService, CurrentUnitOfWork
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from kaiku_usage.domain.redemption import RedemptionRequest
from kaiku_usage.entrypoints import access
from kaiku_usage.service import redemptions, venues
from kaiku_usage.service.imports import MAX_REPORT_BYTES, import_venue_report

router = APIRouter(
    prefix="/v1",
    tags=["usage"],
    dependencies=[Depends(access.region_served_here), Depends(access.venue_in_its_region)],
)

_card_code: TypeAdapter[str] = TypeAdapter(CardCode)

PERFORMANCES_SHOWN_AFTER_START = timedelta(hours=12)
"""By default a performance stays listed this long after it began (uses are recorded at the door, §8.2)."""


@router.post("/venues", status_code=201)
async def create_venue(
    body: VenueIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork, service: CurrentService
) -> dict[str, Any]:
    """Register a venue. A repeat of the same body answers as the first time; another body is `venue_exists`."""
    if not access.manages_region(principal, body.region_id):
        raise principal.forbid("add venues to this region")
    access.region_here(service.regions, body.region_id)
    wanted = {**body.model_dump(mode="json"), "agencies": sorted(set(body.agencies))}
    registered = await venues.register_venue(
        uow,
        body.venue_id,
        region_id=body.region_id,
        name=body.name,
        category=body.category.value,
        agencies=wanted["agencies"],
        deployment=service.regions.announcing_as if service.regions else None,
    )
    answer = registered.venue
    if not registered.created and answer["region_id"] != body.region_id and principal.role is not Role.NATIONAL:
        raise principal.forbid(f"change venue {body.venue_id} of another region")
    if answer != wanted:
        # never changes the venue; the detail does not echo the submitted values
        raise ApiError(
            RejectionReason.VENUE_EXISTS,
            "this venue_id is already registered with other details; change it with PATCH /v1/venues/{id}",
        )
    return answer


@router.patch("/venues/{venue_id}")
async def update_venue(
    venue_id: EntityId, body: VenuePatch, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> dict[str, Any]:
    """Change a venue's name or its ticket agencies (national, region_admin of the venue's region)."""
    current = await venues.find_venue(uow, venue_id)
    if current is None:
        if principal.role not in (Role.NATIONAL, Role.REGION_ADMIN):
            raise principal.forbid("change venues")
        raise ApiError(RejectionReason.VENUE_UNKNOWN, "venue_id: no venue of this id is registered")
    # a venue's region never changes, so it is checked before the change
    if not access.manages_region(principal, current["region_id"]):
        raise principal.forbid(f"change venue {venue_id}")
    agencies = None if body.agencies is None else sorted(set(body.agencies))
    return await venues.update_venue(uow, venue_id, name=body.name, agencies=agencies)


@router.put("/agencies/{agency_id}")
async def register_agency(
    agency_id: EntityId, body: AgencyIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> dict[str, Any]:
    """Register a ticket agency with the key that signs its Kafka messages (national office; docs/usage.md)."""
    # only the national office: whoever sets an agency's key can speak for it on Kafka
    if principal.role is not Role.NATIONAL:
        raise principal.forbid("register ticket agencies (the national office does)")
    await venues.register_agency(
        uow, agency_id, name=body.name, signing_key=body.signing_key, registered_by=access.recorder(principal)
    )
    # the key is never echoed back
    return {"agency_id": agency_id, "name": body.name, "signs_messages": True}


@router.get("/venues")
async def list_venues(
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    region_id: Annotated[
        EntityId | None, Query(description="Required for national; a region admin sees its own")
    ] = None,
) -> dict[str, Any]:
    """A region's venues with the ticket agencies that sell for them (national: any region, region admin: its own)."""
    region = region_id or principal.region
    if region is None or not access.manages_region(principal, region):
        raise principal.forbid("list this region's venues")
    return {"venues": await venues.list_venues(uow, region)}


@router.get("/performances")
async def list_performances(
    venue_id: EntityId,
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    since: Annotated[
        AwareDatetime | None,
        Query(description="Performances starting at or after this (with its UTC offset); default 12 h ago"),
    ] = None,
    include_cancelled: bool = False,
) -> dict[str, Any]:
    """A venue's performances in start order, with the card holders recorded so far against the limit."""
    start = since or datetime.now(UTC) - PERFORMANCES_SHOWN_AFTER_START
    region = await venues.region_of(uow, venue_id)
    if not access.may_list_performances(principal, venue_id, region):
        raise principal.forbid("list this venue's performances")
    rows = await venues.list_performances(uow, venue_id, start, include_cancelled=include_cancelled)
    return {"performances": [{**r, "starts_at": r["starts_at"].isoformat()} for r in rows]}


@router.put("/performances/{performance_id}")
async def put_performance(
    performance_id: EntityId,
    body: PerformanceIn,
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    service: CurrentService,
) -> dict[str, Any]:
    if above_guest_producer_maximum(body.card_holder_limit, guest_producer=body.guest_producer):
        raise ApiError(
            RejectionReason.INVALID_REQUEST,
            f"card_holder_limit: a guest producer sets at most {GUEST_PRODUCER_MAXIMUM} tickets per performance"
            " (§7.2.3)",
        )
    await access.venue_served_here(service.regions, uow, body.venue_id)
    region = await venues.region_of(uow, body.venue_id)
    if not access.may_manage_venue(principal, body.venue_id, region):
        raise principal.forbid("manage this venue's performances")
    fields = venues.PerformanceFields(
        venue_id=body.venue_id,
        name=body.name,
        starts_at=body.starts_at,
        capacity=body.capacity,
        kind=body.kind,
        card_holder_limit=body.card_holder_limit,
        guest_producer=body.guest_producer,
        booking_opens_days_before=body.booking_opens_days_before,
        redeem_from_minutes_before=body.redeem_from_minutes_before,
    )
    state = await venues.save_performance(uow, performance_id, fields)
    if state is None:
        raise principal.forbid(f"move performance {performance_id} to another venue")
    # a cancelled performance stays cancelled (its uses were cancelled with it): the answer says so
    return {"performance_id": performance_id, **body.model_dump(mode="json"), **state}


@router.delete("/performances/{performance_id}")
async def cancel_performance(
    performance_id: EntityId, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> dict[str, Any]:
    """Cancel a performance: every use of it is cancelled too (one `RedemptionCancelled` each)."""
    venue_id = await venues.performance_venue(uow, performance_id)
    region = await venues.region_of(uow, venue_id)
    if not access.may_manage_venue(principal, venue_id, region):
        raise principal.forbid("cancel this venue's performances")
    cancellation = await venues.cancel_performance(uow, performance_id)
    return {"performance_id": performance_id, "cancelled": True, "redemptions_cancelled": len(cancellation.cascade)}


@router.post(
    "/redemptions",
    status_code=201,
    responses={409: {"description": "refused by a rule: `{reason, detail}`"}, 403: {"description": "forbidden"}},
)
async def create_redemption(
    body: RedemptionIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork, service: CurrentService
) -> JSONResponse:
    await access.venue_served_here(service.regions, uow, body.venue_id)
    request = RedemptionRequest(
        redemption_id=body.redemption_id,
        card_code=body.card_code,
        venue_id=body.venue_id,
        performance_id=body.performance_id,
        adult_tickets=body.adult_tickets,
        child_tickets=body.child_tickets,
        channel=body.channel,
        agency_id=access.recording_agency(principal, body.venue_id),
        group_id=body.group_id,
    )
    outcome = await redemptions.record_use(uow, request, recorded_by=access.recorder(principal), source="http")
    if outcome.reason is not None:
        raise ApiError(outcome.reason, outcome.detail)
    return JSONResponse(outcome.response, status_code=201)


@router.delete("/redemptions/{redemption_id}")
async def cancel_redemption(
    redemption_id: RedemptionId, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> dict[str, Any]:
    """Cancel a use: its place under the limit is free again and `RedemptionCancelled` is published."""
    use = await redemptions.find_use(uow, redemption_id)
    if use is None:
        raise ApiError(RejectionReason.NOT_FOUND, f"no use {redemption_id} is recorded")
    if not access.may_cancel_use(principal, use):
        raise principal.forbid("cancel a use recorded by someone else")
    cancellation = await redemptions.cancel_use(uow, use)
    return {"redemption_id": redemption_id, "status": "cancelled", "cancelled_at": cancellation.cancelled_at}


@router.get("/cards/{card_code}/status")
async def get_card_status(card_code: str, principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> dict[str, Any]:
    """The box-office check: is this card valid today (Helsinki), until when, and if not, why."""
    principal.require_role(Role.VENUE, Role.AGENCY, what="check cards")
    try:
        code = _card_code.validate_python(card_code)
    except ValidationError as exc:
        raise ApiError(RejectionReason.INVALID_REQUEST, "card_code: 1–20 letters, digits or '-'") from exc
    status = await redemptions.check_card(uow, code, helsinki_today())
    body: dict[str, Any] = {
        "card_code": code,
        "valid": status.valid,
        "valid_until": status.valid_until.isoformat() if status.valid_until else None,
    }
    if status.reason is not None:
        body["reason"] = status.reason.value
    return body


@router.post("/imports/redemptions")
async def import_redemptions(
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    file: Annotated[UploadFile, File(description="The venue report of §9.2 as CSV or XLSX")],
    venue_id: Annotated[EntityId | None, Form(description="Required for region_admin; a venue imports its own")] = None,
    kind: Annotated[
        PerformanceKind,
        Form(description="Kind of the performances the report creates where a row names none (a `kind` column wins)"),
    ] = PerformanceKind.PERFORMANCE,
    create_performances: Annotated[
        bool,
        Form(
            description="true (default): a row naming a performance the venue never registered creates it; false:"
            " such a row is refused with `performance_unknown`, so a misspelt name is asked about first"
        ),
    ] = True,
) -> JSONResponse:
    """Enter a venue's usage report (§9.2, §9.3): missing performances are created; a per-row report comes back."""
    # §11: an identity code is refused before anything could echo it (the 403 details name the venue)
    if venue_id is not None and contains_identity_code(venue_id):
        raise ApiError(RejectionReason.INVALID_REQUEST, "venue_id: holds a personal identity code")
    venue = access.importing_venue(principal, venue_id)
    region = await venues.region_of(uow, venue)
    if not access.may_import_for(principal, region):
        raise principal.forbid(f"import uses for venue {venue} of another region")
    if file.filename and contains_identity_code(file.filename):
        # §11: an identity code in the file name refuses the upload; the value is never echoed
        raise ApiError(RejectionReason.INVALID_REQUEST, "file: the file name holds a personal identity code")
    data = await file.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        raise ApiError(RejectionReason.PAYLOAD_TOO_LARGE, f"file: larger than {MAX_REPORT_BYTES // 2**20} MiB")
    report = await import_venue_report(
        uow,
        venue,
        data,
        recorded_by=access.recorder(principal),
        default_kind=kind,
        create_performances=create_performances,
    )
    return JSONResponse(json.loads(json.dumps(report, default=str)), status_code=200)
