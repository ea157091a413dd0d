"""deploy/k8s: per-service manifests that pass the Kubernetes API schemas and the operating rules.

Schemas: the PyPI package `kubernetes-validate` ships the Kubernetes OpenAPI schemas; each rendered
resource is validated strictly (unknown fields refused). Rendering: `kubectl kustomize` where kubectl
is installed (it is on this machine kind), else the kustomization's resource files as they are.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kaiku_runtime.cli import parse_command
from kaiku_runtime.settings import SERVICE_PORTS

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SERVICES = ("issuance", "usage", "stats", "portal")
VERSIONS = ("1.30.0", kubernetes_validate.latest_version())


def render(directory: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        text = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=True).stdout
        return [doc for doc in yaml.safe_load_all(text) if doc]
    docs: list[dict[str, Any]] = []
    for resource in yaml.safe_load((directory / "kustomization.yaml").read_text())["resources"]:
        path = directory / resource
        docs += render(path) if path.is_dir() else [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("version", VERSIONS)
def test_manifests_of_each_service_pass_the_kubernetes_schemas(service: str, version: str):
    docs = render(K8S / service) + list(yaml.safe_load_all((K8S / service / "secret.example.yaml").read_text()))
    assert {d["kind"] for d in docs} >= {"Deployment", "Service", "ConfigMap", "Secret", "Job"}
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_a_schema_violation_is_caught():
    (deployment,) = by_kind(render(K8S / "issuance"), "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_probes_resources_and_locked_down_pods(service: str):
    docs = render(K8S / service)
    assert {d["metadata"].get("namespace") for d in docs} == {"kaiku"}
    (deployment,) = by_kind(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port = SERVICE_PORTS[service]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["requests"]["memory"]
    assert container["resources"]["limits"]["memory"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(port)
    (svc,) = by_kind(docs, "Service")
    assert svc["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    # configuration from this service's own ConfigMap and Secret (the Secret's shape is in secret.example.yaml)
    (config,) = by_kind(docs, "ConfigMap")
    (secret,) = yaml.safe_load_all((K8S / service / "secret.example.yaml").read_text())
    refs = {next(iter(source.values()))["name"] for source in container["envFrom"]}
    assert refs == {config["metadata"]["name"], secret["metadata"]["name"]} == {f"kaiku-{service}"}
    keys = set(config["data"]) | set(secret["stringData"])
    assert {"KAIKU_DATABASE_URL", "KAIKU_JWT_SECRET", "KAIKU_LOG_LEVEL"} <= keys
    if service != "portal":
        assert {"KAIKU_KAFKA_BOOTSTRAP", "KAIKU_KAFKA_USERNAME", "KAIKU_KAFKA_PASSWORD"} <= keys
        assert config["data"]["KAIKU_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert config["data"]["KAIKU_KAFKA_USERNAME"] == f"kaiku-{service}"
    assert not set(config["data"]) & {"KAIKU_DATABASE_URL", "KAIKU_JWT_SECRET", "KAIKU_KAFKA_PASSWORD"}


@pytest.mark.parametrize("service", SERVICES)
def test_migration_job_runs_the_same_image_with_a_command_the_cli_knows(service: str):
    docs = render(K8S / service)
    (deployment,) = by_kind(docs, "Deployment")
    (job,) = by_kind(docs, "Job")
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["image"] == deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    command = migrate["command"]
    assert command[0] == "kaiku"
    name, params = parse_command(command[1:])
    assert (name, params["service"]) == ("migrate", service)
    assert migrate["env"][0]["valueFrom"]["secretKeyRef"] == {"name": f"kaiku-{service}", "key": "KAIKU_DATABASE_URL"}


def test_a_region_can_apply_issuance_alone():
    docs = render(K8S / "issuance")
    names = {d["metadata"]["name"] for d in docs}
    assert all(name.startswith("kaiku-issuance") for name in names), names
    text = "\n".join(yaml.safe_dump(d) for d in docs)
    for other in ("kaiku-usage", "kaiku-stats", "kaiku-portal"):
        assert other not in text, f"issuance's manifests refer to {other}"


def test_everything_renders_together_with_the_namespace():
    docs = render(K8S)
    assert by_kind(docs, "Namespace")[0]["metadata"]["name"] == "kaiku"
    assert len(by_kind(docs, "Deployment")) == len(SERVICES)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_regional_deployment_is_issuance_and_usage_scoped_in_a_namespace_of_its_own(version: str):
    """deploy/k8s/regional (deploy/README.md "Regional deployments"): its own namespace, Kafka users, regions."""
    regional = K8S / "regional"
    docs = render(regional) + list(yaml.safe_load_all((regional / "secret.example.yaml").read_text()))
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    (namespace,) = by_kind(docs, "Namespace")
    assert namespace["metadata"]["name"] != "kaiku"
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {namespace["metadata"]["name"]}
    assert sorted(d["metadata"]["name"] for d in by_kind(docs, "Deployment")) == ["kaiku-issuance", "kaiku-usage"]
    for config in by_kind(docs, "ConfigMap"):
        service = config["metadata"]["name"].removeprefix("kaiku-")
        deployment = config["data"]["KAIKU_DEPLOYMENT"]
        assert config["data"]["KAIKU_REGIONS"]
        assert config["data"]["KAIKU_KAFKA_USERNAME"] == f"kaiku-{service}-{deployment}"
    for secret in by_kind(docs, "Secret"):
        assert "pirkanmaa" in secret["stringData"]["KAIKU_DATABASE_URL"]  # the region's own database
