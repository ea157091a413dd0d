"""Signing in: with a password (throttled: domain/throttle.py) or through the organisation's OpenID Connect
provider (the provider says who the person is, the portal's account what they may do: adapters/oidc.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kaiku_portal.adapters.oidc import identity_of, username_of
from kaiku_portal.domain.accounts import AccountClosed, Person
from kaiku_portal.domain.throttle import username_acceptable
from kaiku_portal.service.accounts import Accounts


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    person: Person


class Refused(StrEnum):
    FAILED = "failed"  # wrong username or password
    THROTTLED = "throttled"  # too many failures of the username or from the address: even the right one waits
    CLOSED = "closed"  # the right password of a closed account (never said for a wrong one)


async def with_password(
    accounts: Accounts, username: str, password: str, client_address: str | None, *, hours: int
) -> SignedIn | Refused:
    """`username` as typed, normalised by the caller (stripped, lower case)."""
    if not username_acceptable(username):  # no account has such a name: refused unhashed, never stored
        await accounts.sign_in_failed("", client_address)
        return Refused.FAILED
    if await accounts.sign_in_blocked(username, client_address):
        return Refused.THROTTLED
    try:
        signed_in = await accounts.sign_in(username, password, hours=hours)
    except AccountClosed:
        await accounts.sign_in_failed(username, client_address)  # still a refused try: throttled like the others
        return Refused.CLOSED
    if signed_in is None:
        await accounts.sign_in_failed(username, client_address)
        return Refused.FAILED
    await accounts.sign_in_succeeded(username)
    return SignedIn(*signed_in)


async def through_provider(
    accounts: Accounts, claims: dict[str, object], username_claim: str, *, hours: int
) -> tuple[str, SignedIn | None]:
    """The username the provider's claims name, and the session of the account bound to that person
    (None: no such active account, or it is bound to another person at the provider)."""
    username = username_of(claims, username_claim)
    issuer, subject = identity_of(claims)
    signed_in = await accounts.sign_in_as(username, issuer, subject, hours=hours) if username else None
    return username, SignedIn(*signed_in) if signed_in is not None else None
