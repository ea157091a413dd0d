"""JSON Schemas of every event and of the open-data feed, generated from the models and committed in
`contracts/schemas/`.

`kaiku schemas` (also `kaiku-schemas`, `make schemas`) rewrites them; `--check` fails when the committed
files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kaiku_contracts.cards import CardIssued, CardRevoked
from kaiku_contracts.envelope import Event
from kaiku_contracts.flags import FlagRaised
from kaiku_contracts.http.stats import OpenFigures, OpenRegions
from kaiku_contracts.redemptions import (
    AgencyRedemptionSubmission,
    RedemptionAccepted,
    RedemptionCancelled,
    RedemptionRejected,
    TicketRedeemed,
)
from kaiku_contracts.stats import NationalStatsUpdated, RegionalStatsUpdated

EVENT_MODELS: tuple[type[Event], ...] = (
    CardIssued,
    CardRevoked,
    TicketRedeemed,
    AgencyRedemptionSubmission,
    RedemptionCancelled,
    RedemptionAccepted,
    RedemptionRejected,
    RegionalStatsUpdated,
    NationalStatsUpdated,
    FlagRaised,
)

DOCUMENT_MODELS: tuple[type[BaseModel], ...] = (OpenFigures, OpenRegions)
"""Documents outsiders read over HTTP without the service's OpenAPI at hand: the open-data feed."""

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
DOCUMENT_DIR = "open-data"
"""The documents' schemas, in their own folder beside the events' (contracts/schemas/open-data/)."""


def generate() -> dict[str, dict[str, Any]]:
    """Every committed schema by its path under SCHEMA_DIR, without `.json` (events at the top)."""
    events = {model.__name__: model.model_json_schema() for model in EVENT_MODELS}
    documents = {f"{DOCUMENT_DIR}/{model.__name__}": model.model_json_schema() for model in DOCUMENT_MODELS}
    return events | documents


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(*, check: bool = False) -> list[str]:
    """Rewrite the committed files; with `check`, rewrite nothing. Returns the stale files' names."""
    stale = []
    for name, schema in generate().items():
        path = SCHEMA_DIR / f"{name}.json"
        text = render(schema)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(f"{name}.json")
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    return stale
