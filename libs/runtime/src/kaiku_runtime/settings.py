"""Service configuration from `KAIKU_*` environment variables (docs/contract.md "Configuration")."""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "kaiku-dev-secret-not-for-production"
"""Published in this repository, so it protects nothing: accepted only in development mode."""
DEV_MODE_ENV = "KAIKU_DEV_MODE"
"""`KAIKU_DEV_MODE=1`: the README's run command (`kaiku dev`) and the test fixtures switch it on."""
MIN_SECRET_BYTES = 32
# Spellings example files and tutorials use for "put a real value here" (compared without case or punctuation).
_PLACEHOLDER_WORDS = ("changeme", "replaceme", "placeholder", "yoursecret", "notforproduction", "example", "secret")
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVICE_PORTS: dict[str, int] = {"issuance": 8001, "usage": 8002, "stats": 8003, "portal": 8000}


def database_name(service: str) -> str:
    return f"kaiku_{service}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAIKU_", extra="ignore")

    kafka_bootstrap: str = DEFAULT_KAFKA_BOOTSTRAP
    database_url: str = ""
    # KAIKU_DEV_MODE: the published development secret and plain-HTTP cookies are allowed only here
    dev_mode: bool = False
    # unset outside development mode: the service refuses to start (`startup_refusal`)
    jwt_secret: str = ""
    # Production may verify people's tokens against an OIDC issuer's JWKS (RS256/ES256/PS256) instead;
    # HS256 tokens signed with a real `jwt_secret` (the portal's calls) stay valid beside them.
    jwt_jwks_url: str = ""
    jwt_issuer: str = ""  # required `iss` of JWKS tokens, when set
    jwt_audience: str = ""  # required `aud` of JWKS tokens, when set
    log_level: str = "INFO"
    # Kafka consumer tuning: low fetch wait keeps end-to-end latency low on the local broker.
    fetch_max_wait_ms: int = 20
    # Appended to every consumer group id: lets tests run several instances side by side.
    consumer_group_suffix: str = ""
    # Regional deployments (docs/architecture.md "Regional deployments"): KAIKU_REGIONS=R1,R2 scopes issuance
    # and usage to those regions; unset, this is the national deployment (every region nobody else claims).
    regions: str = ""
    # KAIKU_DEPLOYMENT names a regional deployment (in its consumer groups and its claim); unset: national
    deployment: str = ""
    consumer_max_records: int = 500
    # How long a consumer keeps the event ids it applied (processed_events): longer than any re-delivery
    # the outbox relay can cause (a re-publish comes within minutes of the first); older ones are pruned.
    processed_events_retention_hours: float = Field(default=168.0, gt=0)
    outbox_poll_seconds: float = 0.05
    outbox_batch_size: int = 500
    # Kafka authentication (deploy/README.md "Kafka access"): PLAINTEXT for the dev stack and the tests;
    # SASL_SSL with a SCRAM user per service against the national cluster.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_username: str = ""
    kafka_password: SecretStr = SecretStr("")
    # PEM file of the CA that signed the brokers' certificates (SSL / SASL_SSL); unset: the system's CAs
    kafka_ca_file: str = ""
    # Requests one process works on at once (kaiku_runtime.overload): beyond it an API request is refused at
    # once with 503 and `Retry-After`, instead of queueing until the client times out or its connection resets
    http_max_in_flight: int = Field(default=128, ge=1)

    @model_validator(mode="after")
    def _development_defaults(self) -> Self:
        if self.dev_mode and not self.jwt_secret:
            self.jwt_secret = DEV_JWT_SECRET
        return self

    def own_secrets(self) -> dict[str, str | None]:
        """Secrets besides the JWT secret that must be strong outside development mode (env name -> value)."""
        return {}

    def kafka_security(self) -> Any:
        """FastStream's security object for `KafkaBroker(security=...)` (None for PLAINTEXT)."""
        from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

        if self.kafka_security_protocol == "PLAINTEXT":
            return None
        ssl_context = None
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            ssl_context = create_ssl_context(cafile=self.kafka_ca_file or None)
        if self.kafka_security_protocol == "SSL":
            return BaseSecurity(ssl_context=ssl_context, use_ssl=True)
        if not self.kafka_username:
            raise ValueError(f"KAIKU_KAFKA_USERNAME is needed with {self.kafka_security_protocol}")
        sasl = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}
        return sasl[self.kafka_sasl_mechanism](
            self.kafka_username,
            self.kafka_password.get_secret_value(),
            ssl_context=ssl_context,
            use_ssl=self.kafka_security_protocol == "SASL_SSL",
        )

    def kafka_client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client (producer, consumer, admin) this service makes."""
        from faststream.kafka.security import parse_security

        options: dict[str, Any] = parse_security(self.kafka_security())
        return options


def weak_secret(name: str, value: str | None) -> str | None:
    """Why `value` cannot protect production (a sentence naming `name`, never the value), or None."""
    if not value:
        return f"{name} is not set"
    if value == DEV_JWT_SECRET:
        return f"{name} is the development default published in the repository"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"{name} is shorter than {MIN_SECRET_BYTES} bytes"
    letters = re.sub(r"[^a-z0-9]", "", value.lower())
    if any(word in letters for word in _PLACEHOLDER_WORDS) or len(set(value)) < 8:
        return f"{name} is a placeholder"
    return None


def startup_refusal(settings: ServiceSettings) -> str | None:
    """Why this configuration must not serve requests (one line saying what to set), or None.

    docs/contract.md "Authentication": outside development mode no service runs on a guessable key.
    """
    if settings.dev_mode:
        return None
    howto = f"set it to a random value of at least {MIN_SECRET_BYTES} bytes (openssl rand -hex 32)"
    problems = [weak_secret("KAIKU_JWT_SECRET", settings.jwt_secret)]
    problems += [weak_secret(name, value) for name, value in settings.own_secrets().items()]
    for problem in problems:
        if problem is not None:
            return f"{problem}: {howto}, or set {DEV_MODE_ENV}=1 on a development machine"
    expected = {"KAIKU_JWT_ISSUER": settings.jwt_issuer, "KAIKU_JWT_AUDIENCE": settings.jwt_audience}
    missing = " and ".join(name for name, value in expected.items() if not value)
    if settings.jwt_jwks_url and missing:
        return f"KAIKU_JWT_JWKS_URL is set without {missing}: set the issuer and audience its tokens must carry"
    return None
