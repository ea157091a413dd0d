"""Small helpers shared by the pages."""

from __future__ import annotations

from typing import Any

from kaiku_portal.adapters.upstream import ServiceName, Services
from kaiku_portal.domain.accounts import Session


async def region_listing(
    services: Services, session: Session, service: ServiceName, path: str, key: str
) -> list[dict[str, Any]]:
    """The person's region's distributors or venues (`{key: [...]}`: docs/contract.md)."""
    answer = await services.get(session.person, service, path, region_id=session.person.region_id)
    listed: list[dict[str, Any]] = answer[key]
    return listed
