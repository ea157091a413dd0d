"""The published contract: every docs/contract.md issuance path is in OpenAPI, with the error body documented,
and both card events are in AsyncAPI (generated from the code, never hand-written)."""

from __future__ import annotations

import pytest
from kaiku_issuance.app import service

pytestmark = pytest.mark.unit


def test_openapi_lists_the_interface_and_the_extensions() -> None:
    paths = service.app.openapi()["paths"]
    expected = {
        ("/v1/regions", "post"),
        ("/v1/regions/{region_id}", "patch"),
        ("/v1/regions/{region_id}/card-ranges", "post"),
        ("/v1/regions/{region_id}/card-ranges/{range_id}", "delete"),
        ("/v1/distributors", "post"),
        ("/v1/distributors/{distributor_id}/branches/{branch_id}", "put"),
        ("/v1/cards", "post"),
        ("/v1/cards/{card_code}", "get"),
        ("/v1/cards/{card_code}/revocation", "post"),
        ("/v1/imports/cards", "post"),
    }
    assert expected <= {(path, method) for path, methods in paths.items() for method in methods}
    card_post = paths["/v1/cards"]["post"]
    assert {"201", "401", "403", "409", "422"} <= set(card_post["responses"])
    assert "ErrorBody" in card_post["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]


def test_asyncapi_documents_both_card_events() -> None:
    spec = service.asyncapi.build()
    assert set(spec["channels"]["kaiku.cards.v1"]["messages"]) == {"CardIssued", "CardRevoked"}
