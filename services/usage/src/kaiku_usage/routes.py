"""HTTP routes of usage (docs/contract.md): thin, they parse, authorise and call the service layer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import Channel, RejectionReason, VenueCategory
from kaiku_contracts.envelope import CardCode, EntityId
from kaiku_contracts.identity_codes import contains_identity_code
from kaiku_contracts.redemptions import RedemptionCancelled, RedemptionId
from kaiku_contracts.topics import Topics
from kaiku_runtime.auth import CurrentPrincipal, Principal, Role, org_in_token_region
from kaiku_runtime.errors import ApiError
from kaiku_runtime.outbox import enqueue, enqueue_many
from kaiku_runtime.service import CurrentService
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from kaiku_usage.domain.cards import card_status
from kaiku_usage.domain.limits import (
    GUEST_PRODUCER_MAXIMUM,
    PerformanceKind,
    above_guest_producer_maximum,
    limit_below_minimum,
)
from kaiku_usage.domain.redemption import BOOKING_OPENS_MIN_DAYS, RedemptionRequest
from kaiku_usage.domain.signatures import MIN_KEY_LENGTH, SIGNATURE_HEADER
from kaiku_usage.imports import MAX_REPORT_BYTES, import_venue_report
from kaiku_usage.redeeming import load_card, record_use


async def _venue_in_its_region(principal: CurrentPrincipal, service: CurrentService) -> None:
    """A venue token speaks only for a venue of its own `region` claim (docs/contract.md "Authentication")."""
    if principal.role is Role.VENUE and principal.org:
        region = await service.pool.fetchval("SELECT region_id FROM venues WHERE venue_id = $1", principal.org)
        if not org_in_token_region(principal, region):
            raise principal.forbid(f"act for venue {principal.org}, which is not in region {principal.region}")


router = APIRouter(prefix="/v1", tags=["usage"], dependencies=[Depends(_venue_in_its_region)])


_card_code: TypeAdapter[str] = TypeAdapter(CardCode)


def recorder(principal: Principal) -> str:
    """Who recorded a use, at the level of the organisation (never a person): `venue:V1`, `agency:A1`."""
    return f"{principal.role.value}:{principal.org or principal.region or principal.sub}"


class VenueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    venue_id: EntityId
    region_id: EntityId
    name: str = Field(min_length=1, max_length=200)
    category: VenueCategory
    agencies: list[EntityId] = Field(default_factory=list, description="Ticket agencies that sell for the venue")


class PerformanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    venue_id: EntityId
    name: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime = Field(description="With its UTC offset, e.g. 2026-12-03T18:00:00+02:00")
    capacity: int = Field(ge=0, le=1_000_000)
    kind: PerformanceKind
    card_holder_limit: int | None = Field(default=None, ge=0, description="§7.2.2; not a quota")
    guest_producer: bool = False
    booking_opens_days_before: int | None = Field(
        default=None, ge=BOOKING_OPENS_MIN_DAYS, le=366, description="§8.2: at the earliest one month before"
    )
    redeem_from_minutes_before: int | None = Field(default=None, ge=0, le=7 * 24 * 60, description="§8.2")


class RedemptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    redemption_id: RedemptionId
    card_code: CardCode
    venue_id: EntityId
    performance_id: EntityId
    adult_tickets: int = Field(ge=0, le=1)
    child_tickets: int = Field(default=0, ge=0, le=50, description="Holder's children/grandchildren under 18")
    channel: Channel
    group_id: EntityId | None = None

    @model_validator(mode="after")
    def _at_least_one_ticket(self) -> RedemptionIn:
        if self.adult_tickets + self.child_tickets == 0:
            raise ValueError("a use needs an adult ticket or at least one child ticket")
        return self


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    signing_key: str = Field(
        min_length=MIN_KEY_LENGTH,
        max_length=512,
        description=f"Shared secret (at least {MIN_KEY_LENGTH} characters, never echoed): every Kafka message of"
        f" this agency carries the header `{SIGNATURE_HEADER}` = lower-case hex HMAC-SHA256 of the raw value.",
    )


class VenuePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    agencies: list[EntityId] | None = Field(default=None, description="The ticket agencies that sell for the venue")


def _venue_answer(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "venue_id": row["venue_id"],
        "region_id": row["region_id"],
        "name": row["name"],
        "category": row["category"],
        "agencies": list(row["agencies"]),
    }


_VENUE_COLUMNS = "venue_id, region_id, name, category, agencies"


@router.post("/venues", status_code=201)
async def create_venue(body: VenueIn, principal: CurrentPrincipal, service: CurrentService) -> dict[str, Any]:
    """Register a venue. A repeat of the same body answers as the first time; another body is `venue_exists`."""
    if not (principal.role is Role.NATIONAL or principal.is_region_admin_of(body.region_id)):
        raise principal.forbid("add venues to this region")
    wanted = {**body.model_dump(mode="json"), "agencies": sorted(set(body.agencies))}
    async with service.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            f"INSERT INTO venues ({_VENUE_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (venue_id) DO NOTHING"
            f" RETURNING {_VENUE_COLUMNS}",
            body.venue_id,
            body.region_id,
            body.name,
            body.category.value,
            wanted["agencies"],
        )
        if row is None:
            existing = await conn.fetchrow(f"SELECT {_VENUE_COLUMNS} FROM venues WHERE venue_id = $1", body.venue_id)
            assert existing is not None
            if existing["region_id"] != body.region_id and principal.role is not Role.NATIONAL:
                raise principal.forbid(f"change venue {body.venue_id} of another region")
            row = existing
    answer = _venue_answer(row)
    if answer != wanted:
        # never changes the venue; the detail does not echo the submitted values
        raise ApiError(
            RejectionReason.VENUE_EXISTS,
            "this venue_id is already registered with other details; change it with PATCH /v1/venues/{id}",
        )
    return answer


@router.patch("/venues/{venue_id}")
async def update_venue(
    venue_id: EntityId, body: VenuePatch, principal: CurrentPrincipal, service: CurrentService
) -> dict[str, Any]:
    """Change a venue's name or its ticket agencies (national, region_admin of the venue's region)."""
    async with service.pool.acquire() as conn, conn.transaction():
        current = await conn.fetchrow(f"SELECT {_VENUE_COLUMNS} FROM venues WHERE venue_id = $1 FOR UPDATE", venue_id)
        if current is None:
            if principal.role not in (Role.NATIONAL, Role.REGION_ADMIN):
                raise principal.forbid("change venues")
            raise ApiError(RejectionReason.VENUE_UNKNOWN, "venue_id: no venue of this id is registered")
        if not (principal.role is Role.NATIONAL or principal.is_region_admin_of(current["region_id"])):
            raise principal.forbid(f"change venue {venue_id}")
        row = await conn.fetchrow(
            f"UPDATE venues SET name = coalesce($2, name), agencies = coalesce($3, agencies) WHERE venue_id = $1"
            f" RETURNING {_VENUE_COLUMNS}",
            venue_id,
            body.name,
            None if body.agencies is None else sorted(set(body.agencies)),
        )
    assert row is not None
    return _venue_answer(row)


@router.put("/agencies/{agency_id}")
async def register_agency(
    agency_id: EntityId, body: AgencyIn, principal: CurrentPrincipal, service: CurrentService
) -> dict[str, Any]:
    """Register a ticket agency with the key that signs its Kafka messages (national office; docs/usage.md)."""
    # only the national office: whoever sets an agency's key can speak for it on Kafka
    if principal.role is not Role.NATIONAL:
        raise principal.forbid("register ticket agencies (the national office does)")
    async with service.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO agencies (agency_id, name, signing_key, registered_by) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (agency_id) DO UPDATE SET name = EXCLUDED.name, signing_key = EXCLUDED.signing_key,"
            " updated_at = now()",
            agency_id,
            body.name,
            body.signing_key,
            recorder(principal),
        )
    # the key is never echoed back
    return {"agency_id": agency_id, "name": body.name, "signs_messages": True}


async def _venue_region(conn: asyncpg.Connection, venue_id: str) -> str:
    region: str | None = await conn.fetchval("SELECT region_id FROM venues WHERE venue_id = $1", venue_id)
    if region is None:
        raise ApiError(RejectionReason.VENUE_UNKNOWN, "venue_id: no venue of this id is registered")
    return region


def _may_manage_venue(principal: Principal, venue_id: str, region_id: str) -> bool:
    own = principal.role is Role.VENUE and principal.org == venue_id
    return own or principal.is_region_admin_of(region_id)


LISTING_LIMIT = 500
"""At most this many rows per listing: a region's venues, a venue's performances from `since` on."""
PERFORMANCES_SHOWN_AFTER_START = timedelta(hours=12)
"""By default a performance stays listed this long after it began (uses are recorded at the door, §8.2)."""


@router.get("/venues")
async def list_venues(
    principal: CurrentPrincipal,
    service: CurrentService,
    region_id: Annotated[
        EntityId | None, Query(description="Required for national; a region admin sees its own")
    ] = None,
) -> dict[str, Any]:
    """A region's venues with the ticket agencies that sell for them (national: any region, region admin: its own)."""
    region = region_id or principal.region
    if region is None or not (principal.role is Role.NATIONAL or principal.is_region_admin_of(region)):
        raise principal.forbid("list this region's venues")
    async with service.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT venue_id, region_id, name, category, agencies FROM venues WHERE region_id = $1"
            " ORDER BY name, venue_id LIMIT $2",
            region,
            LISTING_LIMIT,
        )
    return {"venues": [{**dict(r), "agencies": list(r["agencies"])} for r in rows]}


@router.get("/performances")
async def list_performances(
    venue_id: EntityId,
    principal: CurrentPrincipal,
    service: CurrentService,
    since: Annotated[
        AwareDatetime | None,
        Query(description="Performances starting at or after this (with its UTC offset); default 12 h ago"),
    ] = None,
    include_cancelled: bool = False,
) -> dict[str, Any]:
    """A venue's performances in start order, with the card holders recorded so far against the limit."""
    start = since or datetime.now(UTC) - PERFORMANCES_SHOWN_AFTER_START
    async with service.pool.acquire() as conn:
        region = await _venue_region(conn, venue_id)
        if not (_may_manage_venue(principal, venue_id, region) or principal.role is Role.NATIONAL):
            raise principal.forbid("list this venue's performances")
        rows = await conn.fetch(
            "SELECT performance_id, venue_id, name, starts_at, capacity, kind, card_holder_limit, guest_producer,"
            " booking_opens_days_before, redeem_from_minutes_before, card_holders, cancelled FROM performances"
            " WHERE venue_id = $1 AND starts_at >= $2 AND ($3 OR NOT cancelled)"
            " ORDER BY starts_at, performance_id LIMIT $4",
            venue_id,
            start,
            include_cancelled,
            LISTING_LIMIT,
        )
    return {"performances": [{**dict(r), "starts_at": r["starts_at"].isoformat()} for r in rows]}


@router.put("/performances/{performance_id}")
async def put_performance(
    performance_id: EntityId, body: PerformanceIn, principal: CurrentPrincipal, service: CurrentService
) -> dict[str, Any]:
    if above_guest_producer_maximum(body.card_holder_limit, guest_producer=body.guest_producer):
        raise ApiError(
            RejectionReason.INVALID_REQUEST,
            f"card_holder_limit: a guest producer sets at most {GUEST_PRODUCER_MAXIMUM} tickets per performance"
            " (§7.2.3)",
        )
    below = limit_below_minimum(body.card_holder_limit, body.capacity, body.kind, guest_producer=body.guest_producer)
    async with service.pool.acquire() as conn, conn.transaction():
        region = await _venue_region(conn, body.venue_id)
        if not _may_manage_venue(principal, body.venue_id, region):
            raise principal.forbid("manage this venue's performances")
        if below is not None:
            raise ApiError(
                RejectionReason.LIMIT_BELOW_MINIMUM,
                f"card_holder_limit must be at least {below.value} for this performance ({below.rule});"
                " the limit is not a quota: nothing is reserved",
            )
        owner = await conn.fetchval(
            "SELECT venue_id FROM performances WHERE performance_id = $1 FOR UPDATE", performance_id
        )
        if owner is not None and owner != body.venue_id:
            raise principal.forbid(f"move performance {performance_id} to another venue")
        await conn.execute(
            "INSERT INTO performances (performance_id, venue_id, name, starts_at, capacity, kind, card_holder_limit,"
            " guest_producer, booking_opens_days_before, redeem_from_minutes_before)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (performance_id) DO UPDATE SET"
            " name = EXCLUDED.name, starts_at = EXCLUDED.starts_at, capacity = EXCLUDED.capacity,"
            " kind = EXCLUDED.kind, card_holder_limit = EXCLUDED.card_holder_limit,"
            " guest_producer = EXCLUDED.guest_producer, booking_opens_days_before = EXCLUDED.booking_opens_days_before,"
            " redeem_from_minutes_before = EXCLUDED.redeem_from_minutes_before, from_report = false",
            performance_id,
            body.venue_id,
            body.name,
            body.starts_at,
            body.capacity,
            body.kind.value,
            body.card_holder_limit,
            body.guest_producer,
            body.booking_opens_days_before,
            body.redeem_from_minutes_before,
        )
        state = await conn.fetchrow(
            "SELECT card_holders, cancelled FROM performances WHERE performance_id = $1", performance_id
        )
    assert state is not None
    # a cancelled performance stays cancelled (its uses were cancelled with it): the answer says so
    return {"performance_id": performance_id, **body.model_dump(mode="json"), **dict(state)}


@router.delete("/performances/{performance_id}")
async def cancel_performance(
    performance_id: EntityId, principal: CurrentPrincipal, service: CurrentService
) -> dict[str, Any]:
    """Cancel a performance: every use of it is cancelled too (one `RedemptionCancelled` each)."""
    now = datetime.now(UTC)
    async with service.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT venue_id, cancelled FROM performances WHERE performance_id = $1 FOR UPDATE", performance_id
        )
        if row is None:
            raise ApiError(RejectionReason.PERFORMANCE_UNKNOWN, "performance_id: no performance of this id is known")
        region = await _venue_region(conn, row["venue_id"])
        if not _may_manage_venue(principal, row["venue_id"], region):
            raise principal.forbid("cancel this venue's performances")
        cancelled = await conn.fetch(
            "UPDATE redemptions SET cancelled_at = $2 WHERE performance_id = $1 AND cancelled_at IS NULL"
            " RETURNING redemption_id, card_code",
            performance_id,
            now,
        )
        await conn.execute(
            "UPDATE performances SET cancelled = true, cancelled_at = coalesce(cancelled_at, $2), card_holders = 0"
            " WHERE performance_id = $1",
            performance_id,
            now,
        )
        await enqueue_many(
            conn,
            [
                (
                    Topics.REDEMPTIONS,
                    r["card_code"],
                    RedemptionCancelled(redemption_id=r["redemption_id"], card_code=r["card_code"], cancelled_at=now),
                )
                for r in cancelled
            ],
        )
    service.notify_relay()
    return {"performance_id": performance_id, "cancelled": True, "redemptions_cancelled": len(cancelled)}


def _redemption_request(body: RedemptionIn, principal: Principal) -> RedemptionRequest:
    if principal.role is Role.VENUE:
        if principal.org != body.venue_id:
            raise principal.forbid(f"record uses for venue {body.venue_id}")
        agency_id = None
    elif principal.role is Role.AGENCY:
        agency_id = principal.org  # listed by the venue? checked in order by the domain
    else:
        raise principal.forbid("record uses (venues and their ticket agencies do)")
    return RedemptionRequest(
        redemption_id=body.redemption_id,
        card_code=body.card_code,
        venue_id=body.venue_id,
        performance_id=body.performance_id,
        adult_tickets=body.adult_tickets,
        child_tickets=body.child_tickets,
        channel=body.channel,
        agency_id=agency_id,
        group_id=body.group_id,
    )


@router.post(
    "/redemptions",
    status_code=201,
    responses={409: {"description": "refused by a rule: `{reason, detail}`"}, 403: {"description": "forbidden"}},
)
async def create_redemption(body: RedemptionIn, principal: CurrentPrincipal, service: CurrentService) -> JSONResponse:
    request = _redemption_request(body, principal)
    outcome = await record_use(service, request, recorded_by=recorder(principal), source="http")
    if outcome.reason is not None:
        raise ApiError(outcome.reason, outcome.detail)
    return JSONResponse(outcome.response, status_code=201)


@router.delete("/redemptions/{redemption_id}")
async def cancel_redemption(
    redemption_id: RedemptionId, principal: CurrentPrincipal, service: CurrentService
) -> dict[str, Any]:
    """Cancel a use: its place under the limit is free again and `RedemptionCancelled` is published."""
    async with service.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT r.performance_id, r.venue_id, r.recorded_by_org, v.region_id FROM redemptions r"
            " JOIN venues v USING (venue_id) WHERE r.redemption_id = $1",
            redemption_id,
        )
        if row is None:
            raise ApiError(RejectionReason.NOT_FOUND, f"no use {redemption_id} is recorded")
        if not (row["recorded_by_org"] == recorder(principal) or principal.is_region_admin_of(row["region_id"])):
            raise principal.forbid("cancel a use recorded by someone else")
        # same lock order as recording a use: the performance first
        await conn.execute("SELECT 1 FROM performances WHERE performance_id = $1 FOR UPDATE", row["performance_id"])
        use = await conn.fetchrow(
            "SELECT card_code, adult_tickets, cancelled_at FROM redemptions WHERE redemption_id = $1 FOR UPDATE",
            redemption_id,
        )
        assert use is not None
        if use["cancelled_at"] is not None:
            return {"redemption_id": redemption_id, "status": "cancelled", "cancelled_at": use["cancelled_at"]}
        now = datetime.now(UTC)
        await conn.execute("UPDATE redemptions SET cancelled_at = $2 WHERE redemption_id = $1", redemption_id, now)
        if use["adult_tickets"] == 1:
            await conn.execute(
                "UPDATE performances SET card_holders = greatest(card_holders - 1, 0) WHERE performance_id = $1",
                row["performance_id"],
            )
        event = RedemptionCancelled(redemption_id=redemption_id, card_code=use["card_code"], cancelled_at=now)
        await enqueue(conn, Topics.REDEMPTIONS, use["card_code"], event)
    service.notify_relay()
    return {"redemption_id": redemption_id, "status": "cancelled", "cancelled_at": now}


@router.get("/cards/{card_code}/status")
async def get_card_status(card_code: str, principal: CurrentPrincipal, service: CurrentService) -> dict[str, Any]:
    """The box-office check: is this card valid today (Helsinki), until when, and if not, why."""
    principal.require_role(Role.VENUE, Role.AGENCY, what="check cards")
    try:
        code = _card_code.validate_python(card_code)
    except ValidationError as exc:
        raise ApiError(RejectionReason.INVALID_REQUEST, "card_code: 1–20 letters, digits or '-'") from exc
    async with service.pool.acquire() as conn:
        card = await load_card(conn, code)
    status = card_status(card, helsinki_today())
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
    service: CurrentService,
    file: Annotated[UploadFile, File(description="The venue report of §9.2 as CSV or XLSX")],
    venue_id: Annotated[EntityId | None, Form(description="Required for region_admin; a venue imports its own")] = None,
    kind: Annotated[
        PerformanceKind,
        Form(description="Kind of the performances the report creates where a row names none (a `kind` column wins)"),
    ] = PerformanceKind.PERFORMANCE,
) -> JSONResponse:
    """Enter a venue's usage report (§9.2, §9.3): missing performances are created; a per-row report comes back."""
    # §11: an identity code is refused before anything could echo it (the 403 details name the venue)
    if venue_id is not None and contains_identity_code(venue_id):
        raise ApiError(RejectionReason.INVALID_REQUEST, "venue_id: holds a personal identity code")
    if principal.role is Role.VENUE:
        if venue_id is not None and venue_id != principal.org:
            raise principal.forbid(f"import uses for venue {venue_id}")
        venue = principal.org
    elif principal.role is Role.REGION_ADMIN:
        if venue_id is None:
            raise ApiError(RejectionReason.INVALID_REQUEST, "venue_id: required for a region_admin")
        venue = venue_id
    else:
        raise principal.forbid("import venue reports")
    assert venue is not None
    async with service.pool.acquire() as conn:
        region = await _venue_region(conn, venue)
    if principal.role is Role.REGION_ADMIN and not principal.is_region_admin_of(region):
        raise principal.forbid(f"import uses for venue {venue} of another region")
    if file.filename and contains_identity_code(file.filename):
        # §11: an identity code in the file name refuses the upload; the value is never echoed
        raise ApiError(RejectionReason.INVALID_REQUEST, "file: the file name holds a personal identity code")
    data = await file.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        raise ApiError(RejectionReason.PAYLOAD_TOO_LARGE, f"file: larger than {MAX_REPORT_BYTES // 2**20} MiB")
    report = await import_venue_report(service, venue, data, recorded_by=recorder(principal), default_kind=kind)
    return JSONResponse(json.loads(json.dumps(report, default=str)), status_code=200)
