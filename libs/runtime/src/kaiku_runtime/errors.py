"""The one error shape: `{"reason": "<code>", "detail": "<human text>"}`.

See docs/contract.md "Errors and rejection reasons".
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import PATTERN_MEANINGS
from starlette.exceptions import HTTPException as StarletteHTTPException

STATUS_BY_REASON: dict[RejectionReason, int] = {
    RejectionReason.UNAUTHENTICATED: 401,
    RejectionReason.FORBIDDEN: 403,
    RejectionReason.AGENCY_NOT_AUTHORISED: 403,
    RejectionReason.INVALID_REQUEST: 422,
    RejectionReason.LIMIT_BELOW_MINIMUM: 422,
    RejectionReason.NOT_FOUND: 404,
    RejectionReason.PAYLOAD_TOO_LARGE: 413,
}
"""Every other reason is a well-formed request refused by a rule: 409."""
HTTP_REASONS: dict[int, str] = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 413: "payload_too_large"}


class ApiError(Exception):
    """A refusal with a reason code; routes raise it, the handler renders it."""

    def __init__(self, reason: RejectionReason, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.status = status if status is not None else STATUS_BY_REASON.get(reason, 409)


def error_body(reason: RejectionReason | str, detail: str) -> dict[str, str]:
    return {"reason": str(reason), "detail": detail}


def describe_validation_errors(errors: list[Any]) -> str:
    """Name each offending field and what is wrong, never echoing the submitted value (§11)."""
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        if kind == "extra_forbidden":
            message = "is not an accepted field (personal data is never recorded)"
        elif kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_MEANINGS:
            message = f"should be {PATTERN_MEANINGS[ctx['pattern']]}"
        else:
            message = str(err.get("msg", "is invalid"))
            expected = ctx.get("expected")
            if expected and "expected" not in message.lower():
                message = f"{message}; allowed: {expected}"
        parts.append(f"{loc or 'body'}: {message}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return JSONResponse(error_body(exc.reason, exc.detail), status_code=exc.status)

    async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        detail = describe_validation_errors(list(exc.errors()))
        return JSONResponse(error_body(RejectionReason.INVALID_REQUEST, detail), status_code=422)

    async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        # the edge (kaiku_runtime.edge) raises these with their reason while a route streams the body
        reason = getattr(exc, "reason", None) or HTTP_REASONS.get(exc.status_code, "http_error")
        return JSONResponse(error_body(reason, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
