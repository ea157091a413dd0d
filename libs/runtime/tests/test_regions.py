"""Which deployment judges which region (kaiku_runtime.regions): pure rules, tested directly."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from kaiku_runtime.ownership import RETRY_S, RegionRegistry, venue_announcement
from kaiku_runtime.regions import (
    NATIONAL_DEPLOYMENT,
    Claim,
    DeploymentConfigError,
    Ownership,
    claim_from_settings,
    consumer_group,
)
from kaiku_runtime.settings import ServiceSettings

NATIONAL = Claim(NATIONAL_DEPLOYMENT)
PIRKANMAA = Claim("pirkanmaa", frozenset({"R2", "R3"}))


def test_unset_configuration_is_the_national_deployment_with_todays_group_names() -> None:
    claim = claim_from_settings("", "")
    assert claim == NATIONAL
    assert claim.is_national
    assert consumer_group("usage", "agency-redemptions", claim.deployment) == "kaiku-usage.agency-redemptions"


def test_a_regional_deployment_has_its_own_groups_and_regions() -> None:
    claim = claim_from_settings("pirkanmaa", " R2, R3 ,")
    assert claim == PIRKANMAA
    assert consumer_group("usage", "card-registry", "pirkanmaa") == "kaiku-usage-pirkanmaa.card-registry"
    assert consumer_group("usage", "card-registry", "pirkanmaa") != consumer_group("usage", "card-registry", "national")


@pytest.mark.parametrize(
    ("deployment", "regions", "says"),
    [
        ("", "R1", "KAIKU_DEPLOYMENT"),
        ("national", "R1", "KAIKU_DEPLOYMENT"),
        ("a b", "", "KAIKU_DEPLOYMENT"),
        ("x", "R 1", "KAIKU_REGIONS"),
    ],
)
def test_a_configuration_that_names_no_single_deployment_is_refused(deployment: str, regions: str, says: str) -> None:
    with pytest.raises(DeploymentConfigError, match=says):
        claim_from_settings(deployment, regions)


def test_the_national_deployment_owns_every_region_nobody_else_claims() -> None:
    ownership = Ownership(claims={"national": NATIONAL, "pirkanmaa": PIRKANMAA})
    assert ownership.owner_of("R1") == "national"
    assert ownership.owner_of("R2") == "pirkanmaa"
    assert ownership.judges(NATIONAL, "R1")
    assert not ownership.judges(NATIONAL, "R2")
    assert ownership.judges(PIRKANMAA, "R3")
    assert not ownership.judges(PIRKANMAA, "R1")
    # every region has exactly one judge
    for region in ("R1", "R2", "R3", "R9"):
        assert [c.deployment for c in (NATIONAL, PIRKANMAA) if ownership.judges(c, region)] == [
            ownership.owner_of(region)
        ]


def test_a_venue_is_judged_by_the_owner_of_its_region_and_an_unknown_one_by_the_national_deployment() -> None:
    ownership = Ownership(claims={"national": NATIONAL, "pirkanmaa": PIRKANMAA}, venue_regions={"V2": "R2"})
    assert ownership.judges_venue(PIRKANMAA, "V2", "R2")
    assert not ownership.judges_venue(NATIONAL, "V2", None)  # announced elsewhere: left to its owner
    assert ownership.judges_venue(NATIONAL, "V1", "R1")
    assert ownership.judges_venue(NATIONAL, "NOBODY", None)  # answered venue_unknown by the national one
    assert not ownership.judges_venue(PIRKANMAA, "NOBODY", None)
    # a venue left behind in the national database after its region moved is the new owner's
    assert not ownership.judges_venue(NATIONAL, "V3", "R3")


def test_two_deployments_claiming_one_region_conflict_naming_the_owner() -> None:
    ownership = Ownership(claims={"national": NATIONAL, "pirkanmaa": PIRKANMAA})
    conflict = ownership.conflict(Claim("tampere", frozenset({"R3", "R4"})))
    assert conflict is not None
    assert "region R3" in conflict
    assert "pirkanmaa" in conflict
    assert ownership.conflict(Claim("lappi", frozenset({"R4"}))) is None
    assert ownership.conflict(PIRKANMAA) is None  # its own earlier claim (a restart)
    second_national = ownership.conflict(Claim("another"))
    assert second_national is not None
    assert "national" in second_national


def test_the_refusal_names_the_region_and_where_to_go() -> None:
    ownership = Ownership(claims={"national": NATIONAL, "pirkanmaa": PIRKANMAA})
    detail = ownership.refusal(NATIONAL, "R2")
    assert "region R2" in detail
    assert "deployment pirkanmaa" in detail


def test_the_registry_reads_claims_venues_and_tombstones_last_value_wins() -> None:
    registry = RegionRegistry(ServiceSettings(deployment="", regions=""), "usage")
    assert registry.judges_everything
    _, key, event = venue_announcement("V2", "R2", "pirkanmaa")
    registry.apply(key, event.to_json_bytes())
    registry.apply(
        "deployment:pirkanmaa",
        b'{"event_type":"DeploymentClaimed","deployment":"pirkanmaa","regions":["R2"],"service":"usage"}',
    )
    registry.apply("deployment:broken", b"not json")  # ignored, never stops the reader
    assert not registry.judges_everything
    assert not registry.judges("R2")
    assert registry.ownership.region_of_venue("V2") == "R2"
    registry.apply("deployment:pirkanmaa", None)  # released
    assert registry.judges("R2")
    assert registry.describe()["other_deployments"] == {}


async def test_the_registry_waits_for_kafka_instead_of_failing_the_start() -> None:
    """A service started while Kafka does not answer starts once it does (like its producer), not never."""
    from kaiku_devkit.infra import free_port

    settings = ServiceSettings(kafka_bootstrap=f"127.0.0.1:{free_port()}", deployment="pirkanmaa", regions="R2")
    registry = RegionRegistry(settings, "usage")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)  # never reached: nothing to announce
    starting = asyncio.create_task(registry.start(producer))
    await asyncio.sleep(3 * RETRY_S)
    assert not starting.done()  # still trying, no exception
    assert not registry.available
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    await registry.stop()
