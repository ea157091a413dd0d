"""The portal in-process on its own PostgreSQL database, with the services out of reach (a page whose
service is down says so) unless a test points it elsewhere."""

from __future__ import annotations

import pytest
from asgi_lifespan import LifespanManager
from kaiku_devkit.testing import Databases
from kaiku_portal import app as portal

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers


@pytest.fixture
async def portal_alone(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> LifespanManager:
    """Start it with `async with portal_alone as manager:`; settings may be changed before that."""
    monkeypatch.setattr(portal.service, "database_url", databases.new("portal"))
    for name in ("issuance_url", "usage_url", "stats_url"):
        monkeypatch.setattr(portal.settings, name, NOWHERE)
    return LifespanManager(portal.app)
