"""Who may see which page and change what: the signed-in session, the role each page is for, the form's
CSRF token, and whose accounts a coordinator runs (the rules: domain/staff.py)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Request
from kaiku_runtime.auth import Role
from starlette.datastructures import FormData

from kaiku_portal.domain.accounts import Person, Session, StaffAccount
from kaiku_portal.domain.staff import may_manage, may_set_password


class SignInRequired(Exception):  # noqa: N818
    """No valid session: the person is sent to the sign-in page."""


class NotAllowed(Exception):  # noqa: N818
    """Signed in, but this page is not for the person's role (or the form's CSRF token is wrong)."""


def current_session(request: Request) -> Session:
    session: Session | None = request.state.session
    if session is None:
        raise SignInRequired
    return session


def role(*roles: Role) -> Any:
    """A page for these roles only (a dependency giving the session)."""

    def check(session: Annotated[Session, Depends(current_session)]) -> Session:
        if session.person.role not in roles:
            raise NotAllowed
        return session

    return Depends(check)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's (SameSite=Lax is the first guard)."""
    session = current_session(request)
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, session.csrf_token):
        raise NotAllowed
    return form


def own_region(person: Person) -> str | None:
    """The region whose staff and figures the person sees (None: the national office sees every region)."""
    return None if person.role is Role.NATIONAL else person.region_id


def region_asked(person: Person, asked: str) -> str | None:
    """A coordinator sees their own region whatever they ask; the national office every region or the one asked."""
    return person.region_id if person.role is Role.REGION_ADMIN else (asked.strip() or None)


def may_open(person: Person, role: Role, region_id: str | None) -> bool:
    """May the person open an account of `role` in `region_id`?"""
    return may_manage(person.role, person.region_id, role, region_id)


def may_change(person: Person, account: StaffAccount) -> bool:
    """May the person close, reopen or set a password on the account (never their own: nobody locks
    themselves out)?"""
    return account.account_id != person.account_id and may_manage(
        person.role, person.region_id, account.role, account.region_id
    )


def password_settable(person: Person, account: StaffAccount) -> bool:
    """May the person give the account a new first password (someone else's, with a password here)?"""
    return account.account_id != person.account_id and may_set_password(
        person.role, person.region_id, account.role, account.region_id, has_password=account.signs_in_with_password
    )


def may_set_first_password(person: Person, account: StaffAccount) -> bool:
    return may_set_password(person.role, person.region_id, account.role, account.region_id, has_password=True)


SignedIn = Annotated[Session, Depends(current_session)]
