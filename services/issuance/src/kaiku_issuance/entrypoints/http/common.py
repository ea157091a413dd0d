"""What every route shares: turning a domain refusal into the one error shape, and today's date."""

from __future__ import annotations

from datetime import date
from typing import Any

from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.http.common import ErrorBody
from kaiku_runtime.errors import ApiError

from kaiku_issuance.domain.refusals import Refusal


def refused(*refusals: Refusal) -> ApiError:
    return ApiError(refusals[0].reason, "; ".join(r.message for r in refusals))


def not_found(what: str, reason: RejectionReason = RejectionReason.NOT_FOUND) -> ApiError:
    return ApiError(reason, f"{what} is not registered", 404)


def today() -> date:
    return helsinki_today()


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: every error answer has the `{reason, detail}` body."""
    described = {
        401: "No token or a bad one (`unauthenticated`)",
        403: "Outside the token's scope (`forbidden`)",
        404: "Not registered",
        409: "Refused by a rule",
        413: "The file is too large",
        422: "`invalid_request`: the detail names the field, never its value",
    }
    return {s: {"model": ErrorBody, "description": described[s]} for s in (401, 403, *statuses)}
