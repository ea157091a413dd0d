"""Composition root of the staff portal: FastAPI + Jinja2 pages, its own PostgreSQL for accounts and
sessions, and an HTTP client to the issuance, usage and stats services (it owns no domain data, and
publishes and consumes no events: no Kafka)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from kaiku_runtime.db import service_migrations
from kaiku_runtime.service import KaikuService

from kaiku_portal.adapters.oidc import provider
from kaiku_portal.adapters.upstream import Services
from kaiku_portal.entrypoints.http import install_pages
from kaiku_portal.entrypoints.http.distributor import MAX_UPLOAD_BYTES
from kaiku_portal.service.accounts import Accounts
from kaiku_portal.settings import PortalSettings

MIGRATIONS = service_migrations(__file__)
settings = PortalSettings()

service = KaikuService(
    "portal",
    settings=settings,
    migrations=MIGRATIONS,
    title="Kaikukortti staff portal",
    description="Server-rendered pages for staff in Finnish, Swedish and English on top of the services' APIs.",
    kafka=False,
    api_docs=False,
    identity_codes=False,  # the services refuse them in what the portal forwards, in the person's language
    pool_size=(1, 10),
)
app = service.app


@contextlib.asynccontextmanager
async def clients(running: KaikuService) -> AsyncIterator[None]:
    """The account store on the pool, the client to the three services, and the OIDC provider if any."""
    current = running.settings
    assert isinstance(current, PortalSettings)
    http = httpx.AsyncClient(timeout=current.upstream_timeout_seconds)
    running.app.state.accounts = Accounts(running.pool)
    running.app.state.services = Services(current, http)
    running.app.state.oidc = provider(current)
    try:
        yield
    finally:
        await http.aclose()


async def services_ready() -> dict[str, str]:
    """The services' state is shown, not required: a page whose service is down says so."""
    upstream: Services = app.state.services
    return await upstream.ready()


service.add_resource(clients)
service.add_readiness_detail("services", services_ready)
# staff forms are small: 64 KiB like every JSON body; the two uploads take their import's cap
for path in ("/cards/import", "/venue-report"):
    service.allow_upload(path, MAX_UPLOAD_BYTES)
install_pages(app, settings)
