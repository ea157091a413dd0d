"""Who may do what in issuance (docs/contract.md HTTP table): a distributor its own cards, a region admin its
region, the national office everything."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kaiku_runtime.auth import Principal, Role


def manages_region(principal: Principal, region_id: str) -> bool:
    return principal.role is Role.NATIONAL or principal.is_region_admin_of(region_id)


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
