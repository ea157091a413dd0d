"""Staff accounts: what a new account needs, and who may open and close whose.

Every account belongs to one person, in a role and an organisation (issue: "accounts belong to an
organisation and a role"). A regional coordinator runs their own region's staff (distributor staff,
box-office clerks, other coordinators); the national office runs the coordinators of every region and
its own people. Agencies are machines: they get API tokens, never a portal account.
"""

from __future__ import annotations

from enum import StrEnum

from kaiku_runtime.auth import Role

PORTAL_ROLES = (Role.NATIONAL, Role.REGION_ADMIN, Role.DISTRIBUTOR, Role.VENUE)
MIN_PASSWORD_LENGTH = 10
USERNAME_LENGTH = (3, 64)  # the sign-in refuses longer names unhashed (domain/throttle.py)
# Whom each role may open and close accounts for (within its region, except the national office).
MANAGED_BY: dict[Role, tuple[Role, ...]] = {
    Role.NATIONAL: (Role.NATIONAL, Role.REGION_ADMIN),
    Role.REGION_ADMIN: (Role.DISTRIBUTOR, Role.VENUE, Role.REGION_ADMIN),
}
# The organisation an account of this role works for is a distributor or a venue of the region.
ORGANISATION_OF: dict[Role, str] = {Role.DISTRIBUTOR: "distributor", Role.VENUE: "venue"}


class AccountProblem(StrEnum):
    """Why an account cannot be created as asked (the portal shows each in words)."""

    ROLE = "role"
    USERNAME = "username"
    PASSWORD = "password"
    REGION = "region"
    ORGANISATION = "organisation"
    TAKEN = "taken"


def new_account_problems(
    username: str, password: str | None, role: Role, region_id: str | None, org_id: str | None
) -> list[AccountProblem]:
    """Everything wrong with a new account, in the form's order (the page shows them all at once). `password`
    None: the person signs in only through their organisation's OpenID Connect provider."""
    if role not in PORTAL_ROLES:
        return [AccountProblem.ROLE]
    problems: list[AccountProblem] = []
    shortest, longest = USERNAME_LENGTH
    if not shortest <= len(username) <= longest or username != username.strip().lower() or " " in username:
        problems.append(AccountProblem.USERNAME)
    if role is not Role.NATIONAL and not region_id:
        problems.append(AccountProblem.REGION)
    if role in ORGANISATION_OF and not org_id:
        problems.append(AccountProblem.ORGANISATION)
    if password is not None and password_too_short(password):
        problems.append(AccountProblem.PASSWORD)
    return problems


def new_account_problem(
    username: str, password: str | None, role: Role, region_id: str | None, org_id: str | None
) -> AccountProblem | None:
    """The first thing wrong with a new account, or None (the command line names one at a time)."""
    problems = new_account_problems(username, password, role, region_id, org_id)
    return problems[0] if problems else None


def password_too_short(password: str) -> bool:
    return len(password) < MIN_PASSWORD_LENGTH


# Whose password each role may replace (for someone who forgot theirs): a coordinator only their
# region's distributor staff and clerks, never another coordinator (that would let one coordinator
# take over another's account); the national office its coordinators and its own people.
PASSWORD_SET_BY: dict[Role, tuple[Role, ...]] = {
    Role.NATIONAL: (Role.NATIONAL, Role.REGION_ADMIN),
    Role.REGION_ADMIN: (Role.DISTRIBUTOR, Role.VENUE),
}


def roles_managed_by(manager: Role) -> tuple[Role, ...]:
    return MANAGED_BY.get(manager, ())


def may_manage(manager: Role, manager_region: str | None, role: Role, region_id: str | None) -> bool:
    """May a person of role `manager` (in `manager_region`) open or close an account of `role` in `region_id`?"""
    if role not in roles_managed_by(manager):
        return False
    return manager is Role.NATIONAL or (manager_region is not None and region_id == manager_region)


def may_set_password(
    manager: Role, manager_region: str | None, role: Role, region_id: str | None, *, has_password: bool
) -> bool:
    """May a person of role `manager` (in `manager_region`) set a new password on an account of `role`
    in `region_id`? Never on an account that signs in through its organisation (it has no password
    here, and one set here would open it past the organisation's own sign-in)."""
    if not has_password or role not in PASSWORD_SET_BY.get(manager, ()):
        return False
    return manager is Role.NATIONAL or (manager_region is not None and region_id == manager_region)
