"""Refusing cleanly under overload (docs/architecture.md "Overload"): a service that is asked for more than it
can do answers the surplus at once with 503 `overloaded` and `Retry-After`, instead of letting requests queue
until clients time out or connections reset. A box office or an agency's integration then knows to retry the
same use (same `redemption_id`, so it never counts twice) a moment later.

The bound is on requests in flight in one process (`KAIKU_HTTP_MAX_IN_FLIGHT`): they share one database pool,
so more in flight only lengthens every request's wait. Health, readiness and metrics are never refused: an
orchestrator must see a busy service as alive.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from kaiku_runtime.errors import error_body
from kaiku_runtime.metrics import HTTP_OVERLOAD_REFUSALS

OVERLOADED = "overloaded"
RETRY_AFTER_SECONDS = 1
"""A use takes milliseconds once admitted: a second is enough for the queue to drain, short for a clerk."""
API_PREFIX = "/v1/"


class ShedLoad:
    """ASGI middleware: at most `limit()` API requests in flight; the rest get 503 with `Retry-After`."""

    def __init__(self, app: ASGIApp, *, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit  # read per request: the settings are the service's, made at start-up
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit():
            HTTP_OVERLOAD_REFUSALS.inc()
            detail = f"the service is busy: send the same request again in {RETRY_AFTER_SECONDS} s"
            refusal = JSONResponse(
                error_body(OVERLOADED, detail), status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
