"""The web layer's plumbing: language, session, CSRF, and rendering pages with the message catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from kaiku_runtime.auth import Role
from starlette.datastructures import FormData

from kaiku_portal import i18n
from kaiku_portal.adapters.upstream import Rejection, Services
from kaiku_portal.domain import formats
from kaiku_portal.domain.accounts import Session
from kaiku_portal.i18n import LANGUAGES, Lang, reason_text, refusal_view, translate
from kaiku_portal.service.accounts import Accounts
from kaiku_portal.settings import PortalSettings

SESSION_COOKIE = "kaiku_portal_session"
LANG_COOKIE = "kaiku_portal_lang"
TEMPLATES = Path(__file__).parents[2] / "templates"

templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
    extensions=["jinja2.ext.i18n"],
)


# Filters and gettext callables take the page's language from the render context (`lang`).
@pass_context
def _date(context: Context, value: Any) -> str:
    return formats.show_date(value, context.get("lang", i18n.DEFAULT_LANG))


@pass_context
def _datetime(context: Context, value: Any) -> str:
    return formats.show_datetime(value, context.get("lang", i18n.DEFAULT_LANG))


@pass_context
def _rate(context: Context, value: float | None) -> str:
    return formats.show_rate(value, context.get("lang", i18n.DEFAULT_LANG))


@pass_context
def _number(context: Context, value: int | float | None) -> str:
    return formats.show_number(value, context.get("lang", i18n.DEFAULT_LANG))


@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.gettext(context.get("lang", i18n.DEFAULT_LANG), message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    return i18n.ngettext(context.get("lang", i18n.DEFAULT_LANG), singular, plural, number)


templates.filters.update(date=_date, datetime=_datetime, rate=_rate, number=_number)
# `{% trans %}`, `_()` and `ngettext()` in templates (jinja2.ext.i18n); `t(key, **values)` stays the usual call
templates.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]
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
        ("/card-sheets", "nav.card_sheets"),
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
        ("/region/uses", "nav.uses"),
        ("/flags", "nav.flags"),
        ("/card-sheets", "nav.card_sheets"),
        ("/accounts", "nav.accounts"),
    ],
    Role.NATIONAL: [
        ("/national", "nav.national"),
        ("/region/uses", "nav.uses"),
        ("/flags", "nav.flags"),
        ("/card-sheets", "nav.card_sheets"),
        ("/accounts", "nav.accounts"),
    ],
}
HOME: dict[Role, str] = {role: pages[0][0] for role, pages in NAVIGATION.items()}


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


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def render(request: Request, template: str, title: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    lang: Lang = request.state.lang
    session: Session | None = request.state.session
    rejection: Rejection | None = context.pop("rejection", None)
    if rejection is not None:
        # i18n.refusal_view: the reason and each field at fault in the person's language, the detail folded away
        view = refusal_view(lang, rejection.reason, rejection.detail)
        context["error"] = view.message
        context["error_detail"] = view.detail
        context["error_fields"] = view.fields
        context["error_others"] = view.others
        errors = context.get("errors")
        if isinstance(errors, dict):
            context["errors"] = {**view.fields, **errors}

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
CurrentServices = Annotated[Services, Depends(services)]
CurrentAccounts = Annotated[Accounts, Depends(accounts)]


# Pages only from this site; inline style attributes draw the chart bars.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"  # a year: the portal is never meant to be reached over plain HTTP


def served_over_https(request: Request) -> bool:
    """HSTS goes with every answer when KAIKU_PUBLIC_URL is https, or the request came over TLS (directly, or
    through a proxy saying `X-Forwarded-Proto: https`). Browsers ignore it on plain HTTP (RFC 6797 §8.1),
    so a forged header changes nothing (docs/portal/README.md)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return settings(request).serves_https() or request.url.scheme == "https" or forwarded == "https"
