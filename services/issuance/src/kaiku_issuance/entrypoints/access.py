"""Who may do what in issuance (docs/contract.md HTTP table): a distributor its own cards, a region admin its
region, the national office everything."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kaiku_runtime.auth import CurrentPrincipal, Principal, Role
from kaiku_runtime.ownership import RegionRegistry, refuse_other_region
from kaiku_runtime.service import CurrentService


def region_here(registry: RegionRegistry | None, region_id: str) -> None:
    """Regions, distributors and cards are registered only by the deployment that owns the region
    (docs/architecture.md "Regional deployments"); another region's are refused naming its deployment."""
    refuse_other_region(registry, region_id)


async def region_served_here(principal: CurrentPrincipal, service: CurrentService) -> None:
    """A token of another deployment's region (a distributor, a region admin) is sent to that deployment."""
    if principal.region:
        refuse_other_region(service.regions, principal.region)


def manages_region(principal: Principal, region_id: str) -> bool:
    return principal.role is Role.NATIONAL or principal.is_region_admin_of(region_id)


def sees_card_stock(principal: Principal, region_id: str) -> bool:
    """Who may read a region's printed code ranges: those who manage it, and its distributors, who print and
    hand out cards from that stock (the portal's printable card sheets, docs/portal/README.md)."""
    its_distributor = principal.role is Role.DISTRIBUTOR and principal.region == region_id
    return its_distributor or manages_region(principal, region_id)


def is_distributor(principal: Principal, distributor_id: str) -> bool:
    return principal.role is Role.DISTRIBUTOR and principal.org == distributor_id


def sees_card(principal: Principal, *, region_id: str, distributor_id: str) -> bool:
    """The issuing distributor, its region's admin, the national office (also who may revoke it)."""
    return is_distributor(principal, distributor_id) or manages_region(principal, region_id)


def sees_card_or_its_absence(principal: Principal, card: Mapping[str, Any] | None) -> bool:
    """Whether the caller may learn about this card, or (`card` None) that no card has the code.

    Only the national office sees every code, so only it may learn that one is unused: a distributor or
    region admin is refused alike for another's card and for a code nobody has (no probing of codes).
    """
    if card is None:
        return principal.role is Role.NATIONAL
    return sees_card(principal, region_id=card["region_id"], distributor_id=card["distributor_id"])


def sees_distributor(principal: Principal, *, region_id: str, distributor_id: str) -> bool:
    return sees_card(principal, region_id=region_id, distributor_id=distributor_id)


def imports_for(principal: Principal, *, region_id: str, distributor_id: str) -> bool:
    """Paper forms are entered by the distributor, or by its region's coordinator on its behalf (§4.2)."""
    return sees_card(principal, region_id=region_id, distributor_id=distributor_id)


def learns_distributor_is_unknown(principal: Principal, distributor_id: str) -> bool:
    """Whether a caller may learn that no distributor has the id: the national office, or a token naming that
    distributor itself; anyone else is refused alike for another's distributor and for an unused id."""
    return is_distributor(principal, distributor_id) or principal.role is Role.NATIONAL


def reads_region(principal: Principal, region_id: str) -> bool:
    """The national office any region; any other role only its own region (docs/issuance.md HTTP table)."""
    return principal.role is Role.NATIONAL or principal.region == region_id


def listed_regions(principal: Principal) -> str | None:
    """Which regions a caller may list: None for all (the national office), or the region admin's own."""
    if principal.role is Role.NATIONAL:
        return None
    if principal.role is Role.REGION_ADMIN and principal.region:
        return principal.region
    raise principal.forbid("list regions")


def listed_cards(
    principal: Principal, *, distributor_id: str | None, region_id: str | None
) -> tuple[str | None, str | None]:
    """The `(distributor_id, region_id)` filters a caller may list cards by: a distributor its own, a region
    admin its region's, the national office any (None: any)."""
    if principal.role is Role.DISTRIBUTOR:
        if distributor_id not in (None, principal.org):
            raise principal.forbid("list another distributor's cards")
        return principal.org, region_id
    if principal.role is Role.REGION_ADMIN:
        if region_id not in (None, principal.region):
            raise principal.forbid("list another region's cards")
        return distributor_id, principal.region
    if principal.role is not Role.NATIONAL:
        raise principal.forbid("list cards")
    return distributor_id, region_id


def listed_distributors(principal: Principal, *, region_id: str | None) -> tuple[str | None, str | None]:
    """The `(distributor_id, region_id)` filters a caller may list distributors by: a distributor itself, a
    region admin its region's, the national office all or one region's (None: any)."""
    if principal.role is Role.DISTRIBUTOR:
        return principal.org, region_id
    if principal.role is Role.REGION_ADMIN:
        if region_id not in (None, principal.region):
            raise principal.forbid("list another region's distributors")
        return None, principal.region
    if principal.role is not Role.NATIONAL:
        raise principal.forbid("list distributors")
    return None, region_id
