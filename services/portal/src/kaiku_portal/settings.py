"""The portal's configuration: `KAIKU_*` environment variables, like every service."""

from __future__ import annotations

from kaiku_runtime.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    issuance_url: str = "http://127.0.0.1:8001"
    usage_url: str = "http://127.0.0.1:8002"
    stats_url: str = "http://127.0.0.1:8003"
    # A working day at a box office; after that the person signs in again.
    session_hours: int = 10
    # Set in production (HTTPS): the session cookie is then never sent in clear.
    cookie_secure: bool = False
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
