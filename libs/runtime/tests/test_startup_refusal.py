"""No guessable key in production (docs/contract.md "Authentication"): the rule, and a real service process."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from pathlib import Path

import httpx
import pytest
from kaiku_devkit.devstack import spawn_service, stop_services
from kaiku_devkit.infra import free_port
from kaiku_devkit.testing import Databases, ServiceRunner
from kaiku_runtime.settings import DEV_JWT_SECRET, DEV_MODE_ENV, ServiceSettings, startup_refusal, weak_secret

STRONG = secrets.token_hex(32)
EXAMPLE_ENV = Path(__file__).resolve().parents[3] / "deploy" / "example.env"


def production(**values: object) -> ServiceSettings:
    return ServiceSettings(dev_mode=False, **values)  # type: ignore[arg-type]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("", "KAIKU_JWT_SECRET is not set"),
        (DEV_JWT_SECRET, "development default"),
        ("k" * 8 + secrets.token_hex(10), "shorter than 32 bytes"),
        ("change-me-jwt-secret-0123456789abcdef", "placeholder"),  # what deploy/example.env used to ship
        ("CHANGE-ME-" + "0123456789" * 3, "placeholder"),
        ("x" * 40, "placeholder"),
    ],
)
def test_a_guessable_jwt_secret_is_refused_with_what_to_set(secret: str, says: str):
    refusal = startup_refusal(production(jwt_secret=secret))
    assert refusal is not None
    assert says in refusal
    assert "KAIKU_JWT_SECRET" in refusal
    assert "\n" not in refusal
    assert secret == "" or secret not in refusal, "the refusal never echoes the secret"


@pytest.mark.unit
def test_a_random_secret_starts_and_development_mode_allows_the_published_one():
    assert startup_refusal(production(jwt_secret=STRONG)) is None
    dev = ServiceSettings(dev_mode=True)
    assert dev.jwt_secret == DEV_JWT_SECRET, "development mode fills in the development secret"
    assert startup_refusal(dev) is None
    assert production().jwt_secret == "", "outside development mode there is no default secret"


@pytest.mark.unit
def test_a_jwks_url_needs_the_issuer_and_the_audience():
    jwks = "https://idp.example.fi/certs"
    refusal = startup_refusal(production(jwt_secret=STRONG, jwt_jwks_url=jwks))
    assert refusal is not None
    assert "KAIKU_JWT_ISSUER and KAIKU_JWT_AUDIENCE" in refusal
    refusal = startup_refusal(production(jwt_secret=STRONG, jwt_jwks_url=jwks, jwt_issuer="https://idp.example.fi"))
    assert refusal is not None
    assert "KAIKU_JWT_AUDIENCE" in refusal
    assert "KAIKU_JWT_ISSUER" not in refusal
    both = production(jwt_secret=STRONG, jwt_jwks_url=jwks, jwt_issuer="https://idp.example.fi", jwt_audience="kaiku")
    assert startup_refusal(both) is None


@pytest.mark.unit
def test_the_example_files_leave_every_secret_empty():
    values = dict(
        line.split("=", 1) for line in EXAMPLE_ENV.read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    for name, value in values.items():
        if "SECRET" in name or "PASSWORD" in name:
            assert value == "", f"{name} must be left empty in deploy/example.env"
            assert weak_secret(name, value) is not None


def _exit_of(process_log: Path, svc_process: object, timeout: float = 60.0) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = svc_process.poll()  # type: ignore[attr-defined]
        if code is not None:
            return int(code)
        time.sleep(0.2)
    return None


@pytest.mark.e2e
def test_a_service_without_development_mode_refuses_to_start_then_starts_with_a_real_secret(
    kafka_bootstrap: str, databases: Databases, kaiku_workdir: Path, service_runner: ServiceRunner
):
    database_url = databases.new("stats")
    env = {k: v for k, v in os.environ.items() if k not in (DEV_MODE_ENV, "KAIKU_JWT_SECRET")}
    env.update({"KAIKU_KAFKA_BOOTSTRAP": kafka_bootstrap, "KAIKU_DATABASE_URL": database_url})
    log = kaiku_workdir / f"stats-refused-{uuid.uuid4().hex[:6]}.log"
    svc = spawn_service("stats", free_port(), env, log)
    try:
        code = _exit_of(log, svc.process)
    finally:
        stop_services([svc])
    assert code is not None, "the service kept running on no secret"
    assert code != 0
    output = log.read_text()
    assert "kaiku-stats refuses to start: KAIKU_JWT_SECRET is not set" in output
    assert "openssl rand" in output
    refusal_lines = [line for line in output.splitlines() if "refuses to start" in line]
    assert len(refusal_lines) == 1

    started = service_runner.start("stats", database_url=database_url, KAIKU_DEV_MODE="0", KAIKU_JWT_SECRET=STRONG)
    assert httpx.get(f"{started.url}/health/ready", timeout=5).status_code == 200
    service_runner.stop(started)
