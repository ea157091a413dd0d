"""Who may do what on Kafka: deploy/kafka/kaiku-kafka-access.sh, run in its dry-run mode.

The commands it would send to Kafka's tools are parsed back into (user, operation, resource) grants,
and those are compared with what the issue allows (an agency writes its submissions and reads the
outcomes; the national office reads the aggregate streams) and with what each service's code actually
subscribes to and publishes.
"""

from __future__ import annotations

import importlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from kaiku_contracts.topics import ALL_TOPICS, Topics

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "kafka" / "kaiku-kafka-access.sh"
PASSWORDS = {f"KAIKU_{s}_KAFKA_PASSWORD": f"{s.lower()}-0123456789abcdef" for s in ("ISSUANCE", "USAGE", "STATS", "UI")}

Grant = tuple[str, str, str, str, str]  # user, operation, resource type, name, pattern type


def run_script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DRY_RUN": "1", **env}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=environment, check=False)


def commands(*args: str, **env: str) -> list[list[str]]:
    done = run_script(*args, **env)
    assert done.returncode == 0, done.stderr
    return [shlex.split(line) for line in done.stdout.splitlines()]


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def grants(argv_list: list[list[str]], action: str = "--add") -> set[Grant]:
    found: set[Grant] = set()
    for argv in argv_list:
        if not argv[0].endswith("kafka-acls.sh") or action not in argv:
            continue
        user = option(argv, "--allow-principal").removeprefix("User:")
        if "--cluster" in argv:
            resource, name, pattern = "cluster", "kafka-cluster", "literal"
        else:
            resource = next(kind for kind in ("topic", "group") if f"--{kind}" in argv)
            name, pattern = option(argv, f"--{resource}"), option(argv, "--resource-pattern-type")
        found.add((user, option(argv, "--operation"), resource, name, pattern))
    return found


def test_an_agency_may_only_write_its_submissions_and_read_the_outcomes():
    argv_list = commands("agency", "A17", "agency-secret-0123456789")
    assert grants(argv_list) == {
        ("agency-A17", "Write", "topic", Topics.AGENCY_REDEMPTIONS, "literal"),
        ("agency-A17", "Read", "topic", Topics.REDEMPTION_OUTCOMES, "literal"),
        ("agency-A17", "Read", "group", "agency-A17", "literal"),
    }
    (scram,) = [argv for argv in argv_list if argv[0].endswith("kafka-configs.sh")]
    assert option(scram, "--entity-name") == "agency-A17"
    assert option(scram, "--add-config") == "SCRAM-SHA-512=[iterations=8192,password=***]", "dry run masks it"


def _matches(grant: Grant, group: str) -> bool:
    """Whether Kafka would apply this group grant to `group` (LITERAL: the same name; PREFIXED: a prefix)."""
    _user, _operation, resource, name, pattern = grant
    if resource != "group":
        return False
    return group == name if pattern == "literal" else group.startswith(name) or name == "*"


@pytest.mark.parametrize(("mine", "theirs"), [("A", "AB"), ("A1", "A10"), ("lippu", "lippu.fi"), ("x", "x-1")])
def test_an_agency_reaches_no_consumer_group_of_another_agency(mine: str, theirs: str):
    """Agencies whose ids share a prefix (agency-A, agency-AB): neither may join or reset the other's group."""
    own = grants(commands("agency", mine, "agency-secret-0123456789"))
    other = grants(commands("agency", theirs, "agency-secret-0123456789"))
    assert any(_matches(g, f"agency-{mine}") for g in own)
    assert not any(_matches(g, f"agency-{theirs}") for g in own)
    assert not any(_matches(g, f"agency-{mine}") for g in other)
    for group in (f"agency-{theirs}", f"agency-{theirs}.replay", f"agency-{mine}x"):
        assert not any(_matches(g, group) for g in own), group


def test_revoking_an_agency_removes_its_credentials_and_exactly_the_grants_it_was_given():
    added = grants(commands("agency", "A17", "agency-secret-0123456789"))
    argv_list = commands("revoke", "agency-A17")
    assert argv_list[0][-2:] == ["--delete-config", "SCRAM-SHA-512"], "no new logins before anything else"
    assert grants(argv_list, "--remove") == added


def test_the_national_office_may_only_read_the_aggregate_streams_and_the_flags():
    assert grants(commands("national", "tilastokeskus", "national-secret-0123456")) == {
        ("national-tilastokeskus", "Read", "topic", Topics.STATS_REGIONAL, "literal"),
        ("national-tilastokeskus", "Read", "topic", Topics.STATS_NATIONAL, "literal"),
        ("national-tilastokeskus", "Read", "topic", Topics.FLAGS, "literal"),
        ("national-tilastokeskus", "Read", "group", "national-tilastokeskus", "literal"),
    }


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("agency", "A 17", "agency-secret-0123456789"), "not a usable name"),
        (("agency", "A17", "short"), "at least 16 characters"),
        (("agency", "A17", "comma,in-the-password-0123"), "may not contain"),
        (("agency", "A17"), "usage: agency AGENCY_ID PASSWORD"),
        (("revoke", "kaiku-usage"), "service user goes with its service"),
        (("services",), "set KAIKU_ISSUANCE_KAFKA_PASSWORD"),
    ],
)
def test_bad_input_is_refused_with_a_reason(args: tuple[str, ...], complaint: str):
    environment = {k: "" for k in PASSWORDS}
    done = run_script(*args, **environment)
    assert done.returncode == 2
    assert complaint in done.stderr
    assert "kafka-acls.sh" not in done.stdout


def service_needs(service: str) -> set[Grant]:
    """What the service's own code does on Kafka: its subscribers, its publishers, and dead letters."""
    app = importlib.import_module(f"kaiku_{service}.app").service
    user = f"kaiku-{service}"
    needs: set[Grant] = set()
    for subscriber in app.broker.subscribers:
        needs |= {(user, "Read", "topic", topic, "literal") for topic in subscriber.topic_names}
        assert subscriber.group_id.startswith(f"{user}."), subscriber.group_id
        needs.add((user, "Read", "group", f"{user}.", "prefixed"))
    needs |= {(user, "Write", "topic", publisher.topic, "literal") for publisher in app.broker.publishers}
    if app.consumers:
        needs.add((user, "Write", "topic", Topics.DEAD_LETTER, "literal"))
    if app.regions is not None:  # the ownership registry, read without a group (docs/architecture.md)
        needs |= {(user, op, "topic", Topics.DEPLOYMENTS, "literal") for op in ("Read", "Write")}
    return needs


@pytest.mark.parametrize("service", ["issuance", "usage", "stats"])
def test_each_service_has_exactly_what_its_code_reads_and_writes(service: str):
    given = {g for g in grants(commands("services", **PASSWORDS)) if g[0] == f"kaiku-{service}"}
    assert given == service_needs(service)


def test_a_regional_deployment_has_its_own_users_with_what_issuance_and_usage_need_and_its_own_groups():
    passwords = {f"KAIKU_REGIONAL_{s}_KAFKA_PASSWORD": f"{s.lower()}-0123456789abcdef" for s in ("ISSUANCE", "USAGE")}
    argv_list = commands("regional", "pirkanmaa", **passwords)
    users = {option(a, "--entity-name") for a in argv_list if a[0].endswith("kafka-configs.sh")}
    assert users == {"kaiku-issuance-pirkanmaa", "kaiku-usage-pirkanmaa"}
    given = grants(argv_list)
    for service in ("issuance", "usage"):
        national = {g[1:] for g in service_needs(service) if g[3] != f"kaiku-{service}."}
        mine = {g[1:] for g in given if g[0] == f"kaiku-{service}-pirkanmaa"}
        assert mine - {("Read", "group", f"kaiku-{service}-pirkanmaa.", "prefixed")} == national
    # its consumer groups are its own: the national usage's prefix is not among them
    assert ("kaiku-usage-pirkanmaa", "Read", "group", "kaiku-usage-pirkanmaa.", "prefixed") in given
    assert not {g for g in given if g[3] == "kaiku-usage."}


def test_service_users_are_created_and_the_ui_only_reads():
    argv_list = commands("services", **PASSWORDS)
    users = {option(a, "--entity-name") for a in argv_list if a[0].endswith("kafka-configs.sh")}
    assert users == {"kaiku-issuance", "kaiku-usage", "kaiku-stats", "kaiku-ui"}
    ui = {g[1] for g in grants(argv_list) if g[0] == "kaiku-ui"}
    assert ui <= {"Read", "Describe", "DescribeConfigs"}
    every = grants(argv_list)
    assert not {g for g in every if g[1] in ("All", "Create", "Delete", "Alter", "AlterConfigs")}


def test_topics_are_created_as_the_contracts_define_them():
    argv_list = [a for a in commands("topics", REPLICATION_FACTOR="3") if "--create" in a]
    made = {
        option(a, "--topic"): (int(option(a, "--partitions")), [a[i + 1] for i, x in enumerate(a) if x == "--config"])
        for a in argv_list
    }
    assert set(made) == {spec.name for spec in ALL_TOPICS}
    for spec in ALL_TOPICS:
        partitions, configs = made[spec.name]
        assert partitions == spec.partitions, spec.name
        assert f"cleanup.policy={'compact' if spec.compacted else 'delete'}" in configs, spec.name
        assert "min.insync.replicas=2" in configs
    # the streams that projections are rebuilt from are never expired
    for name in (Topics.CARDS, Topics.REDEMPTIONS):
        assert "retention.ms=-1" in made[name][1]
    assert all(option(a, "--replication-factor") == "3" for a in argv_list)


def test_shell_scripts_pass_shellcheck():
    scripts = [SCRIPT, ROOT / "deploy" / "postgres" / "init-databases.sh"]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "shellcheck"), *map(str, scripts)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


async def test_services_authenticate_with_the_settings_they_are_given():
    from aiokafka import AIOKafkaProducer
    from kaiku_runtime.settings import ServiceSettings

    assert ServiceSettings().kafka_client_options() == {}, "the dev stack and the tests speak plaintext"
    settings = ServiceSettings(
        kafka_security_protocol="SASL_SSL", kafka_username="kaiku-usage", kafka_password="usage-0123456789abcdef"
    )
    options = settings.kafka_client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("kaiku-usage", "usage-0123456789abcdef")
    assert options["ssl_context"].check_hostname, "brokers' certificates are verified"
    assert "usage-0123456789abcdef" not in repr(settings), "the password never shows in a log of the settings"
    producer = AIOKafkaProducer(bootstrap_servers="kafka.example.invalid:9093", **options)  # accepted by aiokafka
    assert producer.client._security_protocol == "SASL_SSL"
    await producer.stop()
    with pytest.raises(ValueError, match="KAIKU_KAFKA_USERNAME"):
        ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT").kafka_client_options()
