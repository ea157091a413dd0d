"""The portal's pages, one module per kind of user, and what every page goes through: the language, the
session, security headers, and errors shown as pages in the person's language."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from kaiku_runtime.logging import get_logger
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from kaiku_portal.adapters.oidc import STATE_COOKIE, STATE_SECONDS
from kaiku_portal.entrypoints.access import NotAllowed, SignInRequired
from kaiku_portal.entrypoints.http import (
    card_sheets,
    coordination,
    distributor,
    forms,
    own_stats,
    public,
    signin,
    staff,
    uses,
    venue,
)
from kaiku_portal.entrypoints.http.web import (
    HSTS,
    LANG_COOKIE,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    accounts,
    render,
    served_over_https,
    settings,
)
from kaiku_portal.i18n import choose_language
from kaiku_portal.settings import PortalSettings

STATIC = Path(__file__).parents[2] / "static"
log = get_logger(__name__)


def install_pages(app: FastAPI, portal_settings: PortalSettings) -> None:
    """Every page, the static files, and (outside the service's edge, metrics and start refusal) the OIDC
    state cookie, then the language and session."""
    # Only the OIDC sign-in's state and nonce live in this signed cookie; the session itself is in the database.
    app.add_middleware(
        SessionMiddleware,
        secret_key=portal_settings.oidc_state_secret or secrets.token_urlsafe(32),
        session_cookie=STATE_COOKIE,
        max_age=STATE_SECONDS,
        same_site="lax",
        https_only=portal_settings.cookie_secure,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (signin, distributor, venue, coordination, uses, forms, card_sheets, staff, public, own_stats):
        app.include_router(module.router)
    app.middleware("http")(language_and_session)
    app.add_exception_handler(SignInRequired, to_sign_in)
    app.add_exception_handler(NotAllowed, not_allowed)
    app.add_exception_handler(StarletteHTTPException, http_error)
    # FastAPI's own answer to a malformed query (the runtime's JSON shape is for the services' APIs)
    app.add_exception_handler(RequestValidationError, malformed)
    app.add_exception_handler(Exception, unexpected)


async def language_and_session(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Pick the language (?lang=, then the cookie, then Accept-Language) and load the session."""
    asked = request.query_params.get("lang")
    request.state.lang = choose_language(
        asked, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    request.state.session = None
    token = request.cookies.get(SESSION_COOKIE)
    if token and not request.url.path.startswith(("/static", "/health")):
        request.state.session = await accounts(request).session(token)
    response = await call_next(request)
    if asked and asked == request.state.lang:
        secure = settings(request).cookie_secure
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if served_over_https(request):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.state.session is not None:
        response.headers.setdefault("Cache-Control", "no-store")  # pages of a signed-in person are not cached
    return response


async def to_sign_in(request: Request, _: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}" if request.method == "GET" else "/login", 303)


async def not_allowed(request: Request, _: Exception) -> Response:
    return render(request, "message.html", "error.forbidden.title", status=403, message_key="error.forbidden")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/health"):
        return JSONResponse({"status": exc.detail}, status_code=exc.status_code)
    key = "error.not_found" if exc.status_code == 404 else "error.unexpected"
    return render(request, "message.html", key + ".title", status=exc.status_code, message_key=key)


async def malformed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return await request_validation_exception_handler(request, exc)


async def unexpected(request: Request, exc: Exception) -> Response:
    # never a stack trace on a page; the log has the exception's type for the operators
    log.error("unexpected_error", path=request.url.path, error=type(exc).__name__)
    return render(request, "message.html", "error.unexpected.title", status=500, message_key="error.unexpected")
