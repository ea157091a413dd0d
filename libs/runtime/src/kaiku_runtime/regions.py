"""Which deployment judges which region (docs/architecture.md "Regional deployments"): pure values, no I/O.

A regional deployment claims the regions of `KAIKU_REGIONS`; the national deployment (no `KAIKU_REGIONS`)
owns every region no regional deployment claims, so every region, venue and agency submission has exactly
one judge. Venues are registered in the deployment that owns their region and announced to the others, so
each deployment knows where a venue it does not hold belongs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from kaiku_contracts.envelope import ID_PATTERN

NATIONAL_DEPLOYMENT = "national"
"""The name of the deployment without `KAIKU_DEPLOYMENT`: its consumer groups keep today's names."""
_NAME = re.compile(ID_PATTERN)
_DEPLOYMENT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
"""Lower-case letters, digits and '-': it becomes a consumer-group prefix, a Kafka user and a Kubernetes name."""


class DeploymentConfigError(ValueError):
    """`KAIKU_REGIONS` / `KAIKU_DEPLOYMENT` do not describe one deployment (the message says what to set)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """What one deployment owns: `regions`, or (None) every region no regional deployment claims."""

    deployment: str
    regions: frozenset[str] | None = None

    @property
    def is_national(self) -> bool:
        return self.regions is None

    def describe(self) -> str:
        if self.regions is None:
            return f"{self.deployment} (national: every region no regional deployment claims)"
        return f"{self.deployment} (regions {', '.join(sorted(self.regions))})"


def claim_from_settings(deployment: str, regions: str) -> Claim:
    """This deployment's claim from `KAIKU_DEPLOYMENT` and `KAIKU_REGIONS` (comma-separated region ids)."""
    wanted = frozenset(r.strip() for r in regions.split(",") if r.strip())
    name = deployment.strip() or NATIONAL_DEPLOYMENT
    if not _DEPLOYMENT_NAME.match(name):
        raise DeploymentConfigError("KAIKU_DEPLOYMENT: 1-40 lower-case letters, digits or '-', starting with one")
    bad = sorted(r for r in wanted if not _NAME.match(r) or len(r) > 64)
    if bad:
        raise DeploymentConfigError("KAIKU_REGIONS: region ids are 1-64 letters, digits or . _ : -, comma-separated")
    if not wanted:
        return Claim(name)
    if name == NATIONAL_DEPLOYMENT:
        raise DeploymentConfigError(
            "KAIKU_REGIONS is set without KAIKU_DEPLOYMENT: name the regional deployment"
            " (e.g. KAIKU_DEPLOYMENT=pirkanmaa)"
        )
    return Claim(name, wanted)


def consumer_group(service: str, consumer: str, deployment: str) -> str:
    """`kaiku-usage.card-registry` for the national deployment (today's names), `kaiku-usage-<deployment>.…`
    for a regional one: two deployments never share a group, so neither takes the other's partitions."""
    if deployment == NATIONAL_DEPLOYMENT:
        return f"kaiku-{service}.{consumer}"
    return f"kaiku-{service}-{deployment}.{consumer}"


@dataclass(frozen=True, slots=True)
class Ownership:
    """The registry as one deployment last read it: every deployment's claim and every announced venue."""

    claims: Mapping[str, Claim] = field(default_factory=dict)
    venue_regions: Mapping[str, str] = field(default_factory=dict)

    def owner_of(self, region_id: str) -> str:
        """The deployment that judges the region's venues and registers its distributors' cards."""
        for claim in self.claims.values():
            if claim.regions is not None and region_id in claim.regions:
                return claim.deployment
        national = sorted(c.deployment for c in self.claims.values() if c.regions is None)
        return national[0] if national else NATIONAL_DEPLOYMENT

    def judges(self, me: Claim, region_id: str) -> bool:
        if me.regions is not None:
            return region_id in me.regions
        return not any(
            c.regions is not None and region_id in c.regions
            for c in self.claims.values()
            if c.deployment != me.deployment
        )

    def judges_venue(self, me: Claim, venue_id: str, region_here: str | None) -> bool:
        """Whether `me` judges a use at the venue. `region_here`: the venue's region where `me` holds it.

        A venue nobody announced is judged by the national deployment (it answers `venue_unknown`); a
        regional deployment leaves it to its owner.
        """
        region = region_here or self.venue_regions.get(venue_id)
        if region is None:
            return me.is_national
        return self.judges(me, region)

    def region_of_venue(self, venue_id: str) -> str | None:
        return self.venue_regions.get(venue_id)

    def conflict(self, me: Claim) -> str | None:
        """Why `me` may not start beside the claims already made (naming the other deployment), or None."""
        for other in sorted(self.claims.values(), key=lambda c: c.deployment):
            if other.deployment == me.deployment:
                continue
            if me.regions is None and other.regions is None:
                return (
                    f"deployment {other.deployment} is already the national deployment: run this one with"
                    " KAIKU_DEPLOYMENT and KAIKU_REGIONS, or under the name " + other.deployment
                )
            if me.regions is not None and other.regions is not None and me.regions & other.regions:
                regions = ", ".join(sorted(me.regions & other.regions))
                return (
                    f"region {regions} is already owned by deployment {other.deployment}: a region has one owner;"
                    ' release it there first (deploy/README.md "Regional deployments")'
                )
        return None

    def refusal(self, me: Claim, region_id: str) -> str:
        """The 403 detail for a request about a region `me` does not judge: where to send it instead."""
        return (
            f"region {region_id} is served by deployment {self.owner_of(region_id)}, not by deployment"
            f" {me.deployment}: send this to that deployment's service"
        )
