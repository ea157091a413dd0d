"""Signing in through the region's OpenID Connect provider instead of a password (issue: "In
production the portal can sign people in through an OIDC provider instead").

The provider proves who the person is; the portal's account says what they may do: the claim named
by `KAIKU_OIDC_USERNAME_CLAIM` must equal the username of an active account, so a coordinator still
decides each person's organisation and role. The account is then bound to the provider's issuer and
`sub` (the person's stable id there): a username claim changed at the provider, or reused for
someone else, never opens an account bound to another person. authlib runs the authorization code flow with PKCE and
a nonce, checks the ID token's signature, issuer, audience and expiry, and keeps the flow's state in
a signed cookie that lives ten minutes.
"""

from __future__ import annotations

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from kaiku_portal.settings import PortalSettings

CALLBACK_PATH = "/login/oidc/callback"
STATE_COOKIE = "kaiku_portal_oidc"
STATE_SECONDS = 600  # long enough to type a password at the provider, short enough to be useless later


def provider(settings: PortalSettings) -> StarletteOAuth2App | None:
    """The configured provider, or None when people sign in with passwords only."""
    if not settings.oidc_issuer:
        return None
    registry = OAuth()
    client: StarletteOAuth2App = registry.register(
        "organisation",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
    )
    return client


def username_of(claims: dict[str, object], claim: str) -> str:
    """The portal username the provider's claims name ('' when the claim is missing)."""
    value = claims.get(claim)
    return value.strip().lower() if isinstance(value, str) else ""


def identity_of(claims: dict[str, object]) -> tuple[str, str]:
    """The person's stable identity at the provider: the ID token's issuer and `sub` ('' when missing)."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    return (issuer if isinstance(issuer, str) else "", subject if isinstance(subject, str) else "")
