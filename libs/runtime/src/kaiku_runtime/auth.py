"""JWT bearer authentication shared by every service (INTERFACE.md "Authentication").

HS256 with `KAIKU_JWT_SECRET` in development; `alg: none` and every other algorithm are refused.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from kaiku_contracts.enums import RejectionReason

from kaiku_runtime.errors import ApiError

ALGORITHM = "HS256"


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


def verify_token(token: str, secret: str) -> Principal:
    def unauthenticated(detail: str) -> ApiError:
        return ApiError(RejectionReason.UNAUTHENTICATED, detail)

    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "role"]})
    except jwt.ExpiredSignatureError as exc:
        raise unauthenticated("the token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise unauthenticated("the token is not valid (bad signature, algorithm or claims)") from exc
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise unauthenticated("the token's role is not one of " + ", ".join(r.value for r in Role)) from exc
    region = claims.get("region")
    org = claims.get("org")
    if role in ROLES_WITH_REGION and not region:
        raise unauthenticated(f"a {role} token needs a region claim")
    if role in (Role.DISTRIBUTOR, Role.VENUE, Role.AGENCY) and not org:
        raise unauthenticated(f"a {role} token needs an org claim")
    return Principal(sub=str(claims["sub"]), role=role, region=region, org=org)


def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(RejectionReason.UNAUTHENTICATED, "send `Authorization: Bearer <token>`")
    secret: str = request.app.state.settings.jwt_secret
    return verify_token(token.strip(), secret)


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
