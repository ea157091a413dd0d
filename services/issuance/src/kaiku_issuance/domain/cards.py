"""Granting a card (§2, §4.2, §5): what a distributor asks for, the rules it must meet, and retries.

Pure: the caller reads the clock and the registers and passes them in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from kaiku_contracts.cards import HolderProfile
from kaiku_contracts.enums import CardType, RejectionReason

from kaiku_issuance.domain.refusals import Refusal
from kaiku_issuance.domain.stock import CodeRange, stock_refusal
from kaiku_issuance.domain.validity import card_valid_until, old_enough, trial_over


@dataclass(frozen=True, slots=True)
class CardGrant:
    """A distributor's request to record a card it handed out (§4.2). Codes are already upper-case."""

    card_code: str
    card_type: CardType
    distributor_id: str
    holder: HolderProfile | None
    issued_on: date | None = None  # None: granted today (the request did not say)
    branch_id: str | None = None
    replaces_card_code: str | None = None
    children_under_18: int | None = None  # seed 000: written on the card; caps child tickets at usage

    def fingerprint(self, issued_on: date | None) -> str:
        """What makes two requests "the same card": every field, with the issue date as given."""
        content: dict[str, Any] = {
            "card_code": self.card_code,
            "card_type": self.card_type.value,
            "distributor_id": self.distributor_id,
            "branch_id": self.branch_id,
            "issued_on": issued_on.isoformat() if issued_on else None,
            "holder": self.holder.model_dump(mode="json") if self.holder else None,
            "replaces_card_code": self.replaces_card_code,
        }
        if self.children_under_18 is not None:  # absent when unrecorded: earlier requests keep their fingerprint
            content["children_under_18"] = self.children_under_18
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    @property
    def request_fingerprint(self) -> str:
        return self.fingerprint(self.issued_on)


@dataclass(frozen=True, slots=True)
class IssuingContext:
    """What the register knows when a distributor grants a card: its region, branches, the printed stock."""

    region_id: str
    trial_ends_on: date | None
    branches: Collection[str]
    code_ranges: tuple[CodeRange, ...]
    today: date


@dataclass(frozen=True, slots=True)
class IssuedCard:
    grant: CardGrant
    region_id: str
    issued_on: date
    valid_until: date

    @property
    def content_fingerprint(self) -> str:
        return self.grant.fingerprint(self.issued_on)


def grant_refusals(grant: CardGrant, context: IssuingContext) -> list[Refusal]:
    """Every rule the grant breaks (empty: it may be recorded)."""
    problems: list[Refusal] = []
    issued_on = grant.issued_on or context.today
    if grant.card_type is CardType.PERSONAL and grant.holder is None:
        problems.append(Refusal("holder", "required for a personal card (birth year, mother tongue, gender, ...)"))
    if grant.card_type is CardType.COMMUNITY and grant.holder is not None:
        # §5: an organisation's card; the employee using it is never profiled
        problems.append(Refusal("holder", "a community card has no holder profile (§5); leave it out"))
    if grant.card_type is CardType.COMMUNITY and grant.children_under_18 is not None:
        # seed 000: the number is the holder's own children; a community card has no holder (§5)
        problems.append(Refusal("children_under_18", "only a personal card records children (§5); leave it out"))
    if issued_on > context.today:
        problems.append(Refusal("issued_on", "may not be in the future (a late paper form may give a past date)"))
    elif trial_over(issued_on, context.trial_ends_on):
        problems.append(
            Refusal(
                "issued_on",
                f"the region's trial ended on {context.trial_ends_on}; the national office can extend it or make"
                " the region permanent",
            )
        )
    if grant.holder is not None and not old_enough(grant.holder.birth_year, issued_on.year):
        problems.append(Refusal("holder.birth_year", "the holder must turn at least 16 in the issue year (§3)"))
    if grant.branch_id is not None and grant.branch_id not in context.branches:
        known = ", ".join(sorted(context.branches)) or "none registered"
        problems.append(Refusal("branch_id", f"not a branch of distributor {grant.distributor_id} (known: {known})"))
    if grant.replaces_card_code == grant.card_code:
        problems.append(Refusal("replaces_card_code", "a card cannot replace itself; the new card needs a new code"))
    stock = stock_refusal(grant.card_code, context.code_ranges)
    if stock is not None:
        problems.append(stock)
    return problems


def issue(grant: CardGrant, context: IssuingContext) -> IssuedCard:
    """The card as it is recorded: the issue date defaults to today, validity per §2 / §4.2."""
    issued_on = grant.issued_on or context.today
    return IssuedCard(grant, context.region_id, issued_on, card_valid_until(issued_on, context.trial_ends_on))


class Repeat(StrEnum):
    SAME = "same"  # a safe retry: answer as the first time, record nothing
    CONFLICT = "conflict"  # the code is taken by other content: card_exists


@dataclass(frozen=True, slots=True)
class RecordedFingerprints:
    request: str  # the first request, issue date as given
    content: str | None  # the recorded card, issue date as recorded (None for cards older than the column)


def judge_repeat(grant: CardGrant, recorded: RecordedFingerprints) -> Repeat:
    """The same code again: a retry of the same request, or the same card with its date spelled out
    (a paper form entered after the card was registered online), is the same; anything else conflicts."""
    if grant.request_fingerprint == recorded.request:
        return Repeat.SAME
    if grant.issued_on is not None and grant.fingerprint(grant.issued_on) == recorded.content:
        return Repeat.SAME
    return Repeat.CONFLICT


def card_exists() -> Refusal:
    # names the field, never the submitted code (docs/contract.md "Errors and rejection reasons": details
    # never echo a value)
    return Refusal(
        "card_code",
        "this card code is already registered with other details; a lost card is replaced under a new code",
        RejectionReason.CARD_EXISTS,
    )


def joined(refusals: Iterable[Refusal]) -> str:
    return "; ".join(r.message for r in refusals)


class CardStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def card_status(valid_until: date, revoked: bool, today: date) -> CardStatus:
    """Valid through its last day (the date written on the card, §4.2)."""
    if revoked:
        return CardStatus.REVOKED
    return CardStatus.EXPIRED if today > valid_until else CardStatus.ACTIVE
