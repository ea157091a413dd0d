"""Usage's own Prometheus metrics (on `/metrics` beside the runtime's)."""

from __future__ import annotations

from prometheus_client import Counter

REDEMPTIONS_ACCEPTED = Counter(
    "kaiku_redemptions_accepted_total", "Uses of a card accepted (first answers, not replays)", ["source", "channel"]
)
REDEMPTIONS_REJECTED = Counter(
    "kaiku_redemptions_rejected_total", "Uses of a card refused, by rejection reason", ["reason", "source"]
)
AGENCY_UNTRUSTED_MESSAGES = Counter(
    "kaiku_agency_untrusted_messages_total",
    "Agency-topic messages refused agency_not_authorised, by what failed (missing, invalid, unregistered);"
    " not by agency id, which such a message may invent",
    ["check"],
)
