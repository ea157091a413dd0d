"""Usage's own Prometheus metrics (on `/metrics` beside the runtime's)."""

from __future__ import annotations

from prometheus_client import Counter

REDEMPTIONS_ACCEPTED = Counter(
    "kaiku_redemptions_accepted_total", "Uses of a card accepted (first answers, not replays)", ["source", "channel"]
)
REDEMPTIONS_REJECTED = Counter(
    "kaiku_redemptions_rejected_total", "Uses of a card refused, by rejection reason", ["reason", "source"]
)
AGENCY_UNSIGNED_MESSAGES = Counter(
    "kaiku_agency_unsigned_messages_total",
    "Agency-topic messages trusted without a signature (the agency has no signing key)",
    ["agency_id"],
)
