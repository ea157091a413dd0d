"""A service's Kafka side as an AsyncAPI 3.0 document: what it consumes and publishes, on which brokers.

Each message's payload is the event's committed JSON Schema (contracts/schemas/, kept equal to the model by
`kaiku schemas --check`), with the topic's key (docs/contract.md "Topics") and the headers it carries
(`event_type`, and `signature` on the agency topic). Built here from what `KaikuService` declares rather than
by FastStream's generator: the runtime's consumers read raw bytes, which FastStream shows as `binary`.
`/asyncapi.json` serves it and `/asyncapi` shows it in the AsyncAPI viewer (deploy/README.md "What to send").
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from faststream.specification.asyncapi.site import ASYNCAPI_CSS_DEFAULT_URL, ASYNCAPI_JS_DEFAULT_URL
from kaiku_contracts.schemas import EVENT_MODELS
from kaiku_contracts.topics import ALL_TOPICS, EVENT_TYPE_HEADER, TopicSpec
from pydantic import BaseModel, Field, StringConstraints, TypeAdapter
from pydantic_settings import BaseSettings, SettingsConfigDict

from kaiku_runtime.settings import ServiceSettings

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
# AsyncAPI's names of the SASL mechanisms (Security Scheme Object `type`)
_SCHEME_TYPES: dict[str, str] = {"SCRAM-SHA-512": "scramSha512", "SCRAM-SHA-256": "scramSha256", "PLAIN": "plain"}
_TOPICS: dict[str, TopicSpec] = {spec.name: spec for spec in ALL_TOPICS}
_EVENTS: dict[str, type[BaseModel]] = {model.__name__: model for model in EVENT_MODELS}
# what AsyncAPI allows as a key of a reusable object (its Components Object)
ServerName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]+$")]


class AsyncApiServer(BaseModel):
    """A broker address as outside parties reach it (agencies connect through their own listener)."""

    host: str
    security_protocol: SecurityProtocol = "SASL_SSL"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    description: str = ""


class AsyncApiSettings(BaseSettings):
    """`KAIKU_ASYNCAPI_SERVERS`: a JSON object {name: {host, security_protocol, sasl_mechanism, description}}
    listed as the document's servers; unset, the brokers of `KAIKU_KAFKA_BOOTSTRAP` are."""

    model_config = SettingsConfigDict(env_prefix="KAIKU_ASYNCAPI_", extra="ignore")

    servers: dict[ServerName, AsyncApiServer] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    description: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class _Operation:
    id: str
    action: Literal["send", "receive"]
    topic: str
    models: tuple[type[BaseModel], ...]
    description: str
    headers: tuple[Header, ...]
    message_descriptions: Mapping[str, str] = field(default_factory=dict)
    group_id: str | None = None


def event_models(adapter: TypeAdapter[Any]) -> tuple[type[BaseModel], ...]:
    """The contract's event models an adapter reads (one model, or a union discriminated by `event_type`)."""
    schema = adapter.json_schema()
    branches = schema.get("oneOf") or schema.get("anyOf")
    names = [branch["$ref"].rsplit("/", 1)[-1] for branch in branches] if branches else [schema.get("title", "")]
    unknown = [name for name in names if name not in _EVENTS]
    if unknown:
        raise ValueError(f"not an event of the contract (kaiku_contracts.schemas.EVENT_MODELS): {unknown}")
    return tuple(_EVENTS[name] for name in names)


def _event_type(model: type[BaseModel]) -> str:
    prop = model.model_json_schema()["properties"].get("event_type", {})
    return str(prop.get("const", model.__name__))


def servers(settings: ServiceSettings, configured: Mapping[str, AsyncApiServer]) -> dict[str, AsyncApiServer]:
    if configured:
        return dict(configured)
    hosts = [host.strip() for host in settings.kafka_bootstrap.split(",") if host.strip()]
    described = "A broker this instance uses (KAIKU_KAFKA_BOOTSTRAP)"
    if settings.dev_mode:
        described = "The development broker (`make run`)"
    return {
        ("kafka" if len(hosts) == 1 else f"kafka-{i}"): AsyncApiServer(
            host=host,
            security_protocol=settings.kafka_security_protocol,
            sasl_mechanism=settings.kafka_sasl_mechanism,
            description=described,
        )
        for i, host in enumerate(hosts, start=1)
    }


def _hoist(schema: Mapping[str, Any], into: dict[str, Any], name: str) -> None:
    """Put a model's JSON Schema under components/schemas/`name`, its `$defs` beside it (a `#/$defs/...`
    inside the document would point at the document's root)."""
    own: dict[str, Any] = copy.deepcopy(dict(schema))
    defs: dict[str, Any] = own.pop("$defs", {})

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (
                    value.replace("#/$defs/", "#/components/schemas/")
                    if key == "$ref" and isinstance(value, str)
                    else rewrite(value)
                )
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    for def_name, definition in [*defs.items(), (name, own)]:
        rewritten = rewrite(definition)
        if into.setdefault(def_name, rewritten) != rewritten:
            raise ValueError(f"two different schemas are called {def_name}")


class AsyncApiDocument:
    """Collects a service's consumed and published channels; `build()` renders the AsyncAPI 3.0 document."""

    def __init__(
        self,
        *,
        title: str,
        version: str,
        description: str,
        settings: ServiceSettings,
        servers: Mapping[str, AsyncApiServer] | None = None,
    ) -> None:
        self.title = title
        self.version = version
        self.description = description
        self.settings = settings
        self.configured_servers = AsyncApiSettings().servers if servers is None else dict(servers)
        self._operations: list[_Operation] = []

    def receive(
        self,
        *,
        name: str,
        topic: str,
        models: Sequence[type[BaseModel]],
        description: str,
        group_id: str,
        headers: Iterable[Header] = (),
    ) -> None:
        """A consumer. Kaiku's own producers send `event_type`; consumers read the type from the value."""
        event_type = Header(EVENT_TYPE_HEADER, "The value's `event_type` (not read by this consumer)", required=False)
        self._operations.append(
            _Operation(
                f"consume-{name}",
                "receive",
                topic,
                tuple(models),
                description,
                (event_type, *headers),
                group_id=group_id,
            )
        )

    def send(self, *, topic: str, model: type[BaseModel], description: str) -> None:
        """A published event (the outbox relay or the stats publisher sends it, always with `event_type`)."""
        found = [i for i, op in enumerate(self._operations) if op.action == "send" and op.topic == topic]
        if found:
            op = self._operations[found[0]]
            self._operations[found[0]] = _Operation(
                op.id,
                "send",
                topic,
                (*op.models, model),
                op.description,
                op.headers,
                {**op.message_descriptions, model.__name__: description},
            )
            return
        event_type = Header(EVENT_TYPE_HEADER, "The value's `event_type`: which schema the value follows")
        self._operations.append(
            _Operation(
                f"publish-{topic}",
                "send",
                topic,
                (model,),
                f"Published by this service on {topic}",
                (event_type,),
                {model.__name__: description},
            )
        )

    def build(self) -> dict[str, Any]:
        schemas: dict[str, Any] = {}
        messages: dict[str, Any] = {}
        channels: dict[str, Any] = {}
        operations: dict[str, Any] = {}
        for op in self._operations:
            spec = _TOPICS.get(op.topic)
            channel = channels.setdefault(op.topic, _channel(op.topic, spec))
            refs = []
            for model in op.models:
                name = model.__name__
                _hoist(model.model_json_schema(), schemas, name)
                message_id = f"{op.topic}.{name}"
                messages.setdefault(message_id, _message(model, op, spec))
                channel["messages"].setdefault(name, {"$ref": f"#/components/messages/{message_id}"})
                refs.append({"$ref": f"#/channels/{op.topic}/messages/{name}"})
            operation: dict[str, Any] = {
                "action": op.action,
                "channel": {"$ref": f"#/channels/{op.topic}"},
                "description": op.description,
                "messages": refs,
            }
            if op.group_id is not None:
                operation["bindings"] = {
                    "kafka": {
                        "groupId": {"type": "string", "const": op.group_id},
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                }
            operations[op.id] = operation
        brokers = servers(self.settings, self.configured_servers)
        security_schemes: dict[str, Any] = {}
        rendered_servers: dict[str, Any] = {}
        for server_id, server in brokers.items():
            rendered: dict[str, Any] = {
                "host": server.host,
                "protocol": "kafka-secure" if server.security_protocol in ("SSL", "SASL_SSL") else "kafka",
                "description": server.description or f"{server.security_protocol} listener",
            }
            if server.security_protocol.startswith("SASL_"):
                scheme = _SCHEME_TYPES[server.sasl_mechanism]
                security_schemes[scheme] = {"type": scheme, "description": f"SASL {server.sasl_mechanism}"}
                rendered["security"] = [{"$ref": f"#/components/securitySchemes/{scheme}"}]
            rendered_servers[server_id] = rendered
        components: dict[str, Any] = {"schemas": schemas, "messages": messages}
        if security_schemes:
            components["securitySchemes"] = security_schemes
        return {
            "asyncapi": ASYNCAPI_VERSION,
            "info": {"title": self.title, "version": self.version, "description": self.description},
            "defaultContentType": "application/json",
            "servers": rendered_servers,
            "channels": channels,
            "operations": operations,
            "components": components,
        }


def _channel(topic: str, spec: TopicSpec | None) -> dict[str, Any]:
    channel: dict[str, Any] = {"address": topic, "title": topic, "messages": {}}
    kafka: dict[str, Any] = {"bindingVersion": KAFKA_BINDING_VERSION}
    if spec is not None:
        compacted = ", compacted: a reader keeps the last value per key" if spec.compacted else ""
        partitions = f"{spec.partitions} partition{'s' if spec.partitions > 1 else ''}"
        channel["description"] = f"Key: {spec.key}. {partitions}{compacted} (docs/contract.md)."
        kafka["partitions"] = spec.partitions
        kafka["topicConfiguration"] = {"cleanup.policy": ["compact" if spec.compacted else "delete"]}
    channel["bindings"] = {"kafka": kafka}
    return channel


def _message(model: type[BaseModel], op: _Operation, spec: TopicSpec | None) -> dict[str, Any]:
    name = model.__name__
    headers: dict[str, Any] = {}
    for header in op.headers:
        prop: dict[str, Any] = {"type": "string", "description": header.description}
        if header.name == EVENT_TYPE_HEADER:
            prop["const"] = _event_type(model)
        headers[header.name] = prop
    required = [header.name for header in op.headers if header.required]
    summary = op.message_descriptions.get(name)
    message: dict[str, Any] = {
        "name": name,
        "title": name,
        "contentType": "application/json",
        "description": f"One UTF-8 JSON object following contracts/schemas/{name}.json.",
        "headers": {"type": "object", "properties": headers, **({"required": required} if required else {})},
        "payload": {"$ref": f"#/components/schemas/{name}"},
    }
    if summary:
        message["summary"] = summary
    if spec is not None:
        message["bindings"] = {
            "kafka": {
                "key": {"type": "string", "description": spec.key},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        }
    return message


def viewer_html(title: str, document_url: str = "asyncapi.json") -> str:
    """The AsyncAPI viewer (its script and styles from the CDN FastStream uses), reading `document_url`."""
    config = {
        "schema": {"url": document_url},
        "config": {"show": {"sidebar": True, "errors": True}, "sidebar": {"showOperations": "byDefault"}},
    }
    # `</` cannot close the script element from inside the JSON
    script = json.dumps(config).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} AsyncAPI</title>
<link rel="stylesheet" href="{ASYNCAPI_CSS_DEFAULT_URL}">
</head>
<body>
<div id="asyncapi"></div>
<script src="{ASYNCAPI_JS_DEFAULT_URL}"></script>
<script>window.AsyncApiStandalone.render({script}, document.getElementById("asyncapi"));</script>
</body>
</html>
"""
