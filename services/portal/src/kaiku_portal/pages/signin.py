"""Signing in and out (one account per person, §"traceable to a person")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kaiku_portal.web import HOME, SESSION_COOKIE, CurrentAccounts, checked_form, render, settings

router = APIRouter()


def _safe_next(target: str) -> str | None:
    # only a path on this site: never an open redirect to another host
    return target if target.startswith("/") and not target.startswith("//") else None


@router.get("/")
async def home(request: Request) -> Response:
    session = request.state.session
    if session is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME[session.person.role], status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str = "", signed_out: str = "") -> Response:
    return render(
        request,
        "login.html",
        "login.title",
        next=_safe_next(next) or "",
        username="",
        request_signed_out=bool(signed_out),
    )


@router.post("/login")
async def login(request: Request, store: CurrentAccounts) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip().lower()
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or ""))
    if await store.sign_in_blocked(username):
        return render(
            request, "login.html", "login.title", status=429, error_key="login.throttled", next=target or "",
            username=username,
        )  # fmt: skip
    signed_in = await store.sign_in(username, password, hours=settings(request).session_hours) if username else None
    if signed_in is None:
        await store.sign_in_failed(username)
        return render(
            request,
            "login.html",
            "login.title",
            status=401,
            error_key="login.failed",
            next=target or "",
            username=username,
        )
    await store.sign_in_succeeded(username)
    token, person = signed_in
    response = RedirectResponse(target or HOME[person.role], status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings(request).session_hours * 3600,
        httponly=True,
        secure=settings(request).cookie_secure,
        samesite="lax",
    )
    return response


@router.post("/logout")
async def logout(request: Request, store: CurrentAccounts) -> Response:
    await checked_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await store.sign_out(token)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
