"""The runtime's AsyncAPI document: raw-bytes consumers documented with the contract's events, servers from
the settings (or `KAIKU_ASYNCAPI_SERVERS`), and the viewer served beside `/asyncapi.json`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from kaiku_contracts.cards import CardEvent, CardIssued
from kaiku_contracts.redemptions import TicketRedeemed
from kaiku_contracts.topics import Topics
from kaiku_runtime.asyncapi import AsyncApiServer, AsyncApiSettings, Header, event_models, viewer_html
from kaiku_runtime.service import KaikuService
from kaiku_runtime.settings import ServiceSettings
from pydantic import BaseModel, TypeAdapter, ValidationError

pytestmark = pytest.mark.unit


async def ignore(*_: Any) -> None:
    return None


def demo(settings: ServiceSettings | None = None) -> KaikuService:
    service = KaikuService(
        "demo",
        settings=settings or ServiceSettings(dev_mode=True),
        migrations=Path(__file__).parent,
        title="Demo",
        description="</script><b>not markup</b>",
    )
    service.add_consumer(
        name="cards",
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=ignore,
        description="reads the cards",
        headers=[Header("trace", "optional", required=False)],
    )
    service.document_publisher(Topics.REDEMPTIONS, TicketRedeemed, "an accepted use")
    return service


def test_a_raw_bytes_consumer_is_documented_with_the_events_of_its_adapter():
    document = demo().asyncapi.build()
    channel = document["channels"][Topics.CARDS]
    assert set(channel["messages"]) == {"CardIssued", "CardRevoked"}
    message = document["components"]["messages"][f"{Topics.CARDS}.CardIssued"]
    assert message["payload"] == {"$ref": "#/components/schemas/CardIssued"}
    assert message["headers"]["properties"]["event_type"]["const"] == "CardIssued"
    assert "required" not in message["headers"], "a consumer reads the type from the value: no header is required"
    assert set(message["headers"]["properties"]) == {"event_type", "trace"}
    assert message["bindings"]["kafka"]["key"]["description"] == "card code"
    # the model's own $defs sit beside it, so `#/components/schemas/...` resolves inside the document
    assert document["components"]["schemas"]["CardType"]["enum"] == ["personal", "community"]
    assert "$defs" not in document["components"]["schemas"]["CardIssued"]
    operation = document["operations"]["consume-cards"]
    assert operation["action"] == "receive"
    assert operation["bindings"]["kafka"]["groupId"]["const"] == "kaiku-demo.cards"
    published = document["components"]["messages"][f"{Topics.REDEMPTIONS}.TicketRedeemed"]
    assert published["headers"]["required"] == ["event_type"], "the relay always sends event_type"
    assert published["summary"] == "an accepted use"


def test_only_the_contracts_events_can_be_documented():
    class Other(BaseModel):
        x: int

    assert event_models(TypeAdapter(CardIssued)) == (CardIssued,)
    with pytest.raises(ValueError, match="Other"):
        event_models(TypeAdapter(Other))


def test_servers_are_the_configured_brokers_with_their_security():
    settings = ServiceSettings(
        dev_mode=True,
        kafka_bootstrap="kafka1.example:9093, kafka2.example:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_username="svc-user-7f3a",
    )
    document = demo(settings).asyncapi.build()
    assert set(document["servers"]) == {"kafka-1", "kafka-2"}
    server = document["servers"]["kafka-2"]
    assert (server["host"], server["protocol"]) == ("kafka2.example:9093", "kafka-secure")
    assert server["security"] == [{"$ref": "#/components/securitySchemes/scramSha256"}]
    assert document["components"]["securitySchemes"]["scramSha256"]["type"] == "scramSha256"
    assert "svc-user-7f3a" not in str(document), "no user names in a public document"


def test_kaiku_asyncapi_servers_names_the_listeners_outsiders_use(monkeypatch: pytest.MonkeyPatch):
    agencies = AsyncApiServer(host="kafka.kaikukortti.example:9094", description="agencies")
    monkeypatch.setenv("KAIKU_ASYNCAPI_SERVERS", '{"agencies": ' + agencies.model_dump_json() + "}")
    document = demo().asyncapi.build()
    assert list(document["servers"]) == ["agencies"]
    assert document["servers"]["agencies"]["host"] == "kafka.kaikukortti.example:9094"
    assert document["servers"]["agencies"]["security"] == [{"$ref": "#/components/securitySchemes/scramSha512"}]


async def test_the_document_and_its_viewer_are_served():
    service = demo()
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as http:
        document = await http.get("/asyncapi.json")
        viewer = await http.get("/asyncapi")
    assert document.status_code == 200
    assert document.json() == service.asyncapi.build()
    assert viewer.status_code == 200
    assert viewer.headers["content-type"].startswith("text/html")
    assert '"url": "asyncapi.json"' in viewer.text
    assert "AsyncApiStandalone.render" in viewer.text


def test_the_viewer_cannot_be_broken_out_of():
    page = viewer_html("</title><script>alert(1)</script>", document_url="</script><script>alert(2)</script>")
    assert page.count("</script>") == 2, "neither the title nor the URL closes the page's scripts"
    assert "<title>&lt;/title&gt;&lt;script&gt;" in page


def test_a_server_name_asyncapi_cannot_hold_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KAIKU_ASYNCAPI_SERVERS", '{"for agencies": {"host": "kafka.example:9094"}}')
    with pytest.raises(ValidationError, match="for agencies"):
        AsyncApiSettings()
