"""One service shape (docs/architecture.md, "One service shape"): the four services have the same folders,
and every SQL statement of a service lives under its `adapters/`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("issuance", "usage", "stats", "portal")
FOLDERS = ("domain", "service", "adapters", "entrypoints")
# what else may sit at a package's top level: the composition root and per-service configuration
TOP_LEVEL_MODULES = {"__init__.py", "app.py", "settings.py", "metrics.py", "i18n.py", "py.typed"}
TOP_LEVEL_FOLDERS = {*FOLDERS, "templates", "static", "locales", "__pycache__"}
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|ON\s+CONFLICT|TRUNCATE\s)\b", re.S
)


def package(service: str) -> Path:
    return ROOT / "services" / service / "src" / f"kaiku_{service}"


def string_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_sql_pattern_finds_statements_and_spares_prose() -> None:
    assert SQL.search("SELECT count(*) FROM cards WHERE x = $1")
    assert SQL.search("INSERT INTO outbox (id) VALUES ($1) ON CONFLICT DO NOTHING")
    assert SQL.search("UPDATE performances SET cancelled = true")
    assert SQL.search("DELETE FROM processed_events")
    assert not SQL.search("Select the venue from the list")
    assert not SQL.search("the update set the figures")


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_folders(service: str) -> None:
    root = package(service)
    missing = [folder for folder in FOLDERS if not (root / folder / "__init__.py").is_file()]
    assert not missing, f"kaiku_{service} lacks {missing}"
    entrypoints = root / "entrypoints"
    assert (entrypoints / "access.py").is_file(), f"kaiku_{service}: authorisation belongs in entrypoints/access.py"
    assert (entrypoints / "http.py").is_file() or (entrypoints / "http" / "__init__.py").is_file()


@pytest.mark.parametrize("service", SERVICES)
def test_nothing_else_sits_at_the_top_of_a_service(service: str) -> None:
    root = package(service)
    strays = sorted(
        entry.name
        for entry in root.iterdir()
        if (entry.is_file() and entry.name not in TOP_LEVEL_MODULES)
        or (entry.is_dir() and entry.name not in TOP_LEVEL_FOLDERS)
    )
    assert not strays, f"kaiku_{service}: {strays} belong in domain/, service/, adapters/ or entrypoints/"


@pytest.mark.parametrize("service", SERVICES)
def test_sql_lives_only_in_adapters(service: str) -> None:
    root = package(service)
    hits = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(root.rglob("*.py"))
        if "adapters" not in path.relative_to(root).parts
        for line, text in string_literals(path)
        if SQL.search(text)
    ]
    assert not hits, f"SQL outside kaiku_{service}/adapters: {hits}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_does_no_io(service: str) -> None:
    # the runtime's pure parts (tabular parsing, roles) are fine; its database, broker and HTTP parts are not
    forbidden = (
        "asyncpg",
        "aiokafka",
        "faststream",
        "fastapi",
        "httpx",
        "psycopg",
        "kaiku_runtime.db",
        "kaiku_runtime.outbox",
        "kaiku_runtime.consumer",
        "kaiku_runtime.service",
        "kaiku_runtime.unit_of_work",
    )
    hits = []
    for path in sorted((package(service) / "domain").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            hits += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if any(name == f or name.startswith(f + ".") for f in forbidden)
            ]
    assert not hits, f"the domain imports I/O: {hits}"
