"""JWT bearer authentication shared by every service (docs/contract.md "Authentication").

HS256 with `KAIKU_JWT_SECRET` in development. Production may point the services at an OIDC issuer's
JWKS (`KAIKU_JWT_JWKS_URL`): its tokens are verified with the issuer's public keys (asymmetric algorithms
only, so a public key can never be used as an HMAC secret), and HS256 tokens are accepted only when the
secret is not the development one. `alg: none` and every other algorithm are refused.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from jwt.types import Options
from kaiku_contracts.enums import RejectionReason
from starlette.concurrency import run_in_threadpool

from kaiku_runtime.errors import ApiError
from kaiku_runtime.settings import DEV_JWT_SECRET, ServiceSettings

ALGORITHM = "HS256"
JWKS_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
JWKS_CACHE_SECONDS = 300


class Role(StrEnum):
    NATIONAL = "national"
    REGION_ADMIN = "region_admin"
    DISTRIBUTOR = "distributor"
    VENUE = "venue"
    AGENCY = "agency"


ROLES_WITH_REGION = frozenset({Role.REGION_ADMIN, Role.DISTRIBUTOR, Role.VENUE})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the verified claims of the bearer token."""

    sub: str
    role: Role
    region: str | None
    org: str | None

    def forbid(self, what: str) -> ApiError:
        return ApiError(RejectionReason.FORBIDDEN, f"a {self.role} token may not {what}")

    def require_role(self, *roles: Role, what: str) -> None:
        if self.role not in roles:
            raise self.forbid(what)

    def is_region_admin_of(self, region_id: str) -> bool:
        return self.role is Role.REGION_ADMIN and self.region == region_id


def issue_token(
    secret: str,
    *,
    role: Role,
    sub: str,
    region: str | None = None,
    org: str | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {"sub": sub, "role": str(role), "iat": now, "exp": now + ttl_seconds}
    if region is not None:
        claims["region"] = region
    if org is not None:
        claims["org"] = org
    claims["jti"] = uuid.uuid4().hex
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _unauthenticated(detail: str) -> ApiError:
    return ApiError(RejectionReason.UNAUTHENTICATED, detail)


def verify_token(token: str, secret: str) -> Principal:
    """A development or portal token: HS256 with the shared secret."""
    return _principal(_decode(lambda: jwt.decode(token, secret, algorithms=[ALGORITHM], options=_REQUIRED)))


_REQUIRED: Options = {"require": ["exp", "sub", "role"]}


def _decode(decode: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return decode()
    except jwt.ExpiredSignatureError as exc:
        raise _unauthenticated("the token has expired") from exc
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
        raise _unauthenticated("the token is not valid (bad signature, algorithm or claims)") from exc


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise _unauthenticated("the token's role is not one of " + ", ".join(r.value for r in Role)) from exc
    region = claims.get("region")
    org = claims.get("org")
    if role in ROLES_WITH_REGION and not region:
        raise _unauthenticated(f"a {role} token needs a region claim")
    if role in (Role.DISTRIBUTOR, Role.VENUE, Role.AGENCY) and not org:
        raise _unauthenticated(f"a {role} token needs an org claim")
    return Principal(sub=str(claims["sub"]), role=role, region=region, org=org)


class TokenVerifier:
    """Verifies bearer tokens as the settings say: HS256 with the secret, and an OIDC issuer's JWKS if set."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.secret = settings.jwt_secret
        self.issuer = settings.jwt_issuer or None
        self.audience = settings.jwt_audience or None
        self.jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS, timeout=5)
            if settings.jwt_jwks_url
            else None
        )

    def verify(self, token: str) -> Principal:
        algorithm = _decode(lambda: jwt.get_unverified_header(token)).get("alg")
        if self.jwks is None or algorithm == ALGORITHM:
            if self.jwks is not None and self.secret == DEV_JWT_SECRET:
                raise _unauthenticated("development tokens are not accepted where an OIDC issuer signs them")
            return verify_token(token, self.secret)
        jwks = self.jwks
        # the key comes from the issuer's JWKS by the token's `kid` (fetched at most every few minutes)
        return _principal(
            _decode(
                lambda: jwt.decode(
                    token,
                    jwks.get_signing_key_from_jwt(token).key,
                    algorithms=list(JWKS_ALGORITHMS),
                    issuer=self.issuer,
                    audience=self.audience,
                    options={"require": _REQUIRED["require"], "verify_aud": self.audience is not None},
                )
            )
        )


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(RejectionReason.UNAUTHENTICATED, "send `Authorization: Bearer <token>`")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        verifier = request.app.state.token_verifier = TokenVerifier(request.app.state.settings)
    if verifier.jwks is None:
        # HS256 only: microseconds of CPU, checked in the event loop (a worker thread per request cost
        # the redemption endpoint more than the check itself)
        return verifier.verify(token.strip())
    # an OIDC issuer's key may have to be fetched: never block the event loop on it
    return await run_in_threadpool(verifier.verify, token.strip())


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def org_in_token_region(principal: Principal, org_region: str | None) -> bool:
    """Whether a venue or distributor token's `org` belongs to its `region` claim (docs/contract.md "Authentication").

    `org_region` is the region the service has on record for the organisation (None: not on record, the
    route answers for an unknown one). A token naming another region's venue or distributor is outside
    its scope everywhere, so the services refuse it (403) before any route looks at it.
    """
    if principal.role not in (Role.VENUE, Role.DISTRIBUTOR) or org_region is None:
        return True
    return principal.region == org_region
