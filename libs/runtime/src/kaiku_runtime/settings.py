"""Service configuration from `KAIKU_*` environment variables (INTERFACE.md "Configuration")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "kaiku-dev-secret-not-for-production"
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVICE_PORTS: dict[str, int] = {"issuance": 8001, "usage": 8002, "stats": 8003, "portal": 8000}


def database_name(service: str) -> str:
    return f"kaiku_{service}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAIKU_", extra="ignore")

    kafka_bootstrap: str = DEFAULT_KAFKA_BOOTSTRAP
    database_url: str = ""
    jwt_secret: str = DEV_JWT_SECRET
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
    consumer_max_records: int = 500
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
