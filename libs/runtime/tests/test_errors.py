"""Errors are `{"reason", "detail"}`; validation errors name the field and never echo the value (§11)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from kaiku_contracts.cards import MotherTongue, PostalCode
from kaiku_runtime.errors import install_error_handlers
from pydantic import BaseModel, ConfigDict, Field

pytestmark = pytest.mark.unit


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    postal_code: str = Field(pattern=r"^[0-9]{5}$")


class Holder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mother_tongue: MotherTongue
    postal_code: PostalCode


def make_client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def things(body: Body) -> dict[str, str]:
        return {"ok": body.postal_code}

    @app.post("/holders")
    async def holders(body: Holder) -> dict[str, str]:
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


def test_a_contract_format_is_explained_in_words_not_as_a_regex() -> None:
    response = make_client().post("/holders", json={"mother_tongue": "suomi", "postal_code": "FI-00100"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "mother_tongue: should be a two-letter language code (ISO 639-1: fi, sv, ru, ...) or 'other'" in detail
    assert "postal_code: should be five digits (a Finnish postal code)" in detail
    assert "^" not in detail
    assert "suomi" not in response.text
    assert "FI-00100" not in response.text
