"""The portal calls the services as the signed-in person, under the page request's correlation id."""

from __future__ import annotations

import httpx
import pytest
import structlog
from kaiku_devkit.testing import ServiceRunner, unique
from kaiku_portal.adapters.upstream import Services
from kaiku_portal.domain.accounts import Person
from kaiku_portal.settings import PortalSettings
from kaiku_runtime.auth import Role
from kaiku_runtime.metrics import REQUEST_ID_HEADER
from kaiku_runtime.settings import DEV_JWT_SECRET

pytestmark = pytest.mark.connected


async def test_a_page_requests_id_reaches_the_service_it_calls(service_runner: ServiceRunner) -> None:
    usage = service_runner.start("usage")
    settings = PortalSettings(usage_url=usage.url, jwt_secret=DEV_JWT_SECRET)
    clerk = Person("a1", "clerk.one", Role.VENUE, "R1", unique("V"))
    async with httpx.AsyncClient(timeout=10) as http:
        services = Services(settings, http)
        with structlog.contextvars.bound_contextvars(request_id="portal-4711"):
            answer = await services.request(clerk, "usage", "GET", "/v1/cards/E1/status")
        assert answer.json() == {"card_code": "E1", "valid": False, "valid_until": None, "reason": "card_unknown"}
        assert answer.headers[REQUEST_ID_HEADER] == "portal-4711"  # the service took the portal's id as its own


async def test_open_data_is_asked_once_while_stats_lets_it_be_kept() -> None:
    """The public page asks for a year's twelve months; each URL reaches stats once per its max-age."""
    asked: list[str] = []

    def stats(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        cache = "public, max-age=300" if request.url.params.get("period") != "2026-02" else "no-store"
        return httpx.Response(200, json={"period": request.url.params["period"]}, headers={"Cache-Control": cache})

    async with httpx.AsyncClient(transport=httpx.MockTransport(stats)) as http:
        services = Services(PortalSettings(stats_url="http://stats"), http)
        for _ in range(3):
            assert (await services.open_data("/v1/open/national", period="2026-01")).json() == {"period": "2026-01"}
            await services.open_data("/v1/open/national", period="2026-02")
    assert len([url for url in asked if "2026-01" in url]) == 1
    assert len([url for url in asked if "2026-02" in url]) == 3  # no-store: asked every time
