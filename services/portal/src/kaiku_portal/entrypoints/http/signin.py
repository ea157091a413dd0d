"""Signing in and out (one account per person, §"traceable to a person")."""

from __future__ import annotations

from typing import Any

import httpx2
from authlib.integrations.starlette_client import OAuthError, StarletteOAuth2App
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from kaiku_runtime.logging import get_logger

from kaiku_portal.adapters.oidc import CALLBACK_PATH
from kaiku_portal.domain.throttle import LONGEST_USERNAME, username_acceptable
from kaiku_portal.entrypoints.access import checked_form
from kaiku_portal.entrypoints.http.web import HOME, SESSION_COOKIE, CurrentAccounts, render, settings
from kaiku_portal.i18n import translate
from kaiku_portal.service import sign_in

router = APIRouter()
log = get_logger(__name__)


def _safe_next(target: str) -> str | None:
    # only a path on this site: never an open redirect to another host
    return target if target.startswith("/") and not target.startswith("//") else None


@router.get("/")
async def home(request: Request) -> Response:
    session = request.state.session
    if session is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME[session.person.role], status_code=303)


def _login_page(
    request: Request, *, status: int = 200, next: str | None = None, username: str = "", **context: Any
) -> Response:
    """The sign-in page: the password form and, where configured, the organisation's provider."""
    return render(
        request, "login.html", "login.title", status=status, next=next or "", username=username,
        oidc=request.app.state.oidc is not None, **context,
    )  # fmt: skip


@router.get("/login")
async def login_page(request: Request, next: str = "", signed_out: str = "") -> Response:
    return _login_page(request, next=_safe_next(next), request_signed_out=bool(signed_out))


def _signed_in(request: Request, signed_in: sign_in.SignedIn, target: str | None) -> Response:
    response = RedirectResponse(target or HOME[signed_in.person.role], status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=settings(request).session_hours * 3600,
        httponly=True,
        secure=settings(request).cookie_secure,
        samesite="lax",
    )
    return response


@router.post("/login")
async def login(request: Request, store: CurrentAccounts) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip().lower()
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or ""))
    address = request.client.host if request.client else None
    outcome = await sign_in.with_password(store, username, password, address, hours=settings(request).session_hours)
    if isinstance(outcome, sign_in.SignedIn):
        return _signed_in(request, outcome, target)
    shown = username if username_acceptable(username) else ""  # a name no account can have is never echoed
    status = {sign_in.Refused.THROTTLED: 429, sign_in.Refused.CLOSED: 403}.get(outcome, 401)
    return _login_page(request, status=status, error_key=f"login.{outcome}", next=target, username=shown)


def _organisation(request: Request) -> StarletteOAuth2App:
    client: StarletteOAuth2App | None = request.app.state.oidc
    if client is None:
        raise HTTPException(404)  # passwords only here
    return client


@router.get("/login/oidc")
async def login_oidc(request: Request, next: str = "") -> Response:
    """Off to the organisation's provider; it sends the person back to the callback below."""
    organisation = _organisation(request)
    request.session["next"] = _safe_next(next) or ""
    public = settings(request).public_url
    back = public.rstrip("/") + CALLBACK_PATH if public else str(request.url_for("oidc_callback"))
    try:
        redirect: Response = await organisation.authorize_redirect(request, back)
    except httpx2.HTTPError as exc:  # authlib's client to the provider
        log.warning("oidc_provider_unavailable", error=type(exc).__name__)
        return _login_page(request, status=503, error_key="login.oidc_unavailable")
    return redirect


@router.get(CALLBACK_PATH, name="oidc_callback")
async def oidc_callback(request: Request, store: CurrentAccounts) -> Response:
    organisation = _organisation(request)
    target = _safe_next(str(request.session.pop("next", "") or ""))
    try:
        # checks the state against the cookie, then the ID token's signature, issuer, audience, expiry, nonce
        token = await organisation.authorize_access_token(request)
    except OAuthError as exc:  # cancelled at the provider, a stale or forged state, an unacceptable ID token
        log.info("oidc_sign_in_refused", error=exc.error)
        return _login_page(request, status=401, error_key="login.oidc_failed")
    except httpx2.HTTPError as exc:  # authlib's client to the provider
        log.warning("oidc_provider_unavailable", error=type(exc).__name__)
        return _login_page(request, status=503, error_key="login.oidc_unavailable")
    claims = dict(token.get("userinfo") or {})
    username, signed_in = await sign_in.through_provider(
        store, claims, settings(request).oidc_username_claim, hours=settings(request).session_hours
    )
    if signed_in is None:
        log.info("oidc_sign_in_without_account", claim=settings(request).oidc_username_claim)
        shown = username[:LONGEST_USERNAME] or "?"
        return _login_page(
            request, status=403, error=translate(request.state.lang, "login.oidc_no_account", username=shown)
        )
    log.info("signed_in", account_id=signed_in.person.account_id, via="oidc")
    return _signed_in(request, signed_in, target)


@router.post("/logout")
async def logout(request: Request, store: CurrentAccounts) -> Response:
    await checked_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await store.sign_out(token)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
