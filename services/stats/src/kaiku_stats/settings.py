"""Settings of the stats service (`KAIKU_*` environment variables)."""

from __future__ import annotations

from kaiku_runtime.settings import ServiceSettings
from pydantic import Field

from kaiku_stats.domain.misuse import DEFAULT_USES_PER_WEEK
from kaiku_stats.domain.suppression import DEFAULT_K


class StatsSettings(ServiceSettings):
    stats_suppression_k: int = Field(
        default=DEFAULT_K, ge=2, description="KAIKU_STATS_SUPPRESSION_K: smallest published breakdown cell"
    )
    stats_publish_interval_seconds: float = Field(
        default=1.0, gt=0, description="KAIKU_STATS_PUBLISH_INTERVAL_SECONDS: at most one snapshot per key this often"
    )
    stats_flag_uses_per_week: int = Field(
        default=DEFAULT_USES_PER_WEEK,
        ge=1,
        description="KAIKU_STATS_FLAG_USES_PER_WEEK: more uses of one card in a week raise many_uses_in_a_week",
    )
