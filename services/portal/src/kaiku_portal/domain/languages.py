"""Mother tongues offered on the grant form (docs/contract.md: an ISO 639-1 code, or `other`).

The most common mother tongues in Finland first; anything else is recorded as `other`, which keeps
small language groups from singling anyone out in the statistics.
"""

from __future__ import annotations

MOTHER_TONGUES: tuple[str, ...] = (
    "fi", "sv", "se", "ru", "et", "ar", "en", "so", "fa", "ku", "uk", "zh", "sq", "vi", "es", "de", "tr", "pl", "th",
    "other",
)  # fmt: skip
