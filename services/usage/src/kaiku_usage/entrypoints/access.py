"""Who may do what in usage (docs/contract.md HTTP table): a venue its own venue, a ticket agency the venues
that list it, a region admin its region, the national office venues everywhere and the agencies' keys."""

from __future__ import annotations

from kaiku_contracts.enums import RejectionReason
from kaiku_runtime.auth import CurrentPrincipal, Principal, Role, org_in_token_region
from kaiku_runtime.errors import ApiError
from kaiku_runtime.ownership import RegionRegistry, refuse_other_region
from kaiku_runtime.service import CurrentService, CurrentUnitOfWork
from kaiku_runtime.unit_of_work import UnitOfWork

from kaiku_usage.domain.cancellation import UseOwner
from kaiku_usage.service import venues


async def venue_in_its_region(principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> None:
    """A venue token speaks only for a venue of its own `region` claim (docs/contract.md "Authentication")."""
    if principal.role is Role.VENUE and principal.org:
        region = await venues.venue_region(uow, principal.org)
        if not org_in_token_region(principal, region):
            raise principal.forbid(f"act for venue {principal.org}, which is not in region {principal.region}")


async def region_served_here(principal: CurrentPrincipal, service: CurrentService) -> None:
    """A token of a region this deployment does not serve is sent to the deployment that does
    (docs/architecture.md "Regional deployments"); unscoped and alone, every region is served here."""
    if principal.region:
        refuse_other_region(service.regions, principal.region)


def region_here(registry: RegionRegistry | None, region_id: str) -> None:
    """A venue may be added only in a region this deployment serves."""
    refuse_other_region(registry, region_id)


async def venue_served_here(registry: RegionRegistry | None, uow: UnitOfWork, venue_id: str) -> None:
    """Uses at a venue of another deployment's region are refused naming where to send them; a venue nobody
    announced is left to the rules (`venue_unknown`)."""
    if registry is None or registry.judges_everything:
        return
    held = await venues.venue_region(uow, venue_id)
    ownership = registry.ownership
    if ownership.judges_venue(registry.me, venue_id, held):
        return
    region = held or ownership.region_of_venue(venue_id)
    if region is not None:
        raise ApiError(RejectionReason.FORBIDDEN, f"venue {venue_id}: " + ownership.refusal(registry.me, region))


def recorder(principal: Principal) -> str:
    """Who recorded a use, at the level of the organisation (never a person): `venue:V1`, `agency:A1`."""
    return f"{principal.role.value}:{principal.org or principal.region or principal.sub}"


def manages_region(principal: Principal, region_id: str) -> bool:
    """Adds and changes the region's venues: the national office, the region's admin."""
    return principal.role is Role.NATIONAL or principal.is_region_admin_of(region_id)


def may_manage_venue(principal: Principal, venue_id: str, region_id: str) -> bool:
    """Manages the venue's performances: the venue itself, its region's admin."""
    own = principal.role is Role.VENUE and principal.org == venue_id
    return own or principal.is_region_admin_of(region_id)


def may_list_performances(principal: Principal, venue_id: str, region_id: str) -> bool:
    return may_manage_venue(principal, venue_id, region_id) or principal.role is Role.NATIONAL


def recording_agency(principal: Principal, venue_id: str) -> str | None:
    """Who may record a use for the venue: the venue itself (None) or an agency (its id; whether the venue
    lists it is the domain's ordered check). Anyone else is refused."""
    if principal.role is Role.VENUE:
        if principal.org != venue_id:
            raise principal.forbid(f"record uses for venue {venue_id}")
        return None
    if principal.role is Role.AGENCY:
        return principal.org
    raise principal.forbid("record uses (venues and their ticket agencies do)")


def may_cancel_use(principal: Principal, use: UseOwner) -> bool:
    """Whoever recorded it (the organisation), or the admin of the venue's region."""
    return use.recorded_by == recorder(principal) or principal.is_region_admin_of(use.region_id)


def importing_venue(principal: Principal, venue_id: str | None) -> str:
    """The venue whose report is imported: a venue imports its own, a region admin names one."""
    if principal.role is Role.VENUE:
        if venue_id is not None and venue_id != principal.org:
            raise principal.forbid(f"import uses for venue {venue_id}")
        assert principal.org is not None
        return principal.org
    if principal.role is Role.REGION_ADMIN:
        if venue_id is None:
            raise ApiError(RejectionReason.INVALID_REQUEST, "venue_id: required for a region_admin")
        return venue_id
    raise principal.forbid("import venue reports")


def may_import_for(principal: Principal, region_id: str) -> bool:
    """A region admin imports only for its own region's venues (a venue was checked by `importing_venue`)."""
    return principal.role is not Role.REGION_ADMIN or principal.is_region_admin_of(region_id)
