"""The HTTP edge (kaiku_runtime.edge) on a real FastAPI app: body caps and identity codes, before auth."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, File, Form, UploadFile
from kaiku_contracts.identity_codes import is_identity_code
from kaiku_devkit.testing import auth
from kaiku_runtime.auth import CurrentPrincipal
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES, HttpEdge, url_fields_with_identity_codes
from kaiku_runtime.errors import install_error_handlers
from kaiku_runtime.metrics import install_http_metrics, request_id_from
from kaiku_runtime.settings import ServiceSettings
from pydantic import BaseModel

pytestmark = pytest.mark.unit
CODE = "131052-308T"
UPLOAD_CAP = 256 * 1024


class Card(BaseModel):
    card_code: str
    note: str = ""


def make_app() -> tuple[FastAPI, list[Any]]:
    seen: list[Any] = []
    app = FastAPI()
    app.state.settings = ServiceSettings(dev_mode=True)
    install_error_handlers(app)
    app.add_middleware(HttpEdge, uploads={"/upload": UPLOAD_CAP})
    install_http_metrics(app, "edge-test")

    @app.post("/cards", status_code=201)
    async def post_card(principal: CurrentPrincipal, card: Card) -> dict[str, str]:
        seen.append(card)
        return {"card_code": card.card_code, "by": principal.role}

    @app.get("/cards/{card_code}")
    async def get_card(card_code: str, period: str = "") -> dict[str, str]:
        seen.append(card_code)
        return {"card_code": card_code}

    @app.post("/upload")
    async def upload(file: Annotated[UploadFile, File()], venue_id: Annotated[str, Form()] = "") -> dict[str, int]:
        data = await file.read()
        seen.append(file.filename)
        return {"bytes": len(data)}

    return app, seen


@pytest.fixture
async def client() -> AsyncIterator[tuple[httpx.AsyncClient, list[Any]]]:
    app, seen = make_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge") as http:
        yield http, seen


def test_the_example_code_is_an_identity_code():
    assert is_identity_code(CODE)


def test_url_fields_name_the_path_parameter_query_key_and_header():
    assert url_fields_with_identity_codes(f"/cards/{CODE}", {"card_code": CODE}, "", None) == ["card_code"]
    assert url_fields_with_identity_codes(f"/x/{CODE}", {}, "", None) == ["path"]
    assert url_fields_with_identity_codes("/x", {}, f"period=2026&region_id={CODE}", None) == ["region_id"]
    assert url_fields_with_identity_codes("/x", {}, "", CODE) == ["X-Request-ID"]
    uuid_path = "/v1/redemptions/0a1b2c3d-0101-4a2b-8c3d-010190123451"
    assert url_fields_with_identity_codes(uuid_path, {}, "", None) == []


def assert_refused(response: httpx.Response, status: int, reason: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"reason", "detail"}
    assert body["reason"] == reason
    if field is not None:
        assert body["detail"].startswith(f"{field}: looks like a personal identity code")
    assert CODE not in response.text
    assert CODE.lower() not in response.text.lower()
    assert all(CODE not in value for value in response.headers.values())


async def test_identity_codes_in_the_body_path_query_and_request_id_are_refused(client: Any):
    http, seen = client
    headers = auth("national")
    assert_refused(
        await http.post("/cards", json={"card_code": CODE}, headers=headers), 422, "invalid_request", "card_code"
    )
    nested = {"card_code": "E1", "note": f"holder {CODE.lower()} called"}
    assert_refused(await http.post("/cards", json=nested, headers=headers), 422, "invalid_request", "note")
    assert_refused(await http.get(f"/cards/{CODE}"), 422, "invalid_request", "card_code")
    assert_refused(await http.get(f"/cards/E1?period={CODE}"), 422, "invalid_request", "period")
    assert_refused(await http.get("/cards/E1", headers={"X-Request-ID": CODE}), 422, "invalid_request", "X-Request-ID")
    assert seen == [], "nothing reached a route"
    ok = await http.post("/cards", json={"card_code": "E1"}, headers=headers)
    assert ok.status_code == 201
    assert seen == [Card(card_code="E1")]


async def test_the_refused_request_id_is_never_bound_into_logs():
    assert request_id_from(CODE) != CODE
    assert request_id_from("portal-4711") == "portal-4711"


async def test_a_json_body_over_64_kib_is_413_before_authentication(client: Any):
    http, seen = client
    big = {"card_code": "E1", "note": "x" * MAX_JSON_BODY_BYTES}
    assert_refused(await http.post("/cards", json=big), 413, "payload_too_large")

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length to go by
        yield b'{"card_code": "E1", "note": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    chunked = await http.post("/cards", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in chunked.request.headers
    assert_refused(chunked, 413, "payload_too_large")
    just_under = {"card_code": "E1", "note": "x" * (MAX_JSON_BODY_BYTES - 100)}
    assert len(json.dumps(just_under)) <= MAX_JSON_BODY_BYTES
    assert (await http.post("/cards", json=just_under)).status_code == 401, "under the cap: on to authentication"
    assert seen == []


async def test_uploads_take_their_own_cap_and_refuse_identity_codes_in_file_names_and_fields(client: Any):
    http, seen = client
    fine = await http.post("/upload", files={"file": ("report.csv", b"a" * (UPLOAD_CAP // 2))})
    assert fine.status_code == 200, fine.text
    assert_refused(
        await http.post("/upload", files={"file": ("r.csv", b"a" * (UPLOAD_CAP + 1))}), 413, "payload_too_large"
    )
    named = await http.post("/upload", files={"file": (f"{CODE}.csv", b"card_code\nE1\n")})
    assert_refused(named, 422, "invalid_request", "file (file name)")
    field = await http.post("/upload", files={"file": ("r.csv", b"x")}, data={"venue_id": CODE})
    assert_refused(field, 422, "invalid_request", "venue_id")
    assert seen == ["report.csv"]
