"""Small helpers shared by the pages."""

from __future__ import annotations

from typing import Any

from kaiku_portal.upstream import NOT_AVAILABLE_YET, Rejection


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
