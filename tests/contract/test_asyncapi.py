"""Each service's AsyncAPI document (`/asyncapi.json`) is a valid AsyncAPI 3.0 document that says what a
producer must send: the committed JSON Schema of every message (contracts/schemas/), its key and headers.

Validated against the official AsyncAPI 3.0.0 JSON Schema, vendored in asyncapi/ (see its README.md).
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from kaiku_contracts.redemptions import SIGNATURE_HEADER
from kaiku_contracts.topics import ALL_TOPICS, EVENT_TYPE_HEADER, Topics

pytestmark = pytest.mark.unit

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE.parents[1] / "contracts" / "schemas"
ASYNCAPI_SCHEMA = json.loads((HERE / "asyncapi" / "asyncapi-3.0.0.schema.json").read_text())
# AsyncAPI 3.0.0 "Components Object": keys MUST match this (the JSON Schema does not check it)
COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9\.\-_]+$")
KEYS = {spec.name: spec.key for spec in ALL_TOPICS}
SERVICES = ("issuance", "usage", "stats")


def asyncapi_errors(document: dict[str, Any]) -> list[str]:
    """Why `document` is not a valid AsyncAPI 3.0 document (empty when it is)."""
    validator = jsonschema.Draft7Validator(ASYNCAPI_SCHEMA)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    for section, entries in document.get("components", {}).items():
        errors += [f"components/{section}/{key}: not a valid key" for key in entries if not COMPONENT_KEY.match(key)]
    errors += [f"{ref}: points at nothing" for ref in refs(document) if resolve(document, ref) is None]
    return errors


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in refs(item)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def document_of(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"kaiku_{service}.app").service
    document: dict[str, Any] = app.asyncapi.build()
    return document


def standalone(schemas: dict[str, Any], name: str) -> dict[str, Any]:
    """A payload schema taken back out of the document: its components as `$defs`, as it was committed."""
    needed, todo = set(), [name]
    while todo:
        for ref in refs(schemas[todo.pop()]):
            found = ref.removeprefix("#/components/schemas/")
            if found not in needed:
                needed.add(found)
                todo.append(found)
    text = json.dumps({**schemas[name], **({"$defs": {n: schemas[n] for n in needed}} if needed else {})})
    back: dict[str, Any] = json.loads(text.replace('"#/components/schemas/', '"#/$defs/'))
    return back


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_serves_a_valid_asyncapi_3_document(service: str):
    document = document_of(service)
    assert document["asyncapi"] == "3.0.0"
    assert asyncapi_errors(document) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_message_carries_its_committed_schema_key_and_headers(service: str):
    document = document_of(service)
    schemas = document["components"]["schemas"]
    assert "binary" not in json.dumps(document), "no raw-bytes payloads: the contract says what to send"
    for channel in document["channels"].values():
        for name, ref in channel["messages"].items():
            message = resolve(document, ref["$ref"])
            assert message["payload"] == {"$ref": f"#/components/schemas/{name}"}
            committed = json.loads((SCHEMAS / f"{name}.json").read_text())
            assert standalone(schemas, name) == committed, f"{name}: not the committed contracts/schemas/{name}.json"
            assert message["bindings"]["kafka"]["key"] == {"type": "string", "description": KEYS[channel["address"]]}
            assert EVENT_TYPE_HEADER in message["headers"]["properties"]
            assert message["headers"]["properties"][EVENT_TYPE_HEADER]["const"] == committed["properties"][
                "event_type"
            ].get("const", name)


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_covers_every_topic_the_service_reads_and_writes(service: str):
    app = importlib.import_module(f"kaiku_{service}.app").service
    document = document_of(service)
    actions = {
        (op["action"], resolve(document, op["channel"]["$ref"])["address"]) for op in document["operations"].values()
    }
    reads = {("receive", topic) for subscriber in app.broker.subscribers for topic in subscriber.topic_names}
    writes = {("send", publisher.topic) for publisher in app.broker.publishers}
    assert actions == reads | writes


def test_the_agency_topic_says_what_an_agency_must_send():
    document = document_of("usage")
    channel = document["channels"][Topics.AGENCY_REDEMPTIONS]
    assert list(channel["messages"]) == ["AgencyRedemptionSubmission"]
    message = resolve(document, channel["messages"]["AgencyRedemptionSubmission"]["$ref"])
    assert message["headers"]["required"] == [SIGNATURE_HEADER]
    assert "HMAC-SHA256" in message["headers"]["properties"][SIGNATURE_HEADER]["description"]
    assert message["bindings"]["kafka"]["key"]["description"] == "card code"
    operation = document["operations"]["consume-agency-redemptions"]
    assert operation["action"] == "receive"
    assert operation["channel"] == {"$ref": f"#/channels/{Topics.AGENCY_REDEMPTIONS}"}


def _drop_protocol(d: dict[str, Any]) -> None:
    next(iter(d["servers"].values())).pop("protocol")


def _unknown_action(d: dict[str, Any]) -> None:
    next(iter(d["operations"].values()))["action"] = "consume"


def _bad_payload_type(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["TicketRedeemed"]["type"] = 5


def _unknown_kafka_binding(d: dict[str, Any]) -> None:
    next(iter(d["components"]["messages"].values()))["bindings"]["kafka"]["partitionKey"] = "card"


def _colon_in_component_key(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["kaiku.cards.v1:CardIssued"] = {"type": "object"}


def _dangling_ref(d: dict[str, Any]) -> None:
    d["channels"][Topics.REDEMPTIONS]["messages"]["Missing"] = {"$ref": "#/components/messages/Missing"}


BREAKAGES = (_drop_protocol, _unknown_action, _bad_payload_type, _unknown_kafka_binding, _colon_in_component_key)


@pytest.mark.parametrize("break_it", [*BREAKAGES, _dangling_ref])
def test_an_invalid_document_is_refused(break_it: Callable[[dict[str, Any]], None]):
    document = copy.deepcopy(document_of("usage"))
    break_it(document)
    assert asyncapi_errors(document) != []
