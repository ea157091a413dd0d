"""The web layer's plumbing: language, session, CSRF, and rendering pages with the message catalogue."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from kaiku_runtime.auth import Role
from starlette.datastructures import FormData

from kaiku_portal.accounts import Accounts, Session
from kaiku_portal.domain import formats
from kaiku_portal.i18n import LANGUAGES, Lang, reason_text, translate
from kaiku_portal.settings import PortalSettings
from kaiku_portal.upstream import Rejection, Services

SESSION_COOKIE = "kaiku_portal_session"
LANG_COOKIE = "kaiku_portal_lang"
TEMPLATES = Path(__file__).parent / "templates"

templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False)
templates.filters["date"] = formats.show_date
templates.filters["datetime"] = formats.show_datetime
templates.filters["rate"] = formats.show_rate
# How a breakdown's labels are translated (age groups like "16-29" need no words).
templates.globals["chart_prefixes"] = {
    "holders_by_gender": "gender.",
    "holders_by_life_situation": "life.",
    "holders_by_mother_tongue": "tongue_group.",
    "redemptions_by_venue_category": "category.",
}

# Each role's pages, in the order of the navigation.
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.DISTRIBUTOR: [
        ("/cards/new", "nav.grant"),
        ("/cards", "nav.cards"),
        ("/cards/import", "nav.import"),
        ("/cards/stats", "nav.own_stats"),
    ],
    Role.VENUE: [
        ("/box-office", "nav.box_office"),
        ("/performances", "nav.performances"),
        ("/venue-report", "nav.venue_report"),
        ("/venue-stats", "nav.own_stats"),
    ],
    Role.REGION_ADMIN: [
        ("/region", "nav.region"),
        ("/region/stats", "nav.region_stats"),
        ("/flags", "nav.flags"),
        ("/accounts", "nav.accounts"),
    ],
    Role.NATIONAL: [("/national", "nav.national"), ("/flags", "nav.flags"), ("/accounts", "nav.accounts")],
}
HOME: dict[Role, str] = {role: pages[0][0] for role, pages in NAVIGATION.items()}


class SignInRequired(Exception):  # noqa: N818
    """No valid session: the person is sent to the sign-in page."""


class NotAllowed(Exception):  # noqa: N818
    """Signed in, but this page is not for the person's role (or the form's CSRF token is wrong)."""


def accounts(request: Request) -> Accounts:
    store: Accounts = request.app.state.accounts
    return store


def services(request: Request) -> Services:
    client: Services = request.app.state.services
    return client


def settings(request: Request) -> PortalSettings:
    value: PortalSettings = request.app.state.settings
    return value


def language(request: Request) -> Lang:
    lang: Lang = request.state.lang
    return lang


def current_session(request: Request) -> Session:
    session: Session | None = request.state.session
    if session is None:
        raise SignInRequired
    return session


def role(*roles: Role) -> Any:
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


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def render(request: Request, template: str, title: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    lang: Lang = request.state.lang
    session: Session | None = request.state.session
    rejection: Rejection | None = context.pop("rejection", None)
    if rejection is not None:
        context["error"] = reason_text(lang, rejection.reason)
        context["error_detail"] = rejection.detail

    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    page = templates.get_template(template).render(
        lang=lang,
        languages=LANGUAGES,
        t=t,
        reason_text=lambda code: reason_text(lang, code),
        title=t(title),
        person=session.person if session is not None else None,
        csrf=session.csrf_token if session is not None else "",
        nav=NAVIGATION.get(session.person.role, []) if session is not None else [],
        current_path=request.url.path,
        **context,
    )
    return HTMLResponse(page, status_code=status)


CurrentLang = Annotated[Lang, Depends(language)]
SignedIn = Annotated[Session, Depends(current_session)]
CurrentServices = Annotated[Services, Depends(services)]
CurrentAccounts = Annotated[Accounts, Depends(accounts)]
