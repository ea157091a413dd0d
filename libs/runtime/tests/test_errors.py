"""Errors are `{"reason", "detail"}`; validation errors name the field and never echo the value (§11)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from kaiku_runtime.errors import install_error_handlers
from pydantic import BaseModel, ConfigDict, Field

pytestmark = pytest.mark.unit


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    postal_code: str = Field(pattern=r"^[0-9]{5}$")


def make_client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def things(body: Body) -> dict[str, str]:
        return {"ok": body.postal_code}

    return TestClient(app)


def test_unknown_field_is_refused_without_echoing_the_value() -> None:
    response = make_client().post("/things", json={"postal_code": "00100", "name": "Maija Meikäläinen"})
    assert response.status_code == 422
    body = response.json()
    assert body["reason"] == "invalid_request"
    assert "name" in body["detail"]
    assert "Maija" not in response.text


def test_bad_value_names_the_field_but_not_the_value() -> None:
    response = make_client().post("/things", json={"postal_code": "1234X"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("postal_code:")
    assert "1234X" not in response.text


def test_unknown_path_is_a_json_error() -> None:
    response = make_client().get("/nowhere")
    assert response.status_code == 404
    assert response.json()["reason"] == "not_found"
