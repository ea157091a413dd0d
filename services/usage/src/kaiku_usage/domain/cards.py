"""The box-office check: is this card valid right now, and until when?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kaiku_contracts.enums import RejectionReason

from kaiku_usage.domain.redemption import Card


@dataclass(frozen=True, slots=True)
class CardStatus:
    valid: bool
    valid_until: date | None
    reason: RejectionReason | None = None


def card_status(card: Card | None, today: date) -> CardStatus:
    """Valid = registered, not revoked and within its validity (§4: from the issue date for twelve months,
    or to the trial's end); a card issued on a later date is not valid yet."""
    if card is None:
        return CardStatus(valid=False, valid_until=None, reason=RejectionReason.CARD_UNKNOWN)
    if card.revoked_on is not None:
        return CardStatus(valid=False, valid_until=card.valid_until, reason=RejectionReason.CARD_REVOKED)
    if card.valid_until < today:
        return CardStatus(valid=False, valid_until=card.valid_until, reason=RejectionReason.CARD_EXPIRED)
    if card.issued_on is not None and card.issued_on > today:
        return CardStatus(valid=False, valid_until=card.valid_until, reason=RejectionReason.CARD_NOT_YET_VALID)
    return CardStatus(valid=True, valid_until=card.valid_until)
