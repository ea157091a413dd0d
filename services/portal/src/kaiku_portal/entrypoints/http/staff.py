"""Staff accounts: a regional coordinator opens and closes the accounts of the region's people, the
national office those of the coordinators (who may manage whom: domain/staff.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_runtime.auth import Role
from kaiku_runtime.logging import get_logger

from kaiku_portal.adapters.upstream import Rejection
from kaiku_portal.domain.accounts import AccountError, PasswordChange, Session, StaffAccount
from kaiku_portal.domain.staff import (
    MIN_PASSWORD_LENGTH,
    ORGANISATION_OF,
    AccountProblem,
    new_account_problems,
    password_too_short,
    roles_managed_by,
)
from kaiku_portal.entrypoints.access import (
    SignedIn,
    checked_form,
    may_change,
    may_open,
    may_set_first_password,
    own_region,
    password_settable,
    role,
)
from kaiku_portal.entrypoints.http.web import CurrentAccounts, CurrentServices, field, render

router = APIRouter()
log = get_logger(__name__)
Manager = Annotated[Session, role(Role.REGION_ADMIN, Role.NATIONAL)]
# The organisation kinds an account may belong to, for the organisation picker.
LISTINGS = ("distributor", "venue")


async def _listed(session: Session, services: CurrentServices, kind: str) -> list[dict[str, Any]] | None:
    """The region's distributors or venues; None when the service cannot list them just now."""
    person = session.person
    try:
        if kind == "distributor":
            distributors = await services.issuance.distributors(person, person.region_id)
            return [{"id": d.distributor_id, "name": d.name} for d in distributors]
        venues = await services.usage.venues(person, person.region_id)
    except Rejection:
        return None
    return [{"id": v.venue_id, "name": v.name} for v in venues]


async def _organisations(session: Session, services: CurrentServices) -> dict[str, list[dict[str, Any]]] | None:
    """The region's distributors and venues to pick from; None when a service cannot list them (no
    distributor or venue account can then be opened: the organisation could not be checked)."""
    if session.person.role is not Role.REGION_ADMIN:
        return {}
    found: dict[str, list[dict[str, Any]]] = {}
    for kind in LISTINGS:
        listed = await _listed(session, services, kind)
        if listed is None:
            return None
        found[kind] = listed
    return found


async def _regions(session: Session, services: CurrentServices) -> list[dict[str, Any]] | None:
    """The regions the national office picks a coordinator's region from (by name: a region typed as free
    text that does not exist gave a coordinator nothing but zeros); None when issuance cannot list them."""
    if session.person.role is not Role.NATIONAL:
        return []
    try:
        regions = await services.issuance.regions(session.person)
    except Rejection:
        return None
    return [{"id": r.region_id, "name": r.name} for r in regions]


# Where each problem of a new account is shown (the form's field ids).
FIELD_OF: dict[AccountProblem, str] = {
    AccountProblem.ROLE: "role",
    AccountProblem.USERNAME: "username",
    AccountProblem.PASSWORD: "password",
    AccountProblem.REGION: "region_id",
    AccountProblem.ORGANISATION: "org_id",
    AccountProblem.TAKEN: "username",
}
FORM_ORDER = ("username", "role", "region_id", "org_id", "password")  # the summary lists errors as the form does
UNAVAILABLE = {"accounts.error.listing_unavailable", "accounts.error.regions_unavailable"}


async def _page(
    request: Request,
    session: Session,
    accounts: CurrentAccounts,
    services: CurrentServices,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    person = session.person
    roles = roles_managed_by(person.role)
    staff = await accounts.staff(roles, own_region(person))
    organisations = await _organisations(session, services)
    regions = await _regions(session, services)
    # the names the table shows beside the ids (the ids stay: support staff and the services speak in them)
    names = {o["id"]: o["name"] for listed in (organisations or {}).values() for o in listed}
    names |= {r["id"]: r["name"] for r in regions or []}
    return render(
        request,
        "accounts.html",
        "accounts.title",
        status=status,
        staff=staff,
        password_settable={a.account_id for a in staff if password_settable(person, a)},
        roles=[r.value for r in roles],
        organisations=organisations,
        regions=regions,
        names=names,
        oidc=request.app.state.oidc is not None,
        min_password=MIN_PASSWORD_LENGTH,
        values=values or {},
        errors=errors or {},
        **context,
    )


async def _managed(session: Session, accounts: CurrentAccounts, account_id: str) -> StaffAccount | None:
    """The account, if the signed-in person may change it (entrypoints/access.py)."""
    target = await accounts.staff_account(account_id)
    return target if target is not None and may_change(session.person, target) else None


@router.get("/accounts")
async def staff_accounts(
    request: Request, session: Manager, accounts: CurrentAccounts, services: CurrentServices
) -> Response:
    return await _page(request, session, accounts, services)


async def _listing_errors(
    session: Session, services: CurrentServices, wanted: Role, region: str | None, org: str | None
) -> dict[str, str]:
    """The region and organisation must be ones that exist: checked against the listings, failing closed
    when a listing cannot be read (field id -> message key; empty when both are known)."""
    errors: dict[str, str] = {}
    if session.person.role is Role.NATIONAL and wanted is not Role.NATIONAL and region:
        regions = await _regions(session, services)
        if regions is None:
            errors["region_id"] = "accounts.error.regions_unavailable"
        elif region not in {r["id"] for r in regions}:
            errors["region_id"] = "accounts.error.region_unknown"
    kind = ORGANISATION_OF.get(wanted)
    if kind and org:
        listed = await _listed(session, services, kind)
        if listed is None:
            errors["org_id"] = "accounts.error.listing_unavailable"
        elif org not in {o["id"] for o in listed}:
            errors["org_id"] = f"accounts.error.organisation_{kind}"
    return errors


@router.post("/accounts")
async def open_account(
    request: Request, session: Manager, accounts: CurrentAccounts, services: CurrentServices
) -> Response:
    form = await checked_form(request)
    person = session.person
    values = {name: field(form, name) for name in ("username", "role", "region_id", "org_id", "signs_in")}
    values["username"] = values["username"].lower()
    region = values["region_id"] if person.role is Role.NATIONAL else person.region_id
    try:
        wanted = Role(values["role"])
    except ValueError:
        wanted = None
    if wanted is None or not may_open(person, wanted, region):
        return await _page(request, session, accounts, services, status=422, values=values,
                           errors={"role": "accounts.error.role"})  # fmt: skip
    org = values["org_id"] if wanted in ORGANISATION_OF else None
    with_organisation = values["signs_in"] == "organisation" and request.app.state.oidc is not None
    password = None if with_organisation else str(form.get("password") or "")
    # every field at fault at once, not one per try (issue 19)
    errors = {
        FIELD_OF[problem]: f"accounts.error.{problem.value}"
        for problem in new_account_problems(values["username"], password, wanted, region, org)
    }
    errors = {**await _listing_errors(session, services, wanted, region, org), **errors}
    if not errors:
        try:
            created = await accounts.create(values["username"], password, wanted, region, org,
                                            created_by=person.account_id)  # fmt: skip
        except AccountError as exc:
            problem = exc.problem or AccountProblem.USERNAME
            errors = {FIELD_OF[problem]: f"accounts.error.{problem.value}"}
    if errors:
        ordered = {name: errors[name] for name in FORM_ORDER if name in errors}
        status = 503 if set(ordered.values()) <= UNAVAILABLE else 422  # 503: only a listing stood in the way
        return await _page(request, session, accounts, services, status=status, values=values, errors=ordered)
    log.info("account_opened", account_id=created.account_id, role=created.role, by=person.account_id)
    return await _page(request, session, accounts, services, opened=created.username)


@router.post("/accounts/{account_id}/closed")
async def close_account(
    request: Request, account_id: str, session: Manager, accounts: CurrentAccounts, services: CurrentServices
) -> Response:
    """Close or reopen an account; closing is asked first (it ends the person's sessions at once)."""
    form = await checked_form(request)
    person = session.person
    target = await _managed(session, accounts, account_id)
    if target is None:
        return await _page(request, session, accounts, services, status=403, error_key="accounts.error.not_yours")
    closed = field(form, "closed") == "true"
    if closed and field(form, "confirmed") != "yes":
        return render(request, "account_close.html", "accounts.close_title", account=target)
    await accounts.close(target.account_id, closed=closed, by=person.account_id)
    log.info("account_closed" if closed else "account_reopened", account_id=target.account_id, by=person.account_id)
    key = "accounts.closed_done" if closed else "accounts.reopened_done"
    return await _page(request, session, accounts, services, changed=(key, target.username))


@router.post("/accounts/{account_id}/password")
async def set_first_password(
    request: Request, account_id: str, session: Manager, accounts: CurrentAccounts, services: CurrentServices
) -> Response:
    """A new first password for someone who forgot theirs (handed over in person, like the first one)."""
    form = await checked_form(request)
    person = session.person
    target = await _managed(session, accounts, account_id)
    if target is None:
        return await _page(request, session, accounts, services, status=403, error_key="accounts.error.not_yours")
    if not target.signs_in_with_password:  # the organisation signs them in: a password here would bypass it
        return await _page(request, session, accounts, services, status=409, error_key="accounts.error.no_password")
    if not may_set_first_password(person, target):
        return await _page(request, session, accounts, services, status=403,
                           error_key="accounts.error.password_not_yours")  # fmt: skip
    password = str(form.get("password") or "")
    if password_too_short(password):
        return await _page(request, session, accounts, services, status=422, error_key="accounts.error.password")
    await accounts.set_password(target.account_id, password)
    log.info("password_set", account_id=target.account_id, by=session.person.account_id)
    return await _page(request, session, accounts, services, changed=("accounts.password_set", target.username))


def _password_page(
    request: Request, *, status: int = 200, errors: dict[str, str] | None = None, **context: Any
) -> Response:
    return render(request, "password.html", "password.title", status=status, errors=errors or {},
                  min_password=MIN_PASSWORD_LENGTH, **context)  # fmt: skip


@router.get("/password")
async def password_page(request: Request, session: SignedIn) -> Response:
    return _password_page(request)


@router.post("/password")
async def change_password(request: Request, session: SignedIn, accounts: CurrentAccounts) -> Response:
    """Everyone changes their own password (the first one came from their coordinator)."""
    form = await checked_form(request)
    current, new = str(form.get("current") or ""), str(form.get("new") or "")
    if new != str(form.get("again") or ""):
        outcome, errors = None, {"again": "password.error.differ"}
    else:
        outcome = await accounts.change_password(session, current, new)
        where = {PasswordChange.WRONG_CURRENT: "current", PasswordChange.TOO_SHORT: "new"}
        errors = {where[outcome]: f"password.error.{outcome}"} if outcome in where else {}
    if outcome is PasswordChange.NO_PASSWORD:
        return _password_page(request, status=409, error_key="password.error.no_password")
    if errors:
        return _password_page(request, status=422, errors=errors)
    log.info("password_changed", account_id=session.person.account_id)
    return _password_page(request, changed=True)
