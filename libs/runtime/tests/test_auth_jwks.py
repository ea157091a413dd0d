"""Production tokens from an OIDC issuer: verified against its JWKS, served here by a real HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm
from kaiku_devkit.testing import ServiceRunner
from kaiku_runtime.auth import CurrentPrincipal, Role, issue_token
from kaiku_runtime.errors import install_error_handlers
from kaiku_runtime.settings import DEV_JWT_SECRET, ServiceSettings

pytestmark = pytest.mark.connected
ISSUER = "https://idp.example.fi/realms/kaiku"
AUDIENCE = "kaiku"
PORTAL_SECRET = "the-portals-own-secret-of-32-bytes!"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """The issuer's `jwks_uri`: one RSA key, kid `k1`."""
    jwk = {**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "use": "sig", "alg": "RS256"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/protocol/openid-connect/certs"
    server.shutdown()


def oidc_token(key: Any = KEY, kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    body = {"sub": "idp|anna", "role": "region_admin", "region": "R1", "iss": ISSUER, "aud": AUDIENCE,
            "iat": now, "exp": now + 300, **claims}  # fmt: skip
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


def client_for(settings: ServiceSettings) -> TestClient:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)

    @app.get("/whoami")
    async def whoami(principal: CurrentPrincipal) -> dict[str, str | None]:
        return {"sub": principal.sub, "role": principal.role.value, "region": principal.region}

    return TestClient(app)


def status(client: TestClient, token: str) -> int:
    return client.get("/whoami", headers={"Authorization": f"Bearer {token}"}).status_code


def test_the_issuers_tokens_are_accepted_and_forged_or_foreign_ones_refused(jwks_url: str) -> None:
    client = client_for(
        ServiceSettings(jwt_secret=PORTAL_SECRET, jwt_jwks_url=jwks_url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    )
    answer = client.get("/whoami", headers={"Authorization": f"Bearer {oidc_token()}"})
    assert (answer.status_code, answer.json()) == (200, {"sub": "idp|anna", "role": "region_admin", "region": "R1"})
    assert status(client, oidc_token(key=OTHER_KEY)) == 401  # signed by someone else under the issuer's kid
    assert status(client, oidc_token(kid="k2")) == 401  # a key the issuer does not publish
    assert status(client, oidc_token(iss="https://evil.example/realms/kaiku")) == 401
    assert status(client, oidc_token(aud="another-app")) == 401
    assert status(client, oidc_token(exp=int(time.time()) - 5)) == 401
    assert status(client, oidc_token(role="venue", org="V1", region=None)) == 401  # a venue needs its region
    # the portal's own HS256 tokens keep working beside the issuer's
    assert status(client, issue_token(PORTAL_SECRET, role=Role.NATIONAL, sub="portal")) == 200
    assert status(client, issue_token("guessed-secret-guessed-secret-123", role=Role.NATIONAL, sub="x")) == 401


def test_development_tokens_are_refused_where_an_issuer_signs_tokens(jwks_url: str) -> None:
    client = client_for(ServiceSettings(jwt_secret=DEV_JWT_SECRET, jwt_jwks_url=jwks_url))
    assert status(client, issue_token(DEV_JWT_SECRET, role=Role.NATIONAL, sub="x")) == 401
    assert status(client, oidc_token()) == 200  # no issuer or audience configured: the signature decides


async def test_a_service_configured_with_the_issuer_accepts_its_tokens(
    service_runner: ServiceRunner, jwks_url: str
) -> None:
    usage = service_runner.start(
        "usage", KAIKU_JWT_JWKS_URL=jwks_url, KAIKU_JWT_ISSUER=ISSUER, KAIKU_JWT_AUDIENCE=AUDIENCE,
        KAIKU_JWT_SECRET=PORTAL_SECRET,
    )  # fmt: skip
    async with httpx.AsyncClient(timeout=10) as http:
        clerk = oidc_token(role="venue", org="V1")
        r = await http.get(f"{usage.url}/v1/cards/E1/status", headers={"Authorization": f"Bearer {clerk}"})
        assert r.status_code == 200, r.text
        dev = issue_token(DEV_JWT_SECRET, role=Role.VENUE, sub="x", region="R1", org="V1")
        r = await http.get(f"{usage.url}/v1/cards/E1/status", headers={"Authorization": f"Bearer {dev}"})
        assert r.status_code == 401
