"""Composition root of the staff portal: FastAPI + Jinja2 pages, its own PostgreSQL for accounts and
sessions, and an HTTP client to the issuance, usage and stats services (it owns no domain data)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from kaiku_runtime.db import apply_migrations, create_pool, ensure_database, service_migrations, with_database
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES, HttpEdge, RefuseUnsafeStart
from kaiku_runtime.logging import configure_logging, get_logger
from kaiku_runtime.metrics import install_http_metrics
from kaiku_runtime.settings import DEFAULT_SERVER_URL, database_name
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from kaiku_portal.accounts import Accounts
from kaiku_portal.i18n import choose_language
from kaiku_portal.oidc import STATE_COOKIE, STATE_SECONDS, provider
from kaiku_portal.pages import coordination, distributor, own_stats, public, signin, staff, venue
from kaiku_portal.pages.distributor import MAX_UPLOAD_BYTES
from kaiku_portal.settings import PortalSettings
from kaiku_portal.upstream import Services
from kaiku_portal.web import LANG_COOKIE, SESSION_COOKIE, NotAllowed, SignInRequired, render

MIGRATIONS = service_migrations(__file__)
STATIC = Path(__file__).parent / "static"
log = get_logger(__name__)
settings = PortalSettings()
database_url = settings.database_url or with_database(DEFAULT_SERVER_URL, database_name("portal"))
# Pages only from this site; inline style attributes draw the chart bars.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"  # a year: the portal is never meant to be reached over plain HTTP


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    configure_logging("portal", settings.log_level)
    await ensure_database(database_url)
    await asyncio.to_thread(apply_migrations, database_url, MIGRATIONS)
    pool = await create_pool(database_url, min_size=1, max_size=10)
    http = httpx.AsyncClient(timeout=settings.upstream_timeout_seconds)
    app.state.accounts = Accounts(pool)
    app.state.services = Services(settings, http)
    app.state.oidc = provider(settings)
    app.state.pool = pool
    log.info("service_started")
    try:
        yield
    finally:
        await http.aclose()
        await pool.close()
        log.info("service_stopped")


app = FastAPI(title="Kaikukortti staff portal", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
app.state.settings = settings
# staff forms are small: 64 KiB like every JSON body; the two uploads take their import's cap
app.add_middleware(
    HttpEdge,
    identity_codes=False,  # the services refuse them in what the portal forwards, in the person's language
    uploads=dict.fromkeys(("/cards/import", "/venue-report"), MAX_UPLOAD_BYTES + MAX_JSON_BODY_BYTES),
)
install_http_metrics(app, "portal")
app.add_middleware(RefuseUnsafeStart, name="kaiku-portal", settings=lambda: settings)
# Only the OIDC sign-in's state and nonce live in this signed cookie; the session itself is in the database.
app.add_middleware(
    SessionMiddleware,
    secret_key=settings.oidc_state_secret or secrets.token_urlsafe(32),
    session_cookie=STATE_COOKIE,
    max_age=STATE_SECONDS,
    same_site="lax",
    https_only=settings.cookie_secure,
)
app.mount("/static", StaticFiles(directory=STATIC), name="static")
for module in (signin, distributor, venue, coordination, staff, public, own_stats):
    app.include_router(module.router)


@app.middleware("http")
async def language_and_session(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Pick the language (?lang=, then the cookie, then Accept-Language) and load the session."""
    asked = request.query_params.get("lang")
    request.state.lang = choose_language(
        asked, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    request.state.session = None
    token = request.cookies.get(SESSION_COOKIE)
    if token and not request.url.path.startswith(("/static", "/health")):
        request.state.session = await request.app.state.accounts.session(token)
    response = await call_next(request)
    if asked and asked == request.state.lang:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax", secure=settings.cookie_secure)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if served_over_https(request):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.state.session is not None:
        response.headers.setdefault("Cache-Control", "no-store")  # pages of a signed-in person are not cached
    return response


def served_over_https(request: Request) -> bool:
    """HSTS goes with every answer when KAIKU_PUBLIC_URL is https, or the request came over TLS (directly, or
    through a proxy saying `X-Forwarded-Proto: https`). Browsers ignore it on plain HTTP (RFC 6797 §8.1),
    so a forged header changes nothing (docs/portal/README.md)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return settings.serves_https() or request.url.scheme == "https" or forwarded == "https"


@app.exception_handler(SignInRequired)
async def to_sign_in(request: Request, _: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}" if request.method == "GET" else "/login", 303)


@app.exception_handler(NotAllowed)
async def not_allowed(request: Request, _: Exception) -> Response:
    return render(request, "message.html", "error.forbidden.title", status=403, message_key="error.forbidden")


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/health"):
        return JSONResponse({"status": exc.detail}, status_code=exc.status_code)
    key = "error.not_found" if exc.status_code == 404 else "error.unexpected"
    return render(request, "message.html", key + ".title", status=exc.status_code, message_key=key)


@app.exception_handler(Exception)
async def unexpected(request: Request, exc: Exception) -> Response:
    # never a stack trace on a page; the log has the exception's type for the operators
    log.error("unexpected_error", path=request.url.path, error=type(exc).__name__)
    return render(request, "message.html", "error.unexpected.title", status=500, message_key="error.unexpected")


@app.get("/health/live", include_in_schema=False)
async def live() -> dict[str, str]:
    return {"status": "live"}


@app.get("/health/ready", include_in_schema=False)
async def ready(request: Request) -> JSONResponse:
    """Ready when the portal's own database answers; the services' state is shown, not required
    (a page whose service is down says so in the person's language)."""
    checks: dict[str, str] = {}
    pool = getattr(request.app.state, "pool", None)
    try:
        if pool is None:
            raise RuntimeError("starting")
        async with pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable ({type(exc).__name__})"
    upstream = await request.app.state.services.ready() if pool is not None else {}
    ok = checks["database"] == "ok"
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", **checks, "services": upstream}, status_code=200 if ok else 503
    )


@app.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
