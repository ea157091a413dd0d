"""People who sign in: what an account and a session are, and the rules of creating an account.

Every action in the services is traceable to a person: the JWT the portal mints for a call carries
the account id as `sub` (docs/architecture.md). A session is a random token whose SHA-256 alone is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from kaiku_runtime.auth import Role

from kaiku_portal.domain.staff import (
    MIN_PASSWORD_LENGTH,
    ORGANISATION_OF,
    PORTAL_ROLES,
    USERNAME_LENGTH,
    AccountProblem,
    new_account_problem,
)


@dataclass(frozen=True, slots=True)
class Person:
    """A signed-in member of staff."""

    account_id: str
    username: str
    role: Role
    region_id: str | None
    org_id: str | None


@dataclass(frozen=True, slots=True)
class Session:
    person: Person
    csrf_token: str
    data: dict[str, Any]
    token_hash: str


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """An account as a coordinator sees it in the list of their staff (never a password hash)."""

    account_id: str
    username: str
    role: Role
    region_id: str | None
    org_id: str | None
    closed: bool
    signs_in_with_password: bool
    created_at: datetime


class PasswordChange(StrEnum):
    CHANGED = "changed"
    WRONG_CURRENT = "wrong_current"
    TOO_SHORT = "too_short"
    NO_PASSWORD = "no_password"  # signs in through the organisation's provider: nothing to change here


class AccountClosed(Exception):  # noqa: N818 (a refusal, not a failure)
    """The right password of a closed account: the person is told the account is closed (issue 19), which
    says nothing to someone who does not know the password (they are told what a wrong one gets)."""


class AccountError(ValueError):
    """An account cannot be created as asked (the message says why, for the command line)."""

    def __init__(self, problem: AccountProblem | None, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def _problem_text(problem: AccountProblem, role: Role) -> str:
    shortest, longest = USERNAME_LENGTH
    return {
        AccountProblem.ROLE: f"role must be one of {', '.join(PORTAL_ROLES)} (agencies use the API)",
        AccountProblem.USERNAME: f"username: {shortest}-{longest} characters, lower case, no spaces",
        AccountProblem.PASSWORD: f"password: at least {MIN_PASSWORD_LENGTH} characters",
        AccountProblem.REGION: f"a {role} account needs --region",
        AccountProblem.ORGANISATION: f"a {role} account needs --org (the {role} id)",
        AccountProblem.TAKEN: "username is taken",
    }[problem]


def check_new_account(
    username: str, password: str | None, role: Role, region_id: str | None, org_id: str | None
) -> None:
    """Raise AccountError when the account cannot be created as asked (the rules: domain/staff.py)."""
    problem = new_account_problem(username, password, role, region_id, org_id)
    if problem is not None:
        raise AccountError(problem, _problem_text(problem, role))


def username_taken(username: str) -> AccountError:
    return AccountError(AccountProblem.TAKEN, f"username {username} is taken")


def stored_region(role: Role, region_id: str | None) -> str | None:
    """The national office works for no one region."""
    return None if role is Role.NATIONAL else region_id


def stored_organisation(role: Role, org_id: str | None) -> str | None:
    """Only distributor staff and box-office clerks work for an organisation of the region."""
    return org_id if role in ORGANISATION_OF else None


def token_hash(token: str) -> str:
    """What is stored of a session token: its SHA-256, so a copy of the database opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()
