"""Settings of the stats service (`KAIKU_*` environment variables)."""

from __future__ import annotations

from kaiku_runtime.settings import ServiceSettings
from pydantic import Field

from kaiku_stats.domain.suppression import DEFAULT_K


class StatsSettings(ServiceSettings):
    stats_suppression_k: int = Field(
        default=DEFAULT_K, ge=2, description="KAIKU_STATS_SUPPRESSION_K: smallest published breakdown cell"
    )
    stats_publish_interval_seconds: float = Field(
        default=1.0, gt=0, description="KAIKU_STATS_PUBLISH_INTERVAL_SECONDS: at most one snapshot per key this often"
    )
