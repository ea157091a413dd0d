"""PostgreSQL: the service's own database, its pool and its migrations (yoyo-migrations)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from yoyo import get_backend, read_migrations

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _yoyo_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql+psycopg", *parts[1:]))


async def ensure_database(url: str) -> None:
    """Create the database named in `url` on its server if it does not exist yet."""
    database = urlsplit(url).path.lstrip("/")
    try:
        await (await asyncpg.connect(url)).close()
        return
    except asyncpg.InvalidCatalogNameError:
        pass
    conn = await asyncpg.connect(with_database(url, "postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    except asyncpg.DuplicateDatabaseError:
        pass
    finally:
        await conn.close()


def apply_migrations(url: str, service_migrations: Path | None) -> int:
    """Apply the runtime's tables (outbox, processed events) and the service's own; returns how many ran."""
    backend = get_backend(_yoyo_url(url))
    sources = [str(RUNTIME_MIGRATIONS)] + ([str(service_migrations)] if service_migrations is not None else [])
    migrations = read_migrations(*sources)
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return len(pending)


async def create_pool(
    url: str, *, min_size: int = 2, max_size: int = 20, server_settings: dict[str, str] | None = None
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, command_timeout=60, server_settings=server_settings
    )
    assert pool is not None
    return pool


def service_migrations(package_file: str) -> Path:
    """A service's `migrations/`: inside the installed package (wheel) or beside `src/` (source tree)."""
    package_dir = Path(package_file).resolve().parent
    for candidate in (package_dir / "migrations", package_dir.parents[1] / "migrations"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no migrations folder for {package_dir.name}")


def migrations_dir(service: str) -> Path:
    """The migrations folder of an installed service (`kaiku_<service>.app.MIGRATIONS`)."""
    module = __import__(f"kaiku_{service}.app", fromlist=["MIGRATIONS"])
    path: Path = module.MIGRATIONS
    return path
