"""Agency submissions that cannot be read: whom to tell (docs/contract.md: one outcome per agency submission)."""

from __future__ import annotations

import json
from typing import Any

from kaiku_contracts.envelope import EntityId
from kaiku_contracts.identity_codes import contains_identity_code
from kaiku_contracts.redemptions import RedemptionId
from pydantic import TypeAdapter, ValidationError

_redemption_id: TypeAdapter[str] = TypeAdapter(RedemptionId)
_agency_id: TypeAdapter[str] = TypeAdapter(EntityId)


def answerable(value: bytes | None) -> tuple[str, str] | None:
    """`(redemption_id, agency_id)` of an unreadable submission that still names both, else None.

    Such a submission is answered `invalid_request` so the agency learns why its sale was not recorded
    (it has no access to the dead-letter topic); one that names neither cannot be answered.
    """
    try:
        document: Any = json.loads(value or b"")
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    try:
        ids = (
            _redemption_id.validate_python(document.get("redemption_id")),
            _agency_id.validate_python(document.get("agency_id")),
        )
    except ValidationError:
        return None
    # an answer repeats both ids: one that is somebody's identity code is never repeated (§11)
    return None if any(contains_identity_code(i) for i in ids) else ids
