"""The portal's configuration: `KAIKU_*` environment variables, like every service."""

from __future__ import annotations

from typing import Self

from kaiku_runtime.settings import ServiceSettings
from pydantic import model_validator


class PortalSettings(ServiceSettings):
    issuance_url: str = "http://127.0.0.1:8001"
    usage_url: str = "http://127.0.0.1:8002"
    stats_url: str = "http://127.0.0.1:8003"
    # A working day at a box office; after that the person signs in again.
    session_hours: int = 10
    # The session cookie is never sent in clear: `Secure` unless development mode (plain http://127.0.0.1);
    # KAIKU_COOKIE_SECURE overrides either way.
    cookie_secure: bool = True
    # The services' JWT is minted per call and lives only minutes: a stolen one is soon worthless.
    service_token_seconds: int = 300
    upstream_timeout_seconds: float = 30.0
    # Sign-in through the region's OpenID Connect provider (unset: passwords only). The provider says
    # who the person is; the claim named here must equal the username of an active portal account,
    # which says what they may do (their organisation and role).
    oidc_issuer: str | None = None
    oidc_client_id: str = "kaiku-portal"
    oidc_client_secret: str = ""
    oidc_username_claim: str = "preferred_username"
    # The address people reach the portal at (e.g. https://kaiku.example.fi), for the provider's
    # redirect back; unset, it is taken from the request.
    public_url: str | None = None
    # Signs the short-lived cookie that carries the sign-in's state and nonce to the provider and back;
    # set the same value on every replica (unset: a random one per process).
    oidc_state_secret: str | None = None

    @model_validator(mode="after")
    def _plain_http_cookies_in_development(self) -> Self:
        if self.dev_mode and "cookie_secure" not in self.model_fields_set:
            self.cookie_secure = False
        return self

    def own_secrets(self) -> dict[str, str | None]:
        # the state cookie's key must be shared by replicas and unguessable once set; with OIDC it is required
        secrets: dict[str, str | None] = {}
        if self.oidc_issuer or self.oidc_state_secret:
            secrets["KAIKU_OIDC_STATE_SECRET"] = self.oidc_state_secret
        return secrets

    def serves_https(self) -> bool:
        """KAIKU_PUBLIC_URL says people reach the portal over HTTPS (then every answer carries HSTS)."""
        return (self.public_url or "").lower().startswith("https://")
