"""Who may read which figures (docs/stats.md "Who sees what"; §12): a venue its own site, a distributor its
own cards, a region admin its region, the national office everything. Each check raises the refusal."""

from __future__ import annotations

from kaiku_contracts.enums import RejectionReason
from kaiku_runtime.auth import Principal, Role
from kaiku_runtime.errors import ApiError


def check_national(principal: Principal) -> None:
    principal.require_role(Role.NATIONAL, what="read national statistics")


def check_region(principal: Principal, region_id: str) -> None:
    if not (principal.role is Role.NATIONAL or principal.is_region_admin_of(region_id)):
        raise principal.forbid(f"read the statistics of region {region_id}")


def reads_exact_region(principal: Principal) -> bool:
    """A region admin reads its own region exactly; the national office reads what is published."""
    return principal.role is Role.REGION_ADMIN


def check_venue(principal: Principal, venue_id: str, venue_region: str | None) -> None:
    allowed = (
        principal.role is Role.NATIONAL
        or (principal.role is Role.VENUE and principal.org == venue_id)
        or (principal.role is Role.REGION_ADMIN and venue_region in (None, principal.region))
    )
    if not allowed:
        raise principal.forbid(f"read the statistics of venue {venue_id}")


def check_distributor(principal: Principal, distributor_id: str, distributor_region: str | None) -> None:
    own = principal.role is Role.DISTRIBUTOR and principal.org == distributor_id
    admin = principal.role is Role.REGION_ADMIN and distributor_region in (None, principal.region)
    if not (own or admin or principal.role is Role.NATIONAL):
        raise principal.forbid(f"read the statistics of distributor {distributor_id}")


def check_report(principal: Principal, region_id: str | None) -> None:
    if principal.role is Role.NATIONAL:
        return
    if region_id is None:
        if principal.role is Role.REGION_ADMIN:
            raise ApiError(RejectionReason.INVALID_REQUEST, "region_id is required: a region admin reports its region")
        raise principal.forbid("read the national annual report")
    if not principal.is_region_admin_of(region_id):
        raise principal.forbid(f"read the annual report of region {region_id}")


def flags_region(principal: Principal, region_id: str | None) -> str | None:
    """The region whose flags to read (None: every region): a region admin its own, the national office any."""
    if principal.role is Role.REGION_ADMIN:
        region_id = region_id or principal.region
        if region_id is None or not principal.is_region_admin_of(region_id):
            raise principal.forbid(f"read the flags of region {region_id}")
    elif principal.role is not Role.NATIONAL:
        raise principal.forbid("read the misuse watch's flags")
    return region_id


def check_uses(principal: Principal, region_id: str) -> None:
    """Individual uses: the region's coordinator (§9.3) and the national office."""
    if not (principal.role is Role.NATIONAL or principal.is_region_admin_of(region_id)):
        raise principal.forbid(f"list the uses of region {region_id}")
