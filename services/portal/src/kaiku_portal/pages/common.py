"""Small helpers shared by the pages."""

from __future__ import annotations

from typing import Any

from kaiku_portal.accounts import Session
from kaiku_portal.upstream import NOT_AVAILABLE_YET, Rejection, ServiceName, Services


def items(payload: Any, *keys: str) -> list[dict[str, Any]]:
    """The list in a listing answer, whether the service sends a bare list or wraps it (`{"cards": [...]}`)."""
    if isinstance(payload, list):
        return [x for x in payload if isinstance(x, dict)]
    if isinstance(payload, dict):
        for key in (*keys, "items", "results", "rows"):
            value = payload.get(key)
            if isinstance(value, list):
                return [x for x in value if isinstance(x, dict)]
    return []


def listing_unavailable(rejection: Rejection) -> bool:
    return rejection.reason == NOT_AVAILABLE_YET


async def region_listing(
    services: Services, session: Session, service: ServiceName, path: str, key: str
) -> tuple[list[dict[str, Any]], bool]:
    """The person's region's distributors or venues, and whether the service could list them at all
    (an older service without the listing answers `not_available_yet`)."""
    try:
        answer = await services.get(session.person, service, path, region_id=session.person.region_id)
        return items(answer, key), True
    except Rejection as rejection:
        if listing_unavailable(rejection):
            return [], False
        raise
