"""The portal outside development mode: no start on a guessable key, a `Secure` session cookie, HSTS when
served over TLS (KAIKU_PUBLIC_URL https, or a proxy's `X-Forwarded-Proto: https`), bodies capped."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from kaiku_portal import app as portal
from kaiku_portal.settings import PortalSettings
from kaiku_runtime.auth import Role
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES
from kaiku_runtime.settings import startup_refusal

from .conftest import NOWHERE

PASSWORD = "a-long-test-password"
STRONG = secrets.token_hex(32)


def production(**values: object) -> PortalSettings:
    upstream = dict.fromkeys(("issuance_url", "usage_url", "stats_url"), NOWHERE)
    return PortalSettings(**{"dev_mode": False, "jwt_secret": STRONG, **upstream, **values})  # type: ignore[arg-type]


@pytest.mark.unit
def test_cookies_are_secure_unless_development_mode():
    assert production().cookie_secure is True
    assert PortalSettings(dev_mode=True).cookie_secure is False
    assert PortalSettings(dev_mode=True, cookie_secure=True).cookie_secure is True


@pytest.mark.unit
def test_the_portals_own_state_secret_must_be_strong_once_it_signs_in_through_oidc():
    assert startup_refusal(production()) is None
    refusal = startup_refusal(production(oidc_issuer="https://idp.example.fi"))
    assert refusal is not None
    assert refusal.startswith("KAIKU_OIDC_STATE_SECRET is not set")
    assert startup_refusal(production(oidc_state_secret="change-me-state-secret-0123456789abcdef")) is not None
    assert startup_refusal(production(oidc_issuer="https://idp.example.fi", oidc_state_secret=STRONG)) is None


@pytest.mark.unit
async def test_the_portal_refuses_to_start_on_the_development_secret(monkeypatch: pytest.MonkeyPatch):
    """The ASGI lifespan as uvicorn drives it: the start fails with one line saying what to set."""
    monkeypatch.setattr(portal.service, "settings", production(jwt_secret=""))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await portal.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert sent[0]["message"].startswith("kaiku-portal refuses to start: KAIKU_JWT_SECRET is not set")
    assert "\n" not in sent[0]["message"]


@pytest.fixture
async def served(portal_alone: LifespanManager, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    # the running portal's own settings object (the app's state holds the same one), as outside dev mode
    assert portal.app.state.settings is portal.settings
    monkeypatch.setattr(portal.settings, "cookie_secure", production().cookie_secure)
    monkeypatch.setattr(portal.settings, "public_url", None)
    async with portal_alone as manager:
        await portal.app.state.accounts.create("clerk.tls", PASSWORD, Role.VENUE, "R1", "V1")
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as http:
            yield http


@pytest.mark.connected
async def test_the_session_cookie_is_secure_and_hsts_goes_with_tls(
    served: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    signed_in = await served.post("/login", data={"username": "clerk.tls", "password": PASSWORD})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"].lower()
    assert "; secure" in cookie
    assert "httponly" in cookie

    plain = await served.get("/login")
    assert "strict-transport-security" not in plain.headers, "no HSTS claimed for plain HTTP"
    behind_proxy = await served.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert behind_proxy.headers["strict-transport-security"].startswith("max-age=31536000")
    monkeypatch.setattr(portal.settings, "public_url", "https://kaiku.example.fi")
    public = await served.get("/login")
    assert public.headers["strict-transport-security"].startswith("max-age=31536000")


@pytest.mark.connected
async def test_a_form_over_64_kib_is_413(served: httpx.AsyncClient):
    r = await served.post("/login", data={"username": "x", "password": "y" * MAX_JSON_BODY_BYTES})
    assert r.status_code == 413
    assert r.json()["reason"] == "payload_too_large"
