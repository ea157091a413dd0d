"""Revoking a card: lost, misused or issued in error (docs/contract.md CardRevoked). A lost card is replaced
by granting a new code that names the old one (`replaces_card_code`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kaiku_contracts.enums import RejectionReason, RevocationReason

from kaiku_issuance.domain.refusals import Refusal


@dataclass(frozen=True, slots=True)
class Revocation:
    reason: RevocationReason
    revoked_on: date


@dataclass(frozen=True, slots=True)
class CardState:
    card_code: str
    issued_on: date
    revocation: Revocation | None


def revocation_refusal(card: CardState, wanted: Revocation, today: date) -> Refusal | None:
    """None: record it (or, when the very same revocation is already recorded, answer as before)."""
    if card.revocation is not None:
        if card.revocation.reason is wanted.reason:
            return None
        return Refusal(
            "reason",
            f"the card was already revoked on {card.revocation.revoked_on} ({card.revocation.reason})",
            RejectionReason.CARD_REVOKED,
        )
    if wanted.revoked_on > today:
        return Refusal("revoked_on", "may not be in the future")
    if wanted.revoked_on < card.issued_on:
        return Refusal("revoked_on", f"may not be before the card was granted ({card.issued_on})")
    return None
