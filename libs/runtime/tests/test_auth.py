"""JWT rules of docs/contract.md "Authentication": 401 for no/bad/expired/`alg: none` tokens, claims per role."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from kaiku_runtime.auth import CurrentPrincipal, Role, issue_token
from kaiku_runtime.errors import install_error_handlers
from kaiku_runtime.settings import ServiceSettings

pytestmark = pytest.mark.unit
SECRET = "a-test-secret-of-at-least-32-bytes!"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.state.settings = ServiceSettings(jwt_secret=SECRET)
    install_error_handlers(app)

    @app.get("/whoami")
    async def whoami(principal: CurrentPrincipal) -> dict[str, str | None]:
        principal.require_role(Role.NATIONAL, Role.REGION_ADMIN, what="ask")
        return {"sub": principal.sub, "role": principal.role.value, "region": principal.region}

    return TestClient(app)


def call(client: TestClient, token: str | None) -> tuple[int, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = client.get("/whoami", headers=headers)
    return response.status_code, response.json()


def test_valid_token_is_accepted(client: TestClient) -> None:
    status, body = call(client, issue_token(SECRET, role=Role.REGION_ADMIN, sub="anna", region="R1"))
    assert (status, body) == (200, {"sub": "anna", "role": "region_admin", "region": "R1"})


@pytest.mark.parametrize(
    "token",
    [
        None,
        "not-a-jwt",
        issue_token("another-secret", role=Role.NATIONAL, sub="x"),
        jwt.encode({"sub": "x", "role": "national", "exp": int(time.time()) + 60}, key=None, algorithm="none"),
        jwt.encode({"sub": "x", "role": "national", "exp": int(time.time()) - 10}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "x", "role": "king", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "x", "role": "venue", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "x", "role": "national"}, SECRET, algorithm="HS256"),
    ],
    ids=[
        "missing",
        "garbage",
        "bad-signature",
        "alg-none",
        "expired",
        "unknown-role",
        "venue-without-claims",
        "no-exp",
    ],
)
def test_bad_tokens_are_401_unauthenticated(client: TestClient, token: str | None) -> None:
    status, body = call(client, token)
    assert status == 401
    assert body["reason"] == "unauthenticated"
    assert body["detail"]


def test_valid_token_outside_its_scope_is_403(client: TestClient) -> None:
    status, body = call(client, issue_token(SECRET, role=Role.VENUE, sub="clerk", region="R1", org="V1"))
    assert status == 403
    assert body == {"reason": "forbidden", "detail": "a venue token may not ask"}
