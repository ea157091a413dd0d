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
